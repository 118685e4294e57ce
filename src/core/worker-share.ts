// How many workers spend one account's IAM call budget: the setting is per account for the whole
// deployment, and every worker serving the task queue keeps a budget of its own, so each spends a
// 1/N share. Pure: the caller supplies the pollers Temporal reported, the moment "now" and its own
// identity.

/** One worker Temporal has seen polling the task queue, as `DescribeTaskQueue` reports it. */
export interface PollerSighting {
  identity: string;
  /** Epoch ms of its latest poll request; undefined when the server did not say. */
  lastAccessMs?: number;
}

/**
 * How long after its latest poll a worker still counts. A live worker's poll is a long poll of up
 * to a minute, so an idle worker's latest poll can be that old; a worker whose task slots are all
 * busy polls less often still. Counting a worker that has stopped costs throughput (the others
 * run under the setting), not counting one that runs would send more than the setting, so the bound
 * is generous. Temporal itself forgets a poller five minutes after its latest poll.
 */
export const POLLER_LIVE_MS = 90_000;

/**
 * The number of distinct workers that polled within `liveMs` of `nowMs`, this one always among them
 * (Temporal may not have seen its first poll yet), and never fewer than one.
 */
export function workerShare(pollers: readonly PollerSighting[], nowMs: number, ownIdentity: string, liveMs = POLLER_LIVE_MS): number {
  const live = new Set<string>([ownIdentity]);
  for (const poller of pollers) {
    // A sighting without a time, or ahead of this clock, is taken as live: the safe side.
    if (poller.lastAccessMs === undefined || nowMs - poller.lastAccessMs <= liveMs) live.add(poller.identity);
  }
  return live.size;
}
