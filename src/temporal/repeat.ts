// A worker's background look at Temporal (its share of the task queue, the teams without a reconcile
// workflow): once at once, then again every so often, one look at a time, until stopped.

/** Runs `look` now and again `everyMs` after each look ends; `look` is told whether stop() came meanwhile. */
export function repeatEvery(everyMs: number, look: (stopped: () => boolean) => Promise<void>): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    await look(() => stopped);
    if (stopped) return;
    // unref: a worker that is shutting down does not wait for its next look.
    timer = setTimeout(() => void tick(), everyMs);
    timer.unref();
  };
  void tick();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
