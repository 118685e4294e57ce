// How a pass runs many Temporal calls (starts, signals, record runs, look-ups) without sending them
// all at once: a fixed number in flight, a heartbeat after each.

/** Grant workflows started, record runs written or looked up at once. */
export const CONCURRENCY = 16;
/** Signals (reapply, revoke) sent at once: cheaper than starts. */
export const SIGNAL_CONCURRENCY = 32;

/** Runs `fn` over `items` with at most `limit` in flight; `onEach` after each (a heartbeat). */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, onEach?: () => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
      onEach?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
