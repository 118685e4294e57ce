// The per-account IAM call rate holds for the deployment, not per worker: two workers on one task
// queue (real Temporal dev server, moto behind the counting proxy) find each other through
// Temporal's poller list and together send no more than the setting into the account. What is
// asserted is a count of calls per window at the proxy, not how long anything took.
import assert from 'node:assert/strict';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { AccountClients } from '../../src/aws/accounts';
import { IAM_OPERATIONS } from '../../src/aws/operations';
import { grantStatus } from '../../src/temporal/grant-operations';
import { submitTeam } from '../../src/temporal/reconcile-operations';
import { createWorker } from '../../src/worker';
import { eventually, startStack, type Stack } from '../harness/stack';
import { ACCOUNTS, grantsOf, policy, READ_ONLY, revisionSequence, team } from '../harness/team';

const RATE = 4;
const WINDOW_MS = 5000;
/**
 * What the window may exceed the setting by: each worker's bucket starts full (a burst of its
 * share, rounded up), and a 10% margin for calls the proxy timestamps a little out of the limiter's
 * order (requests of one account arriving over several sockets).
 */
const BURSTS = 2 * Math.ceil(RATE / 2);
const MOST_PER_WINDOW = (RATE * WINDOW_MS) / 1000 + BURSTS + Math.ceil(0.1 * ((RATE * WINDOW_MS) / 1000));
/** Enough grants (about three IAM calls each, their reads shared) to keep the account's budget saturated for about 25 s. */
const USERS = Array.from({ length: 30 }, (_, i) => `share${i}`);

interface RunningWorker {
  accounts: AccountClients;
  calls: number;
  stop(): Promise<void>;
}

async function startWorker(stack: Stack, identity: string): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: stack.server.address });
  const handle: { calls: number } = { calls: 0 };
  const created: { worker: Worker; accounts: AccountClients } = await createWorker({
    connection,
    client: stack.client,
    namespace: stack.server.namespace,
    taskQueue: stack.taskQueue,
    iamCallsPerSecond: RATE,
    // The stack's key signs the submission; a worker trusts it as a deployed one trusts CI's.
    authority: stack.authority(),
    // Both workers live in this process, where the default identity (pid@host) would be the same.
    identity,
    keepReconciles: false,
    observer: (call) => {
      if (call.service === 'iam' && call.account === ACCOUNTS.nonprod) handle.calls++;
    },
  });
  const running = created.worker.run();
  return {
    accounts: created.accounts,
    get calls() {
      return handle.calls;
    },
    async stop() {
      if (created.worker.getState() === 'RUNNING') created.worker.shutdown();
      await running.catch(() => undefined);
      created.accounts.destroy();
      await connection.close();
    },
  };
}

/** The most of `times` (sorted) that fall in any window of `windowMs`. */
function mostInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('the IAM call rate across workers (dev server + moto)', function () {
  this.timeout(300_000);
  let stack: Stack;
  const workers: RunningWorker[] = [];

  before(async () => {
    stack = await startStack({ worker: false });
  });
  after(async () => {
    for (const worker of workers) await worker.stop();
    await stack?.stop();
  });

  it('keeps two workers on one task queue, together, within the per-account setting', async function () {
    workers.push(await startWorker(stack, 'share-worker-a'));
    workers.push(await startWorker(stack, 'share-worker-b'));
    // The warm-up: the first worker learns of the second at its next count (one refresh period).
    // Nothing is submitted before both have, so every window below counts.
    await eventually('each worker counts both', async () => (workers.every((w) => w.accounts.currentShare() === 2) ? true : undefined), 30_000);

    await stack.moto.createUsers(ACCOUNTS.nonprod, USERS);
    const config = team({
      name: 'share-team',
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ users: USERS, environments: ['nonprod'], grants: ['reader'] }],
    });
    const grants = grantsOf(config);
    stack.proxy.record([...IAM_OPERATIONS]);
    const revision = revisionSequence('share', '2026-03-01T00:00:00Z');
    await submitTeam(stack.client, { config, revision: revision(), taskQueue: stack.taskQueue, sign: stack.signer });
    await eventually(
      'every grant active',
      async () => ((await Promise.all(grants.map((g) => grantStatus(stack.client, g.id)))).every((s) => s.state === 'active') ? true : undefined),
      240_000,
      1000,
    );

    const times = stack.proxy
      .events()
      .map((e) => e.sentAt)
      .sort((a, b) => a - b);
    const [a, b] = workers.map((w) => w.calls);
    // Both workers did a good part of the work, so each one's budget was spent: a worker that kept
    // the whole setting for itself would show in the windows below.
    assert.ok(times.length >= 80, `the grants made ${times.length} IAM calls, enough to saturate the budget for about 20 s`);
    assert.ok(a! >= times.length / 5 && b! >= times.length / 5, `each worker made a fifth of the calls at least (${a} and ${b} of ${times.length})`);
    const most = mostInWindow(times, WINDOW_MS);
    assert.ok(
      most <= MOST_PER_WINDOW,
      `at most ${MOST_PER_WINDOW} calls in any ${WINDOW_MS / 1000} s at ${RATE}/s for the account (bursts included), the proxy saw ${most}`,
    );
  });
});
