// A worker's share of the call budget, counted from the pollers a (stubbed) Temporal client reports
// for both task queue types. The count itself is in test/unit/core/worker-share.test.ts.
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { google } from '@temporalio/proto';
import { refreshShare } from '../../../src/temporal/worker-share';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ME = '101@host-a';

describe("a worker's share of the call budget", function () {
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

    it("counts the same whatever this worker's clock says: 3 hours ahead of the server", async function () {
      const client = stubClient(async (request) =>
        request.taskQueueType === 1
          ? { pollers: [{ identity: ME, lastAccessTime: at(NOW - 1000) }] }
          : { pollers: [{ identity: '202@host-b', lastAccessTime: at(NOW - 30_000) }] },
      );
      const applied: number[] = [];
      await refreshShare({ client, namespace: 'default', taskQueue: 'q', identity: ME, apply: (n) => applied.push(n) }, () => NOW + 3 * 3_600_000);
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
