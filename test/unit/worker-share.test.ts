// How many workers divide one account's IAM call budget, from the pollers Temporal reports.
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { google } from '@temporalio/proto';
import { POLLER_LIVE_MS, workerShare, type PollerSighting } from '../../src/core/worker-share';
import { refreshShare } from '../../src/temporal/worker-share';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ME = '101@host-a';

describe("a worker's share of the call budget", function () {
  const cases: { what: string; pollers: PollerSighting[]; expected: number }[] = [
    { what: 'Temporal has not seen anyone poll yet: this worker alone', pollers: [], expected: 1 },
    { what: 'only this worker', pollers: [{ identity: ME, lastAccessMs: NOW - 1000 }], expected: 1 },
    {
      what: 'this worker and another, each seen on both the workflow and the activity queue',
      pollers: [
        { identity: ME, lastAccessMs: NOW - 1000 },
        { identity: '202@host-b', lastAccessMs: NOW - 2000 },
        { identity: ME, lastAccessMs: NOW - 30_000 },
        { identity: '202@host-b', lastAccessMs: NOW - 500 },
      ],
      expected: 2,
    },
    { what: 'another worker, before Temporal has seen this one poll', pollers: [{ identity: '202@host-b', lastAccessMs: NOW - 10 }], expected: 2 },
    {
      what: 'three others, one idle in a minute-long poll',
      pollers: [
        { identity: '202@host-b', lastAccessMs: NOW - 100 },
        { identity: '303@host-c', lastAccessMs: NOW - 60_000 },
        { identity: '404@host-d', lastAccessMs: NOW - 5000 },
      ],
      expected: 4,
    },
    { what: 'a worker last seen exactly at the bound still counts', pollers: [{ identity: '202@host-b', lastAccessMs: NOW - POLLER_LIVE_MS }], expected: 2 },
    { what: 'a worker last seen beyond the bound has stopped', pollers: [{ identity: '202@host-b', lastAccessMs: NOW - POLLER_LIVE_MS - 1 }], expected: 1 },
    {
      what: 'a stopped worker seen on one queue type and recently on the other counts',
      pollers: [
        { identity: '202@host-b', lastAccessMs: NOW - 4 * 60_000 },
        { identity: '202@host-b', lastAccessMs: NOW - 1000 },
      ],
      expected: 2,
    },
    { what: 'a sighting without a time counts (the safe side)', pollers: [{ identity: '202@host-b' }], expected: 2 },
    { what: "a sighting ahead of this worker's clock counts", pollers: [{ identity: '202@host-b', lastAccessMs: NOW + 20_000 }], expected: 2 },
  ];
  for (const { what, pollers, expected } of cases) {
    it(`${what}: ${expected}`, function () {
      assert.equal(workerShare(pollers, NOW, ME), expected);
    });
  }

  describe('counted from Temporal (a stubbed client)', function () {
    const at = (ms: number) => google.protobuf.Timestamp.fromObject({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
    function stubClient(describe: (request: { taskQueueType?: number }) => Promise<unknown>): Client {
      return { workflowService: { describeTaskQueue: describe } } as unknown as Client;
    }

    it('counts the workers polling either queue type, by identity', async function () {
      const asked: number[] = [];
      const client = stubClient(async (request) => {
        asked.push(request.taskQueueType ?? 0);
        return request.taskQueueType === 1
          ? { pollers: [{ identity: ME, lastAccessTime: at(NOW - 1000) }] }
          : { pollers: [{ identity: '202@host-b', lastAccessTime: at(NOW - 2000) }] };
      });
      const applied: number[] = [];
      await refreshShare({ client, namespace: 'default', taskQueue: 'q', identity: ME, apply: (n) => applied.push(n) }, () => NOW);
      assert.deepEqual(asked.sort(), [1, 2], 'the workflow and the activity pollers');
      assert.deepEqual(applied, [2]);
    });

    it('keeps the last share when Temporal does not answer', async function () {
      const client = stubClient(async () => {
        throw new Error('unavailable');
      });
      const applied: number[] = [];
      await refreshShare({ client, namespace: 'default', taskQueue: 'q', identity: ME, apply: (n) => applied.push(n) }, () => NOW);
      assert.deepEqual(applied, [], 'no new share, so the limiters keep theirs');
    });
  });
});
