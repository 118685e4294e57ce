// How a pass waits for grant workflows: round after round it reads each one still open (a describe,
// or a query), heartbeating after each read, until every one has settled or the time is up. The
// ending wait (grants revoked or revoking must close), the replacement wait (a new grant must be
// active) and the retirement's wait are this one loop with their own read and deadline.
import type { LedgerEntry } from '../core/ledger';
import { describeGrant } from './read/grants';
import type { PassDeps } from './context';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions<T> {
  /** How long to wait at most; a round stops at the deadline, and no round starts after it. */
  withinMs: number;
  /** The pause between rounds. */
  everyMs: number;
  /** Reads one; what it settled to, or undefined while it has not. */
  read: (id: string) => Promise<T | undefined>;
  /** After each read, with how many are still open (a heartbeat). */
  onRead: (open: number) => void;
}

/**
 * Reads each of `ids` in turn, again every `everyMs`, until each has settled or `withinMs` has passed.
 * Returns what each settled to (in the order they did) and the ids still open, in the order given.
 */
export async function waitForEach<T>(ids: readonly string[], options: WaitOptions<T>): Promise<{ settled: Map<string, T>; open: string[] }> {
  const deadline = Date.now() + options.withinMs;
  const open = new Set(ids);
  const settled = new Map<string, T>();
  while (open.size > 0 && Date.now() < deadline) {
    for (const id of [...open]) {
      const value = await options.read(id);
      if (value !== undefined) {
        open.delete(id);
        settled.set(id, value);
      }
      options.onRead(open.size);
      if (Date.now() > deadline) break;
    }
    if (open.size === 0 || Date.now() > deadline) break;
    await sleep(options.everyMs);
  }
  return { settled, open: [...open] };
}

/** A grant workflow that closed: its latest run, or none when no run is left to describe. */
export interface Closed {
  entry?: LedgerEntry;
}

/** Waits for grant workflows to close (their latest run not running), each read directly; `what` names the wait in heartbeats. */
export function waitForClose(
  deps: Pick<PassDeps, 'temporal' | 'heartbeat'>,
  ids: readonly string[],
  options: { withinMs: number; everyMs: number; what: (open: number) => string },
): Promise<{ settled: Map<string, Closed>; open: string[] }> {
  return waitForEach<Closed>(ids, {
    withinMs: options.withinMs,
    everyMs: options.everyMs,
    read: async (id) => {
      const entry = await describeGrant(deps, id);
      if (entry && entry.status === 'RUNNING') return undefined;
      return entry ? { entry } : {};
    },
    onRead: (open) => deps.heartbeat(options.what(open)),
  });
}
