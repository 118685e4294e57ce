// The setup the workflow tests share: called in a describe block, it starts the stack before the
// block's tests and stops it after them, makes the block's IAM users in nonprod and, unless told
// otherwise, resets between tests (injected faults cleared, every running workflow terminated, IAM
// reset, the users made again). It hands back the stack and the small helpers each file would
// otherwise define: submit with the stack's signer, wait for a grant's state or for a workflow to
// close, read users or the whole account, and name a new team.
//
// Mocha runs a block's hooks in the order they were registered: a hook the file registers before
// calling workflowSuite runs before the stack starts (or, for `after`, before it stops), one it
// registers after runs once the stack is up (and after it has stopped).
import type { Client } from '@temporalio/client';
import type { TeamConfig } from '../../src/core/team-config';
import type { Revision } from '../../src/core/revision';
import { grantStatus } from '../../src/temporal/grant-operations';
import { submitTeam } from '../../src/temporal/reconcile-operations';
import type { GrantStatus } from '../../workflows/messages';
import { snapshotAccount, snapshotUsers, type AccountSnapshot, type PrincipalSnapshot } from './iam-snapshot';
import { eventually, startStack, type Stack } from './stack';
import { ACCOUNTS } from './team';

export interface WorkflowSuiteOptions {
  /** The file's revision sequence (revisionSequence): a submission takes the next one unless given its own. */
  revision: () => Revision;
  /** nextTeam() hands out `<teamPrefix>-1`, `<teamPrefix>-2`, … */
  teamPrefix?: string;
  /** startStack's options: `{ worker: false }` when the file starts the worker itself, in a before hook of its own. */
  stack?: Parameters<typeof startStack>[0];
  /** Copies the stack's environment into this process, so the command line run in it reaches the stack. */
  cliEnv?: boolean;
  /** The IAM users the tests need in nonprod. */
  users: string[];
  /**
   * 'each' (the default): before each test, clear injected faults, terminate every running workflow,
   * reset IAM and make the users again. 'once': make the users once, when the stack starts, and
   * reset nothing.
   */
  reset?: 'each' | 'once';
}

export interface WorkflowSuite {
  /** The running stack: use it in hooks and tests (it throws if read before the stack started). */
  stack: Stack;
  /** Submits the team with the stack's signing key, as CI would, at the next revision unless given one. */
  submit(config: TeamConfig, revision?: Revision): ReturnType<typeof submitTeam>;
  /** Waits until the grant workflow `id` reports `state` (its status query). */
  waitState(id: string, state: GrantStatus['state'], timeoutMs?: number): Promise<true>;
  /** Waits until the workflow `id` is no longer running. */
  waitClosed(id: string, timeoutMs?: number): Promise<true>;
  /** The named users of nonprod, read directly from IAM. */
  users(...names: string[]): Promise<Record<string, PrincipalSnapshot>>;
  /** Everything IAM holds in nonprod: users, roles, policies. */
  account(): Promise<AccountSnapshot>;
  /** A team name no other test of the block has used. */
  nextTeam(): string;
}

export function workflowSuite(options: WorkflowSuiteOptions): WorkflowSuite {
  let started: Stack | undefined;
  let teams = 0;
  const running = (): Stack => {
    if (!started) throw new Error('the workflow suite has no stack yet: use it in a hook or a test');
    return started;
  };
  // Every property read goes to the stack the before hook started.
  const stack = new Proxy({} as Stack, { get: (_target, property) => Reflect.get(running(), property) as unknown });
  const client = (): Client => running().client;

  before(async () => {
    started = await startStack(options.stack);
    if (options.cliEnv) Object.assign(process.env, started.env);
    if (options.reset === 'once') await started.moto.createUsers(ACCOUNTS.nonprod, options.users);
  });
  after(async () => {
    await started?.stop();
  });
  if (options.reset !== 'once') {
    beforeEach(async () => {
      const current = running();
      current.proxy.setFaults(undefined);
      await current.terminateAll();
      await current.resetIam();
      await current.moto.createUsers(ACCOUNTS.nonprod, options.users);
    });
  }

  return {
    stack,
    submit: (config, revision = options.revision()) => submitTeam(client(), { config, revision, taskQueue: running().taskQueue, sign: running().signer }),
    waitState: (id, state, timeoutMs = 30_000) =>
      eventually(`${id} ${state}`, async () => ((await grantStatus(client(), id)).state === state ? true : undefined), timeoutMs),
    waitClosed: (id, timeoutMs = 30_000) =>
      eventually(`${id} closed`, async () => ((await client().workflow.getHandle(id).describe()).status.name !== 'RUNNING' ? true : undefined), timeoutMs),
    users: (...names) => snapshotUsers(running().moto, ACCOUNTS.nonprod, names),
    account: () => snapshotAccount(running().moto, ACCOUNTS.nonprod),
    nextTeam: () => `${options.teamPrefix ?? 'team'}-${++teams}`,
  };
}
