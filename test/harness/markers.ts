// What a workflow history's local-activity markers say: Temporal records a local activity as a marker
// whose details' JSON payloads name its activity type and carry its result.
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A marker event's payloads as text ('' for any other event): `.includes('revokeGrant')` finds a local revoke. */
export function markerText(event: HistoryEvent): string {
  return Object.values(event.markerRecordedEventAttributes?.details ?? {})
    .flatMap((p) => p.payloads ?? [])
    .map((p) => Buffer.from(p.data ?? []).toString())
    .join(' ');
}
