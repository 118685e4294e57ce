// A limit on requests in flight at once, the other half of IAM Identity Center's budget beside its
// call rate: at most so many account assignment creations may be under way in an instance. A creation
// holds its slot from its request until its status says it succeeded or failed; the others wait,
// first come first served. Every worker holds its share of the deployment's limit (setLimit).
import { RateLimitAbandoned } from './rate-limit';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class InFlightLimit {
  private held = 0;
  private readonly queue: Waiter[] = [];

  constructor(private limit: number) {}

  /** This process's share of the deployment's limit; a lower one lets the requests in flight finish. */
  setLimit(limit: number): void {
    this.limit = Math.max(1, limit);
    this.pump();
  }

  currentLimit(): number {
    return this.limit;
  }

  inFlight(): number {
    return this.held;
  }

  /** Runs `fn` holding a slot; an aborted `signal` takes a waiting caller out of the queue. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.held--;
      this.pump();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new RateLimitAbandoned());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, ...(signal ? { signal } : {}) };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          reject(new RateLimitAbandoned());
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  private pump(): void {
    while (this.held < this.limit && this.queue.length > 0) {
      const waiter = this.queue.shift()!;
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.held++;
      waiter.resolve();
    }
  }
}
