// The reconcile pass's helpers that hold no Temporal or IAM client: the wait for grant workflows
// (round after round until each settles, bounded), the concurrency pool, the capped report.
import assert from 'node:assert/strict';
import { eachLimited } from '../../../src/reconcile/concurrency';
import { Capped, Report } from '../../../src/reconcile/report';
import { waitForEach } from '../../../src/reconcile/waiting';

describe('reconcile pass helpers', () => {
  it('waits round after round until each settles, in the order they did, and reads nothing settled again', async () => {
    const reads: string[] = [];
    const rounds = new Map<string, number>([
      ['a', 2],
      ['b', 0],
      ['c', 1],
    ]);
    const { settled, open } = await waitForEach(['a', 'b', 'c'], {
      withinMs: 5_000,
      everyMs: 1,
      read: async (id) => {
        reads.push(id);
        const left = rounds.get(id)!;
        rounds.set(id, left - 1);
        return left === 0 ? `${id} done` : undefined;
      },
      onRead: () => {},
    });
    assert.deepEqual(
      [...settled],
      [
        ['b', 'b done'],
        ['c', 'c done'],
        ['a', 'a done'],
      ],
    );
    assert.deepEqual(open, []);
    assert.deepEqual(reads, ['a', 'b', 'c', 'a', 'c', 'a']);
  });

  it('gives up at the deadline, mid-round, and returns what is still open in the order given', async () => {
    const heard: number[] = [];
    const { settled, open } = await waitForEach(['x', 'y', 'z'], {
      withinMs: 30,
      everyMs: 5,
      read: async (id) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return id === 'x' ? 'closed' : undefined;
      },
      onRead: (count) => heard.push(count),
    });
    assert.deepEqual([...settled.keys()], ['x']);
    assert.deepEqual(open, ['y', 'z']);
    assert.equal(heard[0], 2);
    assert.ok(heard.length < 4, `read ${heard.length} times past a deadline of 30 ms`);
  });

  it('runs at most `limit` at once, every item once, and beats after each', async () => {
    let running = 0;
    let most = 0;
    let beats = 0;
    const done: number[] = [];
    await eachLimited(
      [1, 2, 3, 4, 5, 6, 7],
      3,
      async (n) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        done.push(n);
        running--;
      },
      () => beats++,
    );
    assert.equal(most, 3);
    assert.deepEqual([...done].sort(), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(beats, 7);
  });

  it('caps what it lists and counts everything; a summary says when a list was cut', () => {
    const capped = new Capped<number>(2);
    capped.push(1, 2, 3);
    assert.deepEqual(capped.items, [1, 2]);
    assert.equal(capped.count, 3);
    assert.ok(capped.truncated);
    const report = new Report();
    report.added.push('g1');
    report.error('e1');
    const summary = report.summary('t', undefined);
    assert.deepEqual(summary.counts, { added: 1, kept: 0, replaced: 0, revoked: 0, sticky: 0, skippedExpired: 0, recorded: 0, cleaned: 0, errors: 1 });
    assert.deepEqual(summary.errors, ['e1']);
    assert.equal(summary.truncated, false);
  });
});
