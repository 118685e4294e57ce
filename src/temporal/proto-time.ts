// Temporal's API carries durations and timestamps as protobuf seconds and nanoseconds.
import { google } from '@temporalio/proto';

/** A duration of `ms` milliseconds, as the API takes it (a namespace's retention, say). */
export function protoDuration(ms: number): google.protobuf.IDuration {
  return google.protobuf.Duration.fromObject({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
}

/** Milliseconds of a duration or timestamp the API returned; undefined when it is absent. */
export function protoMs(value: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!value) return undefined;
  return Number(value.seconds ?? 0) * 1000 + Math.floor((value.nanos ?? 0) / 1e6);
}
