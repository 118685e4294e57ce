// The fault suite: grantflow's promises under failure. After each fault, IAM equals the desired
// state: no leaked grant, no lost revocation, no duplicate attachment, and every mark matches; and
// IAM Identity Center holds exactly the assignments the YAML needs, one each.
// GRANTFLOW_PROOF_SCALE=large runs bigger variants. Each test prints its random seed.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { TeamConfig } from '../../src/core/team-config';
import { startProcess, type Managed } from '../../src/local/processes';
import { countTeamGrants, grantStatus, teamGrantStates } from '../../src/temporal/grant-operations';
import { submitTeam } from '../../src/temporal/reconcile-operations';
import { grantStartOptions } from '../../src/temporal/grant-start';
import { reapplySignal, statusQuery } from '../../workflows/messages';
import { waitForRequest } from '../../src/temporal/requests';
import { approveAs, ask, breakGlassTeam, EMPTY, type BreakGlassBed } from '../harness/break-glass';
import { snapshotUsers } from '../harness/iam-snapshot';
import { expectedIam, iamDifferences } from '../harness/desired-iam';
import { seededRandom } from '../harness/iam-proxy';
import { assignmentsIn, makeIdentities, type HeldAssignment } from '../harness/identity-center';
import { eventually, startStack, type Stack } from '../harness/stack';
import { permissionSetName } from '../../src/core/names';
import { ACCOUNTS, grantsOf, policy, READ_ONLY, revisionSequence, SECURITY_AUDIT, team, VIEW_ONLY } from '../harness/team';

const LARGE = process.env.GRANTFLOW_PROOF_SCALE === 'large';
const BIN = path.resolve(__dirname, '../../../bin/grantflow.js');
const revision = revisionSequence('faults', '2026-03-01T00:00:00Z');

function seedFor(name: string): number {
  const seed = Number(process.env.GRANTFLOW_SEED ?? Math.floor(Math.random() * 2 ** 31));
  process.stderr.write(`      seed for "${name}": ${seed} (GRANTFLOW_SEED=${seed} repeats it)\n`);
  return seed;
}

const POLICIES = {
  reader: policy([READ_ONLY], ['s3:ListBucket']),
  viewer: policy([VIEW_ONLY, READ_ONLY]),
  auditor: policy([SECURITY_AUDIT], ['cloudtrail:LookupEvents']),
  // Small enough to be granted, when temporary, as an expiring copy.
  breakglass: policy(['arn:aws:iam::aws:policy/PowerUserAccess']),
};

