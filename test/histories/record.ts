// Records the full lifecycle histories that test/replay.test.ts replays on every `npm test`, so a
// change that breaks determinism for workflows already running fails CI.
// Run: npm run build && node lib/test/histories/record.js   (writes test/histories/*.json)
//      node lib/test/histories/record.js requests             (the break-glass requests' histories only)
// Once a release exists, its histories stay beside the new ones as v<N>-*.json and keep replaying
// (docs/VERSIONING.md).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { reconcileWorkflowId } from '../../src/core/ids';
import type { Revision } from '../../src/core/revision';
import { grantStartOptions } from '../../src/temporal/grant-start';
import { revokeGrantNow } from '../../src/temporal/grant-operations';
import { restoreGrant, submitTeam, sweepTeam } from '../../src/temporal/reconcile-operations';
import { reapplySignal, revokeSignal, statusQuery } from '../../workflows/messages';
import { denyRequest, waitForRequest } from '../../src/temporal/requests';
import { approveAs, ask, breakGlassTeam, type BreakGlassBed } from '../harness/break-glass';
import { stopAll } from '../../src/local/processes';
import { eventually, startStack, type Stack } from '../harness/stack';
import { temporalCli } from '../../src/local/tools';
import { ACCOUNTS, grantsOf, inHours, policy, READ_ONLY, team } from '../harness/team';

const OUT = path.resolve(__dirname, '../../../test/histories');

