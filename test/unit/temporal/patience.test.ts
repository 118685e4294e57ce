// Which refusals the command line waits out (a worker away, a server busy) and which it reports at once.
import assert from 'node:assert/strict';
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { askPatiently, whyAskAgain } from '../../../src/temporal/patience';

const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });

describe('patience: what the command line asks again', function () {
  const cases: [string, unknown, RegExp | undefined][] = [
    [
      'a query no worker took within the server’s query timeout',
      new ServiceError('Failed to query Workflow', { cause: grpc(4, 'query timed out before a worker could process it') }),
      /no worker answered in time/,
    ],
    [
      'a query to a task queue with no poller',
      new ServiceError('Failed to query Workflow', { cause: grpc(9, 'No poller seen for task queue recently, worker may be down') }),
      /no worker is polling/,
    ],
    ['another failed precondition', new ServiceError('Failed', { cause: grpc(9, 'workflow is closed') }), undefined],
    ['a server restarting', new ServiceError('Failed to start Workflow', { cause: grpc(14, 'connection refused') }), /server is unavailable/],
    ['a server shedding load', new ServiceError('Failed', { cause: grpc(8, 'namespace rate limit exceeded') }), /server is busy/],
    [
      'an update that raced a failed workflow task',
      new ServiceError('Update failed', { cause: grpc(9, 'unexpected workflow task failure') }),
      /workflow task failed/,
    ],
    [
      'an update whose RPC timed out on the server',
      new WorkflowUpdateRPCTimeoutOrCancelledError('timeout', { cause: grpc(4, 'deadline') }),
      /no worker took the request/,
    ],
    [
      'the caller’s own deadline (the call was cancelled)',
      new WorkflowUpdateRPCTimeoutOrCancelledError('cancelled', { cause: grpc(1, 'cancelled') }),
      undefined,
    ],
    ['a refusal by the workflow', new WorkflowUpdateFailedError('Workflow Update failed', new Error('refused, nothing changed')), undefined],
    ['a workflow that does not exist', new WorkflowNotFoundError('not found', 'id', undefined), undefined],
    ['a plain error', new Error('boom'), undefined],
  ];
  for (const [name, error, why] of cases) {
    it(`${why ? 'asks again after' : 'reports at once'} ${name}`, () => {
      const got = whyAskAgain(error);
      if (why) assert.match(got ?? '', why);
      else assert.equal(got, undefined);
    });
  }

  it('sends again until answered, and says once what it waits for', async () => {
    let calls = 0;
    const lines: string[] = [];
    const answer = await askPatiently(
      async () => {
        calls++;
        if (calls < 3) throw new ServiceError('Failed to query Workflow', { cause: grpc(4, 'query timed out') });
        return 'staged';
      },
      { waitingFor: 'a worker on task queue q', onWait: (line) => lines.push(line) },
    );
    assert.equal(answer, 'staged');
    assert.equal(calls, 3);
    assert.deepEqual(lines, ['waiting for a worker on task queue q to answer (no worker answered in time); asking again until --timeout']);
  });

  it('throws a refusal at once, without sending again', async () => {
    let calls = 0;
    await assert.rejects(
      askPatiently(
        async () => {
          calls++;
          throw new WorkflowUpdateFailedError('Workflow Update failed', new Error('refused'));
        },
        { waitingFor: 'x' },
      ),
      WorkflowUpdateFailedError,
    );
    assert.equal(calls, 1);
  });
});
