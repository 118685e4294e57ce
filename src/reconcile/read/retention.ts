// How long the namespace keeps closed runs in visibility: an early revocation whose record nears the
// end of it is written again (src/core/reconcile-plan.ts reaffirmDue). The worker owns one of these
// and every pass asks it; the server is asked at most once an hour.
import type { Client } from '@temporalio/client';
import { DAY_MS } from '../../core/time';
import { namespaceRetentionMs } from '../../temporal/namespace-setup';

/** How long a retention read from the server is taken as current. */
const RETENTION_TTL_MS = 3_600_000;
/** What a pass reckons with when the server does not say. */
const DEFAULT_RETENTION_MS = 7 * DAY_MS;

export class NamespaceRetention {
  private cached: { ms: number; readAt: number } | undefined;

  /** `assumeMs`: the retention to reckon with instead of the namespace's (tests, which cannot wait a day for a run to age). */
  constructor(
    private readonly temporal: Client,
    private readonly namespace: string,
    private readonly assumeMs?: number,
  ) {}

  async current(): Promise<number> {
    if (this.assumeMs !== undefined) return this.assumeMs;
    if (this.cached && Date.now() - this.cached.readAt < RETENTION_TTL_MS) return this.cached.ms;
    const ms = (await namespaceRetentionMs(this.temporal, this.namespace).catch(() => undefined)) ?? DEFAULT_RETENTION_MS;
    this.cached = { ms, readAt: Date.now() };
    return ms;
  }
}