function seconds(n: number): string {
  return new Date(Date.now() + n * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The history as `temporal workflow show --output json` writes it, the format the replayer reads. */
async function save(stack: Stack, workflowId: string, file: string): Promise<void> {
  const temporal = await temporalCli();
  const json = execFileSync(temporal!, ['workflow', 'show', '--address', stack.server.address, '--workflow-id', workflowId, '--output', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const events = (JSON.parse(json) as { events: unknown[] }).events.length;
  fs.writeFileSync(path.join(OUT, file), json.endsWith('\n') ? json : `${json}\n`);
  process.stderr.write(`recorded ${file} (${events} events)\n`);
}

async function waitState(stack: Stack, id: string, state: string): Promise<void> {
  await eventually(`${id} ${state}`, async () => ((await stack.client.workflow.getHandle(id).query(statusQuery)).state === state ? true : undefined), 60_000);
}

async function waitClosed(stack: Stack, id: string): Promise<void> {
  await eventually(`${id} closed`, async () => ((await stack.client.workflow.getHandle(id).describe()).status.name !== 'RUNNING' ? true : undefined), 60_000);
}

async function waitRefusal(stack: Stack, id: string): Promise<void> {
  await eventually(`${id} refusal`, async () => ((await stack.client.workflow.getHandle(id).query(statusQuery)).refusals?.length ? true : undefined), 60_000);
}

/** Break-glass requests: one lapses, one is denied, one is refused once, approved, granted and its grant expires. */
async function recordRequests(stack: Stack, revision: (n: number) => Revision): Promise<void> {
  const bed = {
    client: () => stack.client,
    taskQueue: () => stack.taskQueue,
    now: async () => new Date(),
    times: { openForMs: 4000, durationMs: 8000, maxDurationMs: 3_600_000 },
  } as BreakGlassBed;
  // ratify_within shorter than the grant: the request stops looking for its entry, then waits for the grant to end.
  const config = breakGlassTeam('h9', bed, { ratifyWithinMs: 3000 });
  await submitTeam(stack.client, { config, revision: revision(10), taskQueue: stack.taskQueue, sign: stack.signer });

  const lapsing = await ask(bed, { team: 'h9' });
  await waitClosed(stack, lapsing.id);
  await save(stack, lapsing.id, 'request-lapsed.json');

  const denied = await ask(bed, { team: 'h9' });
  await denyRequest(stack.client, denied.id, { by: 'carol', reason: 'recording' });
  await waitClosed(stack, denied.id);
  await save(stack, denied.id, 'request-denied.json');

  const granted = await ask(bed, { team: 'h9' });
  await approveAs(bed, 'mallory', granted);
  await approveAs(bed, 'carol', granted);
  const status = (await waitForRequest(stack.client, granted.id, (s) => s.state === 'granted', { timeoutMs: 60_000 }))!;
  await waitClosed(stack, status.grantId!);
  await waitClosed(stack, granted.id);
  await save(stack, granted.id, 'request-granted-expires.json');
  await save(stack, status.grantId!, 'grant-break-glass-expires.json');
}

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const stack = await startStack();
  try {
    await stack.moto.createUsers(ACCOUNTS.nonprod, ['alice', 'bob']);
    const revision = (n: number): Revision => ({
      commit: `rev${n}`,
      committedAt: new Date(Date.parse('2026-01-01T00:00:00Z') + n * 60_000).toISOString(),
      submittedAt: new Date().toISOString(),
      submittedBy: 'recorder',
    });
    if (process.argv[2] === 'requests') return await recordRequests(stack, revision);
    const policies = { reader: policy([READ_ONLY], ['s3:ListBucket']) };
    // Each grant is started by its team's submission, as in production: a grant derives its spec from a verified config.
    const start = async (config: ReturnType<typeof team>) => {
      await submitTeam(stack.client, { config, revision: revision(0), taskQueue: stack.taskQueue, sign: stack.signer });
      return grantsOf(config)[0]!;
    };

    // 1. temporary: active, re-applied once, expires, revoked
    const expiring = await start(team({ name: 'h1', policies, temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: seconds(6) }] }));
    await waitState(stack, expiring.id, 'active');
    await stack.client.workflow.getHandle(expiring.id).signal(reapplySignal);
    await waitClosed(stack, expiring.id);
    await save(stack, expiring.id, 'grant-temporary-expires.json');

    // 2. permanent: active, re-applied, revoked by update
    const permanent = await start(team({ name: 'h2', policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }] }));
    await waitState(stack, permanent.id, 'active');
    await stack.client.workflow.getHandle(permanent.id).signal(reapplySignal);
    await revokeGrantNow(stack.client, permanent.id, { reason: 'recording', by: 'recorder' });
    await save(stack, permanent.id, 'grant-permanent-revoked-by-update.json');

    // 3. temporary, cancelled in "the UI"
    const cancelled = await start(team({ name: 'h3', policies, temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(5) }] }));
    await waitState(stack, cancelled.id, 'active');
    await stack.client.workflow.getHandle(cancelled.id).cancel();
    await waitClosed(stack, cancelled.id);
    await save(stack, cancelled.id, 'grant-cancelled.json');

    // 4. a user that does not exist: failed
    const failed = await start(team({ name: 'h4', policies, permanent: [{ users: ['nobody'], environments: ['nonprod'], grants: ['reader'] }], settings: { iamPropagationWaitMs: 3000 } }));
    await waitClosed(stack, failed.id);
    await save(stack, failed.id, 'grant-failed-missing-user.json');

    // 5. start_date in the future, then revoked by signal
    const later = await start(
      team({ name: 'h5', policies, temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', startsAt: seconds(3), expiresAt: inHours(5) }] }),
    );
    await waitState(stack, later.id, 'active');
    await stack.client.workflow.getHandle(later.id).signal(revokeSignal, { reason: 'recording', by: 'recorder' });
    await waitClosed(stack, later.id);
    await save(stack, later.id, 'grant-start-date-then-signal.json');

    // 6. cancelled while its first apply is still retrying (the user does not exist yet): an early revoke
    const applying = await start(team({ name: 'h7', policies, permanent: [{ users: ['late'], environments: ['nonprod'], grants: ['reader'] }] }));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await stack.client.workflow.getHandle(applying.id).cancel();
    await waitClosed(stack, applying.id);
    await save(stack, applying.id, 'grant-cancelled-while-applying.json');

    // 7. reconcile: submit, re-submit, expiry change, early revoke, restore, sweep, interval pass
    const base = (expiresAt: string) =>
      team({
        name: 'h6',
        policies,
        permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
        temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt }],
        settings: { reconcileIntervalMs: 10_000 },
      });
    const first = base(inHours(5));
    const submit = (config: ReturnType<typeof team>, n: number) => submitTeam(stack.client, { config, revision: revision(n), taskQueue: stack.taskQueue, sign: stack.signer });
    await submit(first, 1);
    const [permanentGrant] = grantsOf(first).filter((g) => g.kind === 'permanent');
    await waitState(stack, permanentGrant!.id, 'active');
    await submit(first, 2);
    const second = base(inHours(6));
    await submit(second, 3);
    const temporaryGrant = grantsOf(second).find((g) => g.kind === 'temporary')!;
    await revokeGrantNow(stack.client, temporaryGrant.id, { reason: 'recording', by: 'recorder' });
    await submit(second, 4);
    await restoreGrant(stack.client, 'h6', temporaryGrant.id, 'recorder');
    await waitState(stack, temporaryGrant.id, 'active');
    await sweepTeam(stack.client, 'h6', false, 'recorder');
    await new Promise((resolve) => setTimeout(resolve, 16_000)); // one interval pass (at its phase: within 1.5 intervals)
    await save(stack, reconcileWorkflowId('h6'), 'reconcile-lifecycle.json');

    // 8. a grant workflow started by hand for a team no verified config holds: refused, nothing applied
    const ghost = grantsOf(team({ name: 'ghost', policies, permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }] }))[0]!;
    await stack.client.workflow.start('grantWorkflow', grantStartOptions(ghost, { taskQueue: stack.taskQueue }));
    await waitClosed(stack, ghost.id);
    await save(stack, ghost.id, 'grant-refused-started-by-hand.json');

    // 9. a forged reapply carrying a spec: refused and recorded; the grant goes on, then is revoked
    await stack.client.workflow.getHandle(permanentGrant!.id).signal(reapplySignal, { spec: ghost } as never);
    await waitRefusal(stack, permanentGrant!.id);
    await revokeGrantNow(stack.client, permanentGrant!.id, { reason: 'recording', by: 'recorder' });
    await save(stack, permanentGrant!.id, 'grant-forged-reapply-refused.json');
    for await (const held of stack.client.workflow.list({ query: `WorkflowType = 'submissionWorkflow' AND GrantTeam = 'h6' AND ExecutionStatus = 'Running'` })) {
      await save(stack, held.workflowId, 'submission-adopted.json');
      break;
    }
    await recordRequests(stack, revision);
  } finally {
    await stack.stop();
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\ncause: ${(error as { cause?: Error }).cause?.message ?? "-"}\n`);
    process.exit(1);
  },
);
