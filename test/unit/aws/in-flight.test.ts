// The limit on Identity Center requests in flight: never more than the limit at once, first come
// first served, a lower share lets those in flight finish, an abandoned wait leaves the queue.
import assert from 'node:assert/strict';
import { InFlightLimit } from '../../../src/aws/in-flight';
import { RateLimitAbandoned } from '../../../src/aws/rate-limit';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('in-flight limit', function () {
  it('runs at most `limit` at once, in the order they asked', async () => {
    const limit = new InFlightLimit(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    let most = 0;
    const runs = gates.map((g, i) =>
      limit.run(async () => {
        started.push(i);
        most = Math.max(most, limit.inFlight());
        await g.opened;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1]);
    gates[1]!.open();
    await runs[1];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2]);
    for (const g of gates) g.open();
    await Promise.all(runs);
    assert.deepEqual(started, [0, 1, 2, 3]);
    assert.equal(most, 2);
    assert.equal(limit.inFlight(), 0);
  });

  it('holds to a lower share at once for new requests, letting those in flight finish', async () => {
    const limit = new InFlightLimit(3);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      limit.run(async () => {
        started.push(i);
        await g.opened;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2]);
    limit.setLimit(1);
    gates[0]!.open();
    gates[1]!.open();
    await Promise.all([runs[0], runs[1]]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2], 'two still in flight of a limit now 1: the next waits');
    gates[2]!.open();
    await runs[2];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2, 3]);
    gates[3]!.open();
    await runs[3];
  });

  it('takes an abandoned wait out of the queue without running it', async () => {
    const limit = new InFlightLimit(1);
    const first = gate();
    const running = limit.run(() => first.opened);
    const abort = new AbortController();
    let ran = false;
    const waiting = limit.run(async () => {
      ran = true;
    }, abort.signal);
    abort.abort();
    await assert.rejects(waiting, RateLimitAbandoned);
    first.open();
    await running;
    assert.equal(ran, false);
    assert.equal(limit.inFlight(), 0);
  });
});