/** A team of `users` users × the policies chosen by `pick`, in both accounts, some of it temporary. */
function randomTeam(name: string, users: string[], random: () => number, temporaryShare = 0.3): TeamConfig {
  const names = Object.keys(POLICIES);
  const permanent: { users: string[]; environments: string[]; grants: string[] }[] = [];
  const temporary: { user: string; environment: string; grant: string; expiresAt: string }[] = [];
  for (const user of users) {
    for (const environment of ['nonprod', 'prod']) {
      const chosen = names.filter(() => random() < 0.5);
      for (const grant of chosen) {
        if (random() < temporaryShare) {
          temporary.push({
            user,
            environment,
            grant,
            expiresAt: new Date(Date.now() + (2 + Math.floor(random() * 48)) * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
          });
        } else permanent.push({ users: [user], environments: [environment], grants: [grant] });
      }
    }
  }
  return team({ name, policies: POLICIES, permanent, temporary });
}

/**
 * A team granting Identity Center users and a group, in both accounts, some of it temporary, and the
 * assignments it needs (one per principal, account and permission set, however many entries ask for it).
 */
function randomIdentityCenterTeam(
  name: string,
  users: string[],
  ids: Record<string, string>,
  random: () => number,
): { config: TeamConfig; assignments: HeldAssignment[] } {
  const names = ['reader', 'auditor'];
  const permanent: { ssoUsers?: string[]; ssoGroups?: string[]; environments: string[]; grants: string[] }[] = [];
  const temporary: { ssoUser: string; environment: string; grant: string; expiresAt: string }[] = [];
  const needed = new Map<string, HeldAssignment>();
  const need = (account: string, grant: string, principalType: 'USER' | 'GROUP', principalId: string) => {
    const held = { account, permissionSet: permissionSetName(name, grant), principalType, principalId };
    needed.set(JSON.stringify(held), held);
  };
  for (const environment of ['nonprod', 'prod'] as const) {
    if (random() < 0.5) {
      permanent.push({ ssoGroups: ['Operators'], environments: [environment], grants: ['reader'] });
      need(ACCOUNTS[environment], 'reader', 'GROUP', ids.Operators!);
    }
    for (const user of users) {
      for (const grant of names.filter(() => random() < 0.5)) {
        // Permanent and temporary for the same assignment now and then: one assignment holds both.
        const draw = random();
        const both = draw < 0.2;
        const temporaryOnly = draw >= 0.2 && draw < 0.4;
        if (!temporaryOnly) permanent.push({ ssoUsers: [user], environments: [environment], grants: [grant] });
        if (both || temporaryOnly) {
          const expiresAt = new Date(Date.now() + (2 + Math.floor(random() * 48)) * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
          temporary.push({ ssoUser: user, environment, grant, expiresAt });
        }
        need(ACCOUNTS[environment], grant, 'USER', ids[user]!);
      }
    }
  }
  const config = team({ name, policies: { reader: POLICIES.reader, auditor: POLICIES.auditor }, permanent, temporary });
  return { config, assignments: [...needed.values()].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
}

describe('fault suite (dev server, moto, worker)', function () {
  this.timeout(LARGE ? 30 * 60_000 : 5 * 60_000);
  let stack: Stack;
  let users: string[];
  const principals = () => users.flatMap((name) => [ACCOUNTS.nonprod, ACCOUNTS.prod].map((account) => ({ account, type: 'user' as const, name })));
  const submit = (config: TeamConfig, rev = revision()) => submitTeam(stack.client, { config, revision: rev, taskQueue: stack.taskQueue, sign: stack.signer });
  /** IAM holds what `config` grants at `atMs` (by default, at each check), as the independent oracle works it out. */
  const converged = async (config: TeamConfig, what: string, timeoutMs = 120_000, atMs?: number) => {
    let last: string[] = [];
    await eventually(
      what,
      async () => {
        last = await iamDifferences(stack.moto, expectedIam(config, atMs ?? Date.now()), principals());
        return last.length === 0 ? true : undefined;
      },
      timeoutMs,
      500,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n  ${last.slice(0, 10).join('\n  ')}`);
    });
  };

  before(async () => {
    stack = await startStack({ worker: false });
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(async () => {
    stack.proxy.setFaults(undefined);
    stack.proxy.record(['AttachUserPolicy']);
    await stack.stopWorker();
    await stack.terminateAll();
    await stack.resetIam();
  });

  async function seedUsers(count: number, prefix: string): Promise<void> {
    users = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    await stack.moto.createUsers(ACCOUNTS.nonprod, users);
    await stack.moto.createUsers(ACCOUNTS.prod, users);
  }

  it('converges after the worker is killed with SIGKILL at random points during a 100-grant submission', async () => {
    const random = seededRandom(seedFor('SIGKILL'));
    await seedUsers(LARGE ? 60 : 25, 'k');
    let config = randomTeam('faults-kill', users, random);
    // Each entry of randomTeam's is one grant (one user, one environment, one policy).
    const size = (c: TeamConfig) => c.permanent.length + c.temporary.length;
    while (size(config) < (LARGE ? 300 : 100)) config = randomTeam('faults-kill', users, random, 0.3);
    const total = size(config);
    const env = { ...process.env, ...stack.env, GRANTFLOW_IAM_CALLS_PER_SECOND: '1000' };
    const startWorker = (): Managed => startProcess(process.execPath, [BIN, 'worker'], { env });
    let worker = startWorker();
    const submission = submit(config);
    const activeAtKills: number[] = [];
    for (let kill = 0; kill < (LARGE ? 8 : 3); kill++) {
      await new Promise((resolve) => setTimeout(resolve, 300 + random() * 2500));
      activeAtKills.push((await countTeamGrants(stack.client, 'faults-kill').catch(() => ({ active: 0 }))).active);
      await worker.kill();
      worker = startWorker();
    }
    try {
      assert.ok(
        activeAtKills.some((n) => n < total),
        `every kill came after all ${total} grants were active (${activeAtKills.join(', ')})`,
      );
      await submission;
      await eventually(
        'all grants active',
        async () => ((await countTeamGrants(stack.client, 'faults-kill')).active >= total ? true : undefined),
        180_000,
        500,
      );
      await converged(config, 'IAM equals the desired state');
    } finally {
      await worker.stop();
    }
  });

  it('revokes the grants that expired while the dev server was down once it is back, and keeps the permanent ones', async () => {
    await stack.startWorker();
    await seedUsers(6, 'r');
    // The grants must all be active, and the server down, before they expire: 30 s leaves a loaded
    // machine room for the granting (the test then waits out the expiry with the server down).
    const soon = new Date(Date.now() + 30_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const config = team({
      name: 'faults-restart',
      policies: POLICIES,
      permanent: [{ users: users.slice(0, 3), environments: ['nonprod'], grants: ['reader'] }],
      temporary: users.slice(3).map((user) => ({ user, environment: 'prod', grant: 'viewer', expiresAt: soon })),
    });
    await submit(config);
    await converged(config, 'all granted');
    await stack.server.stop();
    assert.ok(Date.now() < Date.parse(soon), `the server was down before the grants expired at ${soon} (else this test proves nothing)`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(soon) - Date.now()) + 3000));
    await stack.server.start();
    await converged(config, 'the expired grants revoked after the restart, the permanent ones kept', 90_000, Date.parse(soon));
  });

  it('converges with a fifth of IAM calls throttled, failing with 500s or dropped (before and after IAM applied them)', async () => {
    await stack.startWorker();
    const random = seededRandom(seedFor('proxy faults'));
    await seedUsers(LARGE ? 40 : 12, 'p');
    stack.proxy.setFaults({ rate: 0.2, kinds: ['throttle', 'server-error', 'drop', 'drop-after'], seed: Math.floor(random() * 1e9) });
    const first = randomTeam('faults-proxy', users, random);
    await submit(first);
    await converged(first, 'first submission converged', 180_000);
    const second = randomTeam('faults-proxy', users, random);
    await submit(second);
    await converged(second, 'second submission (adds and revokes) converged', 180_000);
    assert.ok(stack.proxy.faultsInjected() > 10, `only ${stack.proxy.faultsInjected()} faults were injected`);
  });

  it('holds exactly the Identity Center assignments the YAML needs with a fifth of sso-admin and identity store calls throttled, failing with 500s or dropped (before and after they were applied), and every creation and deletion in progress first', async () => {
    await stack.startWorker({ identityCenter: true });
    const random = seededRandom(seedFor('Identity Center faults'));
    const instance = await stack.instance();
    const people = Array.from({ length: LARGE ? 12 : 5 }, (_, i) => `sso${i}`);
    const ids = await makeIdentities(stack.moto, instance, { users: people.map((name) => ({ name })), groups: ['Operators'] });
    const held = () => assignmentsIn(stack.moto, instance, [ACCOUNTS.nonprod, ACCOUNTS.prod]);
    const holds = async (want: HeldAssignment[], what: string) => {
      let last: HeldAssignment[] = [];
      await eventually(
        what,
        async () => {
          last = await held();
          const key = (a: HeldAssignment) => `${a.account} ${a.permissionSet} ${a.principalType} ${a.principalId}`;
          return JSON.stringify(last.map(key).sort()) === JSON.stringify(want.map(key).sort()) ? true : undefined;
        },
        180_000,
        500,
      ).catch(async (error: Error) => {
        const all = await teamGrantStates(stack.client, 'faults-sso');
        const states = [...all].filter(([, s]) => !s.running || s.state !== 'active');
        const stuck = await Promise.all(
          states.map(
            async ([id, s]) =>
              `${id} ${s.running ? 'running' : 'closed'} ${s.state}: ${(await grantStatus(stack.client, id).catch(() => undefined))?.lastError ?? ''}`,
          ),
        );
        throw new Error(`${error.message}\n  held ${JSON.stringify(last)}\n  want ${JSON.stringify(want)}\n  not active:\n  ${stuck.join('\n  ')}`);
      });
    };
    stack.proxy.setIdentityCenter({
      creations: { polls: 1 },
      deletions: { polls: 1, failures: 3, failWith: 'a request for this assignment is being processed' },
    });
    stack.proxy.setFaults({
      rate: 0.2,
      kinds: ['throttle', 'server-error', 'drop', 'drop-after'],
      seed: Math.floor(random() * 1e9),
      only: ({ service }) => service === 'sso-admin' || service === 'identitystore',
    });
    try {
      const first = randomIdentityCenterTeam('faults-sso', people, ids, random);
      await submit(first.config);
      await holds(first.assignments, 'the first submission holds exactly its assignments');
      const second = randomIdentityCenterTeam('faults-sso', people, ids, random);
      await submit(second.config);
      await holds(second.assignments, 'the second submission (adds and revokes) holds exactly its assignments');
      assert.ok(stack.proxy.faultsInjected() > 5, `only ${stack.proxy.faultsInjected()} faults were injected`);
    } finally {
      stack.proxy.setIdentityCenter(undefined);
    }
  });

  it('ends equal to the newest of racing submissions', async () => {
    await stack.startWorker();
    const random = seededRandom(seedFor('racing submissions'));
    await seedUsers(8, 'x');
    const rounds = LARGE ? 10 : 3;
    let newest: TeamConfig | undefined;
    for (let round = 0; round < rounds; round++) {
      const configs = [0, 1, 2].map(() => randomTeam('faults-race', users, random));
      const revisions = configs.map(() => revision());
      newest = configs[2]!;
      const order = [0, 1, 2].sort(() => random() - 0.5);
      const results = await Promise.allSettled(order.map((i) => submit(configs[i]!, revisions[i]!)));
      assert.equal(results[order.indexOf(2)]!.status, 'fulfilled', 'the newest revision is always applied');
    }
    await converged(newest!, 'IAM equals the newest submission');
  });

  it('ends equal to the verified YAML through forged reapply signals, grant workflows started by hand and unsigned submissions, among IAM faults', async () => {
    await stack.startWorker();
    const random = seededRandom(seedFor('forgeries'));
    await seedUsers(LARGE ? 20 : 8, 'f');
    stack.proxy.setFaults({ rate: 0.1, kinds: ['throttle', 'server-error', 'drop', 'drop-after'], seed: Math.floor(random() * 1e9) });
    const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
    const verified = randomTeam('faults-forged', users, random);
    const forgedGrant = (teamName: string, user: string, environment: string) =>
      grantsOf(
        team({ name: teamName, policies: { admin: policy([admin]) }, permanent: [{ users: [user], environments: [environment], grants: ['admin'] }] }),
      )[0]!;
    const submission = submit(verified);
    const forgeries: Promise<unknown>[] = [];
    for (let i = 0; i < (LARGE ? 60 : 20); i++) {
      await new Promise((resolve) => setTimeout(resolve, random() * 300));
      const user = users[Math.floor(random() * users.length)]!;
      const environment = random() < 0.5 ? 'nonprod' : 'prod';
      const kind = random();
      if (kind < 0.4) {
        // A reapply carrying access, on whichever of the team's grants is running by now.
        const target = grantsOf(verified)[Math.floor(random() * grantsOf(verified).length)]!;
        forgeries.push(
          stack.client.workflow
            .getHandle(target.id)
            .signal(reapplySignal, { spec: { ...forgedGrant('faults-forged', user, environment), id: target.id } } as never)
            .catch(() => undefined),
        );
      } else if (kind < 0.8) {
        const forged = forgedGrant(random() < 0.5 ? 'faults-ghost' : 'faults-forged', user, environment);
        forgeries.push(
          stack.client.workflow
            .start('grantWorkflow', { ...grantStartOptions(forged, { taskQueue: stack.taskQueue }), workflowIdConflictPolicy: 'FAIL' })
            .catch(() => undefined),
        );
      } else {
        const widened = { ...verified, policies: { ...verified.policies, admin: policy([admin]) } };
        widened.permanent = [
          ...widened.permanent,
          {
            description: 'forged',
            users: [{ written: user, name: user }],
            roles: [],
            environments: [environment],
            grants: ['admin'],
            source: { file: 'forged.yaml', line: 1 },
          },
        ];
        forgeries.push(
          submitTeam(stack.client, { config: widened, revision: revision(), taskQueue: stack.taskQueue }).then(
            () => assert.fail('an unsigned submission was applied'),
            () => undefined,
          ),
        );
      }
    }
    await Promise.all([submission, ...forgeries]);
    await converged(verified, 'IAM equals the verified YAML, and nobody holds AdministratorAccess', 180_000);
    const adminWrites = stack.proxy.events().filter((e) => e.policy === admin);
    assert.deepEqual(adminWrites, [], 'AdministratorAccess was never attached, not even for a moment');
  });

  it('grants once when the worker is killed between a request’s approval and its grant', async () => {
    users = ['bob'];
    await stack.moto.createUsers(ACCOUNTS.nonprod, users);
    const bed = {
      client: () => stack.client,
      taskQueue: () => stack.taskQueue,
      now: async () => new Date(),
      times: { openForMs: 60_000, durationMs: 10 * 60_000, maxDurationMs: 60 * 60_000 },
    } as BreakGlassBed;
    const bob = async () => (await snapshotUsers(stack.moto, ACCOUNTS.nonprod, ['bob'])).bob!;
    const config = breakGlassTeam('faults-break-glass', bed);
    const env = { ...process.env, ...stack.env, GRANTFLOW_IAM_CALLS_PER_SECOND: '1000' };
    let worker = startProcess(process.execPath, [BIN, 'worker'], { env });
    try {
      await submit(config);
      const asked = await ask(bed, { team: config.team });
      const approved = await approveAs(bed, 'carol', asked);
      assert.equal(approved.outcome, 'approved', approved.message);
      // Killed the moment the approval is answered: the grant is yet to be prepared, started and applied.
      await worker.kill();
      assert.deepEqual(await bob(), EMPTY, 'the worker was killed before the grant reached IAM (else this test proves nothing)');
      worker = startProcess(process.execPath, [BIN, 'worker'], { env });
      const granted = (await waitForRequest(stack.client, asked.id, (s) => s.state === 'granted', { timeoutMs: 150_000, everyMs: 500 }))!;
      assert.ok(granted, 'the request is granted after the restart');
      await eventually(
        'the grant is active',
        async () => ((await stack.client.workflow.getHandle(granted.grantId!).query(statusQuery)).state === 'active' ? true : undefined),
        150_000,
        500,
      );
      const grantRuns = async () => {
        let runs = 0;
        for await (const _ of stack.client.workflow.list({ query: `WorkflowType = 'grantWorkflow' AND GrantTeam = '${config.team}'` })) runs++;
        return runs;
      };
      await eventually('visibility lists the grant run', async () => ((await grantRuns()) > 0 ? true : undefined));
      assert.equal(await grantRuns(), 1, 'one grant workflow run');
      const held = await bob();
      assert.equal(Object.keys(held.inline).length, 1, 'one inline policy');
      assert.equal(held.attached.length, 1, 'one expiring copy');
    } finally {
      await worker.stop();
    }
  });
});
