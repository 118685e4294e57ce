// A token bucket per account: a large submission must not trip AWS's IAM throttling. At AWS's pace
// the budget, not Temporal, is what users wait for, so who gets the next token matters: a revoke
// (access that must end) goes before an apply (access someone waits for), which goes before a
// reconcile pass's reads. Within a class, calls are served in the order they asked.
//
// When IAM answers "throttled" anyway (another tool spends the same account's budget, or AWS's own
// limit is lower than the setting), the rate halves at once and climbs back a little with each call
// that succeeds, instead of retrying at the pace that was just refused.
//
// The setting is per account for the whole deployment, so a worker that shares its task queue with
// others spends only its share of it (`setShare`); the throttling slow-down applies to that share.
import { AsyncLocalStorage } from 'node:async_hooks';

export const CALL_PRIORITIES = ['revoke', 'apply', 'reconcile'] as const;
export type CallPriority = (typeof CALL_PRIORITIES)[number];

/** What the IAM calls made inside `withCallClass` are for, and the attempt that would abandon them. */
export interface CallClass {
  priority: CallPriority;
  signal?: AbortSignal;
  /**
   * Called every few seconds while a call waits for its token: a reconcile pass's reads wait behind
   * every apply it started, and its activity must keep heartbeating meanwhile, or Temporal would time
   * it out and run the whole pass again into the same queue.
   */
  whileWaiting?: () => void;
}

/** How often `whileWaiting` is called while a call waits for its token. */
export const WAITING_BEAT_MS = 5000;

const callClass = new AsyncLocalStorage<CallClass>();

/** Runs `fn` with its IAM calls served in `priority`'s class (the default, outside any, is `reconcile`). */
export function withCallClass<T>(cls: CallClass, fn: () => Promise<T>): Promise<T> {
  return callClass.run(cls, fn);
}

export function currentCallClass(): CallClass {
  return callClass.getStore() ?? { priority: 'reconcile' };
}

/** The clock and timer the limiter runs on: real ones in production, a hand-driven one in unit tests. */
export interface LimiterClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?: () => void } | number;
  clearTimeout(handle: unknown): void;
}

const REAL_CLOCK: LimiterClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface LimiterOptions {
  burst?: number;
  clock?: LimiterClock;
  /** The lowest rate throttling can push it to, as a fraction of the setting (default 1/8). */
  floorFraction?: number;
  /** How much of the setting each successful call gives back after throttling (default 1/50). */
  recoverFraction?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class RateLimitAbandoned extends Error {
  constructor() {
    super('the attempt was abandoned while its IAM call waited for the rate limit; the call was not sent');
    this.name = 'RateLimitAbandoned';
  }
}

export class RateLimiter {
  private tokens: number;
  private last: number;
  private rate: number;
  private burst: number;
  private share = 1;
  private readonly fixedBurst: number | undefined;
  private readonly clock: LimiterClock;
  private readonly floorFraction: number;
  private readonly recoverFraction: number;
  private readonly queues: Record<CallPriority, Waiter[]> = { revoke: [], apply: [], reconcile: [] };
  private timer: unknown;
  /** Calls set aside by `reserve` and not yet released. */
  private reserved = 0;

  constructor(
    private readonly perSecond: number,
    burstOrOptions: number | LimiterOptions = {},
  ) {
    const options = typeof burstOrOptions === 'number' ? { burst: burstOrOptions } : burstOrOptions;
    this.fixedBurst = options.burst;
    this.burst = options.burst ?? Math.max(1, Math.ceil(perSecond));
    this.clock = options.clock ?? REAL_CLOCK;
    this.floorFraction = options.floorFraction ?? 1 / 8;
    this.recoverFraction = options.recoverFraction ?? 1 / 50;
    this.rate = perSecond;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  /** The rate it serves at now: its share of the setting, or less after throttling. */
  currentRate(): number {
    return this.rate;
  }

  /** The setting divided among the workers spending it: the most this limiter serves. */
  private ceiling(): number {
    return this.perSecond / this.share;
  }

  /**
   * Spend a `1/workers` share of the setting from now on. A slow-down from throttling is kept, as
   * the same fraction of the new share; the burst shrinks with the share (unless it was fixed), so
   * the workers' bursts together stay about one setting's worth.
   */
  setShare(workers: number): void {
    const share = Math.max(1, workers);
    if (share === this.share) return;
    // Time already passed earns tokens at the rate it passed at.
    this.refill();
    this.rate = (this.rate * this.share) / share;
    this.share = share;
    if (this.fixedBurst === undefined) this.burst = Math.max(1, Math.ceil(this.ceiling()));
    this.tokens = Math.min(this.tokens, this.burst);
    // A timer set at the old rate would fire too late (or too early) for the new one.
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pump();
  }

  /** How many workers this limiter shares the setting with (itself included). */
  currentShare(): number {
    return this.share;
  }

  /** Calls that could go at once: the tokens there are now, less the calls already waiting for them and those reserved. */
  spare(): number {
    this.refill();
    const queued = CALL_PRIORITIES.reduce((sum, p) => sum + this.queues[p].length, 0);
    return Math.floor(this.tokens) - queued - this.reserved;
  }

  /**
   * Sets aside `calls` of what could go at once, for work that must not wait in the queue (a quick
   * apply inside a workflow task): the release function, or undefined when that many are not spare.
   * What is set aside counts against `spare` until released, so work that asks at the same moment
   * does not all see the same tokens as its own.
   */
  reserve(calls: number): (() => void) | undefined {
    if (this.spare() < calls) return undefined;
    this.reserved += calls;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved -= calls;
    };
  }

  /** Calls waiting, by class. */
  waiting(): Record<CallPriority, number> {
    return { revoke: this.queues.revoke.length, apply: this.queues.apply.length, reconcile: this.queues.reconcile.length };
  }

  /**
   * Resolves when the caller may make one call: the highest class first, in order within a class.
   * An aborted `signal` takes the caller out of the queue without spending a token.
   */
  take(priority: CallPriority = 'reconcile', signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new RateLimitAbandoned());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, ...(signal ? { signal } : {}) };
      if (signal) {
        waiter.onAbort = () => {
          const queue = this.queues[priority];
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          reject(new RateLimitAbandoned());
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queues[priority].push(waiter);
      this.pump();
    });
  }

  /** IAM said "throttled": halve the rate (down to the floor) and spend what is left of the burst. */
  throttled(): void {
    this.refill();
    this.rate = Math.max(this.ceiling() * this.floorFraction, this.rate / 2);
    this.tokens = Math.min(this.tokens, 0);
  }

  /** A call went through: after throttling, the rate climbs back towards its share of the setting. */
  succeeded(): void {
    const ceiling = this.ceiling();
    if (this.rate < ceiling) this.rate = Math.min(ceiling, this.rate + ceiling * this.recoverFraction);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  private next(): Waiter | undefined {
    for (const priority of CALL_PRIORITIES) {
      const waiter = this.queues[priority].shift();
      if (waiter) return waiter;
    }
    return undefined;
  }

  private pump(): void {
    this.refill();
    while (this.tokens >= 1) {
      const waiter = this.next();
      if (!waiter) return;
      this.tokens -= 1;
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    if (this.timer !== undefined || CALL_PRIORITIES.every((p) => this.queues[p].length === 0)) return;
    const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000));
    const handle = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, waitMs);
    this.timer = handle;
  }
}

/** Whether an AWS SDK error is IAM (or STS) refusing for the request rate. */
export function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const name = e?.name ?? e?.Code ?? '';
  return /^(Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|RequestThrottled)$/.test(name) || e?.$metadata?.httpStatusCode === 429;
}
