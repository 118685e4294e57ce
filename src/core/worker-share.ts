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
 * The number of distinct workers that polled within `liveMs` of the newest poll Temporal reports, this
 * one always among them (Temporal may not have seen its first poll yet), and never fewer than one.
 *
 * Temporal stamps each poll with the server's clock, so another worker's clock never enters; this
 * worker's own clock may be off the server's by minutes or hours, though, and measured against it
 * every sighting would look stale (a clock ahead: the others dropped, and this worker would spend the
 * whole setting) or ahead of now (a clock behind: a stopped worker counted as long as Temporal lists
 * it). So the ages are measured against the newest sighting, a moment of the server's clock no later
 * than its now: a worker that polls is never dropped, whatever the clocks, and one that stopped is
 * counted for `liveMs` after its latest poll plus at most the time since anyone last polled. Only
 * when no sighting has a time is `nowMs` the reference.
 */
export function workerShare(pollers: readonly PollerSighting[], nowMs: number, ownIdentity: string, liveMs = POLLER_LIVE_MS): number {
  const times = pollers.map((p) => p.lastAccessMs).filter((ms): ms is number => ms !== undefined);
  const reference = times.length > 0 ? Math.max(...times) : nowMs;
  const live = new Set<string>([ownIdentity]);
  for (const poller of pollers) {
    // A sighting without a time is taken as live: the safe side.
    if (poller.lastAccessMs === undefined || reference - poller.lastAccessMs <= liveMs) live.add(poller.identity);
  }
  return live.size;
}
