// Following an Identity Center request to its end: IN_PROGRESS is never taken for done.
import assert from 'node:assert/strict';
import { type GrantflowAwsError } from '../../../src/aws/errors';
import { followStatus } from '../../../src/aws/request-status';

describe('following a request in progress', function () {
  this.timeout(20_000);

  it('reads the status until it says SUCCEEDED', async () => {
    const answers = ['IN_PROGRESS', 'IN_PROGRESS', 'SUCCEEDED'];
    const read: string[] = [];
    const done = await followStatus(
      { Status: 'IN_PROGRESS', RequestId: 'r-1' },
      async (id) => {
        read.push(id);
        return { Status: answers.shift()!, RequestId: id };
      },
      { what: 'the test request' },
    );
    assert.equal(done.Status, 'SUCCEEDED');
    assert.deepEqual(read, ['r-1', 'r-1', 'r-1']);
  });

  it('answers FAILED with its reason for the caller to judge', async () => {
    const done = await followStatus({ Status: 'IN_PROGRESS', RequestId: 'r-2' }, async () => ({ Status: 'FAILED', FailureReason: 'no such principal' }), {
      what: 'the test request',
    });
    assert.deepEqual([done.Status, done.FailureReason], ['FAILED', 'no such principal']);
  });

  it('needs no read when the first answer is final', async () => {
    const done = await followStatus({ Status: 'SUCCEEDED', RequestId: 'r-3' }, () => assert.fail('no read'), { what: 'the test request' });
    assert.equal(done.Status, 'SUCCEEDED');
  });

  it('gives up for now, retryably, when the request is still in progress after the time it may take', async () => {
    let now = 0;
    await assert.rejects(
      followStatus({ Status: 'IN_PROGRESS', RequestId: 'r-4' }, async () => ((now += 60_000), { Status: 'IN_PROGRESS' }), {
        what: 'the test request',
        followMs: 120_000,
        now: () => now,
      }),
      (error: GrantflowAwsError) => error.retryable && /the test request is still IN_PROGRESS after 2 minutes \(request r-4\)/.test(error.message),
    );
  });
});
