// The per-account call budget: who gets the next token when it is saturated, what an abandoned
// attempt's queued calls cost, and how throttling answers slow it down. Driven by a hand-moved clock,
// so nothing here depends on how fast the machine is; but for one test on the real clock, that a
// burst goes through and the calls after it are spaced at the configured rate.
import assert from 'node:assert/strict';
import {
  type CallPriority,
  currentCallClass,
  isThrottling,
  type LimiterClock,
  RateLimitAbandoned,
  RateLimiter,
  withCallClass,
} from '../../../src/aws/rate-limit';

/** A clock that moves only when the test says so; timers fire in due order as it passes them. */
class ManualClock implements LimiterClock {
  private t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }
  /** Moves time forward by `ms`, firing each timer due on the way, and lets promise callbacks run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Queues a call of the class and records, in `served`, when it got its token. */
function ask(limiter: RateLimiter, served: string[], label: string, priority: CallPriority, signal?: AbortSignal): Promise<void> {
  return limiter.take(priority, signal).then(
    () => void served.push(label),
    (error: unknown) => void served.push(`${label}:${error instanceof RateLimitAbandoned ? 'abandoned' : 'error'}`),
  );
}

describe('the per-account call budget', function () {
  it("serves a revoke's calls before apply calls that queued earlier, once the budget is saturated", async function () {
    const clock = new ManualClock();
    const limiter = new RateLimiter(10, { burst: 2, clock });
    const served: string[] = [];
    // The burst is spent at once; everything after waits for the bucket to refill.
    void ask(limiter, served, 'apply-0', 'apply');
    void ask(limiter, served, 'apply-1', 'apply');
    await flush();
    assert.deepEqual(served, ['apply-0', 'apply-1']);
    for (let i = 2; i < 12; i++) void ask(limiter, served, `apply-${i}`, 'apply');
    for (let i = 0; i < 3; i++) void ask(limiter, served, `reconcile-${i}`, 'reconcile');
    await clock.advance(100); // one token
    assert.deepEqual(served.slice(2), ['apply-2']);
    // A grant expires: its three calls join a queue of nine applies and three reads.
    for (let i = 0; i < 3; i++) void ask(limiter, served, `revoke-${i}`, 'revoke');
    await flush();
    assert.deepEqual(limiter.waiting(), { revoke: 3, apply: 9, reconcile: 3 });
    await clock.advance(300);
    assert.deepEqual(served.slice(3), ['revoke-0', 'revoke-1', 'revoke-2'], 'the revoke took the next three tokens');
    await clock.advance(1200);
    assert.deepEqual(
      served.slice(6),
      ['apply-3', 'apply-4', 'apply-5', 'apply-6', 'apply-7', 'apply-8', 'apply-9', 'apply-10', 'apply-11', 'reconcile-0', 'reconcile-1', 'reconcile-2'],
      'applies in the order they asked, then the reads',
    );
  });

  it('never hands out more tokens than the rate allows, whatever the mix of classes', async function () {
    const clock = new ManualClock();
    const limiter = new RateLimiter(10, { burst: 10, clock });
    const served: string[] = [];
    const classes: CallPriority[] = ['apply', 'revoke', 'reconcile'];
    for (let i = 0; i < 60; i++) void ask(limiter, served, `c${i}`, classes[i % 3]!);
    await flush();
    assert.equal(served.length, 10, 'the burst');
    await clock.advance(2000);
    assert.equal(served.length, 30, 'ten a second after the burst');
  });

  it('says how many calls could go at once: the tokens there are, less the calls already waiting', async function () {
    const clock = new ManualClock();
    const limiter = new RateLimiter(10, { burst: 5, clock });
    const served: string[] = [];
    assert.equal(limiter.spare(), 5, 'a full bucket');
    for (let i = 0; i < 8; i++) void ask(limiter, served, `apply-${i}`, 'apply');
    await flush();
    assert.equal(limiter.spare(), -3, 'the burst spent, three calls waiting');
    await clock.advance(1000);
    assert.equal(served.length, 8);
    assert.equal(limiter.spare(), 5, 'refilled, up to the burst');
  });

  it('sets aside what could go at once for work that must not queue, and never the same tokens twice', async function () {
    const clock = new ManualClock();
    const limiter = new RateLimiter(10, { burst: 10, clock });
    const first = limiter.reserve(5);
    assert.ok(first, 'ten spare: five set aside');
    const second = limiter.reserve(5);
    assert.ok(second, 'five more');
    assert.equal(limiter.reserve(5), undefined, 'nothing left to set aside');
    assert.equal(limiter.spare(), 0);
    first!();
    first!();
    assert.equal(limiter.spare(), 5, 'a release counts once');
    const served: string[] = [];
    for (let i = 0; i < 12; i++) void ask(limiter, served, `apply-${i}`, 'apply');
    await flush();
    assert.equal(served.length, 10, 'what is set aside holds no token back from calls already asking');
    assert.equal(limiter.reserve(1), undefined, 'calls are waiting: nothing is spare');
    second!();
  });

  it("takes an abandoned attempt's queued calls out of the queue without spending a token", async function () {
    const clock = new ManualClock();
    const limiter = new RateLimiter(10, { burst: 1, clock });
    const served: string[] = [];
    void ask(limiter, served, 'first', 'apply');
    const attempt = new AbortController();
    void ask(limiter, served, 'abandoned-0', 'apply', attempt.signal);
    void ask(limiter, served, 'abandoned-1', 'apply', attempt.signal);
    void ask(limiter, served, 'next', 'apply');
    await flush();
    attempt.abort();
    await flush();
    assert.deepEqual(served, ['first', 'abandoned-0:abandoned', 'abandoned-1:abandoned']);
    await clock.advance(100);
    assert.deepEqual(served.slice(3), ['next'], 'the call behind them got the very next token');
    await assert.rejects(limiter.take('apply', attempt.signal), RateLimitAbandoned, 'an attempt already abandoned sends nothing more');
  });

  it('halves its rate when IAM throttles, down to a floor, and climbs back to the setting with successes', async function () {
    const clock = new ManualClock();
    const limiter = new RateLimiter(10, { burst: 1, clock, floorFraction: 1 / 8, recoverFraction: 1 / 10 });
    assert.equal(limiter.currentRate(), 10);
    limiter.throttled();
    assert.equal(limiter.currentRate(), 5);
    for (let i = 0; i < 10; i++) limiter.throttled();
    assert.equal(limiter.currentRate(), 1.25, 'never below an eighth of the setting');
    for (let i = 0; i < 5; i++) limiter.succeeded();
    assert.equal(limiter.currentRate(), 6.25);
    for (let i = 0; i < 50; i++) limiter.succeeded();
    assert.equal(limiter.currentRate(), 10, 'never above the setting');
  });

  it('serves at the lowered rate after a throttling answer', async function () {
    const clock = new ManualClock();
    const limiter = new RateLimiter(10, { burst: 1, clock });
    const served: string[] = [];
    await limiter.take('apply');
    limiter.throttled(); // 5 a second now, and no token left over
    for (let i = 0; i < 10; i++) void ask(limiter, served, `a${i}`, 'apply');
    await clock.advance(1000);
    assert.equal(served.length, 5, 'five calls in the second after throttling, not ten');
  });

  it('serves only its share of the setting when it shares the account with other workers', async function () {
    const clock = new ManualClock();
    const limiter = new RateLimiter(10, { clock });
    limiter.setShare(2);
    const served: string[] = [];
    for (let i = 0; i < 40; i++) void ask(limiter, served, `a${i}`, 'apply');
    await flush();
    assert.equal(served.length, 5, 'the burst is the share: 5 of the 10 tokens');
    await clock.advance(2000);
    assert.equal(served.length, 15, 'then 5 a second, not 10');
    limiter.setShare(1);
    await clock.advance(1000);
    assert.equal(served.length, 25, 'the other worker left: 10 a second again');
    limiter.setShare(4);
    await clock.advance(2000);
    assert.equal(served.length, 30, 'four workers: 2.5 a second');
  });

  it('applies a throttling slow-down on top of the share, and climbs back only to the share', function () {
    const clock = new ManualClock();
    const limiter = new RateLimiter(12, { burst: 1, clock, floorFraction: 1 / 8, recoverFraction: 1 / 10 });
    limiter.throttled();
    assert.equal(limiter.currentRate(), 6);
    limiter.setShare(2);
    assert.equal(limiter.currentRate(), 3, 'half the share: the slow-down is kept');
    for (let i = 0; i < 10; i++) limiter.throttled();
    assert.equal(limiter.currentRate(), 0.75, 'the floor is an eighth of the share');
    for (let i = 0; i < 50; i++) limiter.succeeded();
    assert.equal(limiter.currentRate(), 6, 'never above the share');
    limiter.setShare(1);
    assert.equal(limiter.currentRate(), 12);
    limiter.setShare(0);
    assert.equal(limiter.currentRate(), 12, 'a share below one worker is one worker');
  });

  it('tells throttling answers from other errors', function () {
    const cases: [unknown, boolean][] = [
      [{ name: 'Throttling' }, true],
      [{ name: 'ThrottlingException' }, true],
      [{ name: 'RequestLimitExceeded' }, true],
      [{ name: 'Whatever', $metadata: { httpStatusCode: 429 } }, true],
      [{ name: 'LimitExceededException', $metadata: { httpStatusCode: 409 } }, false],
      [{ name: 'ServiceFailure', $metadata: { httpStatusCode: 500 } }, false],
      [undefined, false],
    ];
    for (const [error, expected] of cases) assert.equal(isThrottling(error), expected, JSON.stringify(error));
  });

  it('carries the class of the work through the async calls it makes', async function () {
    assert.equal(currentCallClass().priority, 'reconcile', "outside any grant work: a pass's class");
    const seen = await withCallClass({ priority: 'revoke' }, async () => {
      await flush();
      return currentCallClass().priority;
    });
    assert.equal(seen, 'revoke');
  });
});

describe('per-account rate limit', function () {
  it('lets a burst through, then spaces calls at the configured rate', async () => {
    const limiter = new RateLimiter(20, 5);
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 15 }, async () => {
        await limiter.take();
        times.push(Date.now() - started);
      }),
    );
    times.sort((a, b) => a - b);
    // 10 calls beyond the burst of 5 at 20/s cannot finish in under ~500 ms; a loaded machine only makes it longer.
    assert.ok(times[14]! >= 450, `the calls after the burst are spaced: the last came at ${times[14]} ms`);
    assert.ok(times[14]! - times[5]! >= 400, `spacing after the burst: ${times.join(', ')}`);
  });
});
