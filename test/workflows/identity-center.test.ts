// IAM Identity Center grants on a real Temporal dev server with a real worker, moto's sso-admin and
// identity store, and the proxy in front of moto answering what moto answers too kindly (creations
// and deletions in progress, then succeeded or failed with a reason; a conflict; a lost answer).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { grantStatus, revokeGrantNow } from '../../src/temporal/grant-operations';
import { sweepTeam } from '../../src/temporal/reconcile-operations';
import { permissionSetName } from '../../src/core/names';
import { runCli } from '../harness/cli';
import { writeFolder } from '../harness/config-dir';
import {
  assignmentsIn,
  handMade,
  makeIdentities,
  permissionSetContent,
  permissionSetNames,
  type HeldAssignment,
  type Instance,
} from '../harness/identity-center';
import { eventually } from '../harness/stack';
import { ACCOUNTS, grantsOf, inHours, policy, READ_ONLY, revisionSequence, SECURITY_AUDIT, team, VIEW_ONLY } from '../harness/team';
import { workflowSuite } from '../harness/workflow-suite';
import { revokeSignal } from '../../workflows/messages';
import { IDENTITY_STORE_OPERATIONS, SSO_ADMIN_OPERATIONS } from '../../src/aws/operations';

const revision = revisionSequence('identity-center', '2026-02-01T00:00:00Z');
const ALICE = 'alice@example.com';
const sorted = (held: HeldAssignment[]) => [...held].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('IAM Identity Center grants (dev server + moto + proxy)', function () {
  const { stack, submit, waitState, waitClosed, nextTeam } = workflowSuite({
    revision,
    teamPrefix: 'ic',
    users: [],
    cliEnv: true,
    stack: { identityCenter: true },
  });
  let instance: Instance;
  let ids: Record<string, string>;
  beforeEach(async () => {
    stack.proxy.setIdentityCenter(undefined);
    instance = await stack.instance();
    ids = await makeIdentities(stack.moto, instance, {
      users: [
        { name: 'alice', emails: [ALICE] },
        { name: 'bob', emails: ['bob@example.com'] },
      ],
      groups: ['Platform Admins'],
    });
  });
  const held = () => assignmentsIn(stack.moto, instance, [ACCOUNTS.nonprod, ACCOUNTS.prod]);
  const assignment = (account: string, permissionSet: string, who: 'alice' | 'bob' | 'Platform Admins'): HeldAssignment => ({
    account,
    permissionSet,
    principalType: who === 'Platform Admins' ? 'GROUP' : 'USER',
    principalId: ids[who]!,
  });

  function readers(name: string, settings = {}) {
    return team({
      name,
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ ssoUsers: [ALICE], ssoGroups: ['Platform Admins'], environments: ['nonprod'], grants: ['reader'] }],
      temporary: [{ ssoUser: 'bob', environment: 'prod', grant: 'reader', expiresAt: inHours(24) }],
      settings,
    });
  }

  it('assigns exactly one permission set per grant, and a second submission of the same YAML assigns nothing more', async () => {
    const config = readers(nextTeam());
    const grants = grantsOf(config);
    await submit(config);
    for (const grant of grants) await waitState(grant.id, 'active');
    const name = permissionSetName(config.team, 'reader');
    const want = sorted([
      assignment(ACCOUNTS.nonprod, name, 'Platform Admins'),
      assignment(ACCOUNTS.nonprod, name, 'alice'),
      assignment(ACCOUNTS.prod, name, 'bob'),
    ]);
    assert.deepEqual(await held(), want);
    await submit(config);
    for (const grant of grants) await waitState(grant.id, 'active');
    assert.deepEqual(await held(), want, 'exactly one assignment each after two submissions');
    // The permission set holds the policy: its managed policy, its statements inline, the worker's session duration.
    const content = await permissionSetContent(stack.moto, instance, name);
    assert.deepEqual(content?.managed, [READ_ONLY]);
    assert.deepEqual(content?.inline, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['*'] }] });
    assert.equal(content?.sessionDuration, 'PT1H');
  });

  it('makes no second assignment when the answer to a creation is lost after Identity Center made it (the create sent again is a duplicate)', async () => {
    const config = readers(nextTeam());
    let creations = 0;
    stack.proxy.setFaults({ rate: 1, kinds: ['drop-after'], only: ({ action }) => action === 'CreateAccountAssignment' && creations++ === 0 });
    await submit(config);
    for (const grant of grantsOf(config)) await waitState(grant.id, 'active', 60_000);
    assert.equal(stack.proxy.faultsInjected() > 0, true, 'an answer was lost');
    assert.equal((await held()).length, 3, 'one assignment per grant, not one more for the create sent again');
  });

  it('makes one permission set when the answer to its creation is lost (the create sent again meets the name taken, as in Identity Center)', async () => {
    const config = readers(nextTeam());
    let creations = 0;
    const faultsBefore = stack.proxy.faultsInjected();
    stack.proxy.setFaults({ rate: 1, kinds: ['drop-after'], only: ({ action }) => action === 'CreatePermissionSet' && creations++ === 0 });
    await submit(config);
    for (const grant of grantsOf(config)) await waitState(grant.id, 'active', 90_000);
    assert.equal(stack.proxy.faultsInjected() - faultsBefore, 1, 'the answer to the creation was lost');
    const name = permissionSetName(config.team, 'reader');
    assert.deepEqual(
      (await permissionSetNames(stack.moto, instance)).filter((n) => n === name),
      [name],
      'one permission set of that name',
    );
    assert.equal((await held()).length, 3);
  });

  it('follows a creation in progress until its status says it succeeded: the grant is active only after that', async () => {
    const config = readers(nextTeam());
    stack.proxy.setIdentityCenter({ creations: { polls: 3 } });
    stack.proxy.record(['CreateAccountAssignment', 'DescribeAccountAssignmentCreationStatus']);
    await submit(config);
    const grant = grantsOf(config).find((g) => g.kind === 'temporary')!;
    await waitState(grant.id, 'active');
    const status = await grantStatus(stack.client, grant.id);
    const reads = stack.proxy.events().filter((e) => e.action === 'DescribeAccountAssignmentCreationStatus');
    assert.ok(reads.length >= 3 * 4, `every creation's status was read until it was done (${reads.length} reads for 3 creations)`);
    const lastRead = Math.max(...reads.map((e) => e.at));
    assert.ok(Date.parse(status.activeSince!) >= Math.floor(lastRead / 1000) * 1000 - 1000, 'active after the status said SUCCEEDED');
  });

  it('fails a grant whose creation FAILED, with the reason on show, and submit exits 1', async () => {
    const name = nextTeam();
    const dir = writeFolder({
      [name]: {
        'aws-accounts': `aws-accounts:\n  nonprod: "${ACCOUNTS.nonprod}"\n`,
        'aws-policies': 'aws-policies:\n  reader:\n    description: Read only\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]\n',
        'permanent-access': `permanent-access:\n  - description: Readers\n    sso_users: [${ALICE}]\n    environments: [nonprod]\n    grants: [reader]\n`,
      },
    });
    stack.proxy.setIdentityCenter({ creations: { polls: 1, failWith: 'Received a 404 status error: the principal is not in the identity store' } });
    const submitted = await runCli(['submit', name, '--config', dir, '--wait', '--timeout', '2m']);
    assert.equal(submitted.code, 1, submitted.stderr);
    assert.match(
      submitted.stdout,
      /1 grant not in IAM:\n.*could not assign permission set gf-.* for user alice@example.com in account 111111111111: Received a 404 status error/,
    );
    const id = `grantflow/${name}/${ACCOUNTS.nonprod}/sso-user/${ALICE}/reader`;
    await waitClosed(id);
    const shown = await runCli(['show', id]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /failed/);
    assert.match(shown.stdout, /Received a 404 status error: the principal is not in the identity store/);
    assert.deepEqual(await held(), [], 'nothing was assigned');
    fs.rmSync(dir, { recursive: true });
  });

  it('tries a revoke whose deletion keeps failing for minutes, showing the reason, until it lands', async function () {
    this.timeout(420_000);
    const config = readers(nextTeam(), { revokeMaxBackoffMs: 5000 });
    await submit(config);
    const grant = grantsOf(config).find((g) => g.kind === 'temporary')!;
    await waitState(grant.id, 'active');
    stack.proxy.record(['DeleteAccountAssignment']);
    // Every deletion sent in the next two and a half minutes fails; the revoke has no deadline of its own.
    const failingUntil = Date.now() + 150_000;
    stack.proxy.setIdentityCenter({ deletions: { polls: 1, untilMs: failingUntil, failWith: 'a request for this assignment is being processed' } });
    await stack.client.workflow.getHandle(grant.id).signal(revokeSignal, { reason: 'done', by: 'test' });
    const stuck = await eventually('the revoke fails several times, and says why', async () => {
      const status = await grantStatus(stack.client, grant.id);
      return status.revokeAttempts >= 2 && status.state === 'revoking' && status.lastError ? status : undefined;
    });
    assert.match(
      stuck.lastError ?? '',
      /could not delete permission set .* for user bob in account 222222222222: a request for this assignment is being processed; the revoke tries again/,
    );
    assert.ok(
      (await held()).some((a) => a.principalId === ids.bob),
      'the assignment is still there while the deletion fails',
    );
    await waitClosed(grant.id, 360_000);
    const revoked = await grantStatus(stack.client, grant.id);
    assert.equal(revoked.state, 'revoked');
    const deletions = stack.proxy.events().filter((e) => e.action === 'DeleteAccountAssignment');
    const failedMinutes = deletions.filter((e) => e.sentAt < failingUntil);
    assert.ok(failedMinutes.length >= 10, `the revoke kept trying all along (${failedMinutes.length} deletions failed)`);
    assert.ok(failedMinutes.at(-1)!.sentAt - failedMinutes[0]!.sentAt > 120_000, 'the failing deletions spanned more than two minutes');
    assert.ok(
      deletions.some((e) => e.sentAt >= failingUntil),
      'a deletion sent once the failures stopped landed',
    );
    assert.ok(!(await held()).some((a) => a.principalId === ids.bob), 'the assignment is gone once a deletion landed');
  });

  it('retries a creation that conflicts with a request still in progress', async () => {
    const config = readers(nextTeam());
    stack.proxy.setIdentityCenter({ conflicts: 2 });
    await submit(config);
    for (const grant of grantsOf(config)) await waitState(grant.id, 'active', 60_000);
    assert.equal((await held()).length, 3);
  });

  it('keeps the assignment a permanent grant needs when a temporary grant of the same permission set expires', async () => {
    const name = nextTeam();
    const expiresAt = new Date(Math.ceil((Date.now() + 8000) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const both = team({
      name,
      policies: { reader: policy([READ_ONLY]) },
      permanent: [{ ssoUsers: [ALICE], environments: ['nonprod'], grants: ['reader'] }],
      temporary: [{ ssoUser: ALICE, environment: 'nonprod', grant: 'reader', expiresAt }],
    });
    const [permanent, temporary] = grantsOf(both).sort((a, b) => a.kind.localeCompare(b.kind));
    await submit(both);
    await waitState(temporary!.id, 'active');
    await waitState(permanent!.id, 'active');
    const one = [assignment(ACCOUNTS.nonprod, permissionSetName(name, 'reader'), 'alice')];
    assert.deepEqual(await held(), one);
    await waitClosed(temporary!.id, 60_000);
    assert.equal((await grantStatus(stack.client, temporary!.id)).cause, 'expired');
    assert.deepEqual(await held(), one, 'the expiry kept the assignment the permanent grant needs');
    // The permanent entry leaves the YAML: now nothing needs it.
    await submit(team({ name, policies: { reader: policy([READ_ONLY]) } }));
    await waitClosed(permanent!.id);
    await eventually('the assignment goes', async () => ((await held()).length === 0 ? true : undefined));
  });

  it('assigns an existing permission set as it is, never deletes one that was there before grantflow, and cleanup reports hand-made assignments without deleting them', async () => {
    const name = nextTeam();
    await handMade(stack.moto, instance, 'ReadOnly', [{ account: ACCOUNTS.nonprod, principalType: 'USER', principalId: ids.alice! }]);
    await handMade(stack.moto, instance, 'Billing', [{ account: ACCOUNTS.nonprod, principalType: 'USER', principalId: ids.alice! }]);
    const config = team({
      name,
      policies: { viewer: { ...policy([]), permissionSet: 'ReadOnly' }, reader: policy([VIEW_ONLY]) },
      permanent: [{ ssoUsers: [ALICE], environments: ['nonprod', 'prod'], grants: ['viewer', 'reader'] }],
    });
    await submit(config);
    for (const grant of grantsOf(config)) await waitState(grant.id, 'active');
    const own = permissionSetName(name, 'reader');
    const before = sorted([
      assignment(ACCOUNTS.nonprod, 'Billing', 'alice'),
      assignment(ACCOUNTS.nonprod, 'ReadOnly', 'alice'),
      assignment(ACCOUNTS.prod, 'ReadOnly', 'alice'),
      assignment(ACCOUNTS.nonprod, own, 'alice'),
      assignment(ACCOUNTS.prod, own, 'alice'),
    ]);
    assert.deepEqual(await held(), before);
    const nonprodViewer = grantsOf(config).find((g) => g.policy === 'viewer' && g.account === ACCOUNTS.nonprod)!;
    assert.deepEqual((await grantStatus(stack.client, nonprodViewer.id)).foreign, ['permission-set/ReadOnly'], 'found there, not taken');

    // A grantflow assignment left by a grant killed from outside goes; the hand-made ones are reported and stay.
    const prodOwn = grantsOf(config).find((g) => g.policy === 'reader' && g.account === ACCOUNTS.prod)!;
    await stack.client.workflow.getHandle(prodOwn.id).terminate('test: killed from outside');
    await submit(team({ name, policies: config.policies, permanent: [{ ssoUsers: [ALICE], environments: ['nonprod'], grants: ['reader'] }] }));
    await waitClosed(nonprodViewer.id);
    const swept = await sweepTeam(stack.client, name, false, 'test');
    assert.deepEqual(
      swept.findings
        .filter((f) => f.why.startsWith('not made by grantflow'))
        .map((f) => [f.account, f.object])
        .sort(),
      [
        [ACCOUNTS.nonprod, 'assignment of permission set Billing'],
        [ACCOUNTS.nonprod, 'assignment of permission set ReadOnly'],
      ],
    );
    assert.deepEqual(
      await held(),
      sorted([assignment(ACCOUNTS.nonprod, 'Billing', 'alice'), assignment(ACCOUNTS.nonprod, 'ReadOnly', 'alice'), assignment(ACCOUNTS.nonprod, own, 'alice')]),
      'the assignment there before grantflow and the hand-made one stay; the one grantflow made and no live grant holds is gone',
    );
  });

  it('plan finds every user and group in the identity store, and refuses an unknown and an ambiguous one at their lines', async () => {
    await makeIdentities(stack.moto, instance, {
      users: [
        { name: 'ops-1', emails: ['ops@example.com'] },
        { name: 'ops-2', emails: ['ops@example.com'] },
      ],
    });
    const name = nextTeam();
    const workerConfig = path.join(writeFolder({}), 'worker.yaml');
    const ic = stack.identityCenter()!;
    fs.writeFileSync(
      workerConfig,
      `identity_center:\n  instance_arn: ${ic.instanceArn}\n  identity_store_id: ${ic.identityStoreId}\n  region: ${ic.region}\n  account: "${ic.account}"\n  session_duration: 2h\n`,
    );
    const files = (users: string) => ({
      'aws-accounts': `aws-accounts:\n  nonprod: "${ACCOUNTS.nonprod}"\n`,
      'aws-policies': 'aws-policies:\n  reader:\n    description: Read only\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]\n',
      'permanent-access': `permanent-access:\n  - description: Readers\n    sso_users:\n${users}    sso_groups: [platform admins]\n    environments: [nonprod]\n    grants: [reader]\n`,
    });
    const good = writeFolder({ [name]: files(`      - ${ALICE}\n      - BOB\n`) });
    const planned = await runCli(['plan', name, '--config', good, '--worker-config', workerConfig]);
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stdout, /add\s+sso-user\/alice@example.com\s+nonprod \(111111111111\)\s+reader/);
    assert.match(planned.stdout, /add\s+sso-group\/platform admins/);
    assert.match(planned.stdout, /only the workflow ends it .* up to the permission set's session duration \(PT2H\) later/);
    const withoutConfig = await runCli(['plan', name, '--config', good]);
    assert.equal(withoutConfig.code, 1);
    assert.match(withoutConfig.stderr, /pass --worker-config FILE/);

    const bad = writeFolder({ [name]: files(`      - ${ALICE}\n      - nobody@example.com\n      - ops@example.com\n`) });
    const refused = await runCli(['plan', name, '--config', bad, '--worker-config', workerConfig]);
    assert.equal(refused.code, 1, refused.stderr);
    const file = path.join(bad, 'permanent-access', `${name}.yaml`);
    assert.match(refused.stderr, new RegExp(`${file}:5:\\d+: error: no IAM Identity Center user has the user name or email "nobody@example.com"`));
    assert.match(refused.stderr, new RegExp(`${file}:6:\\d+: error: "ops@example.com" matches 2 IAM Identity Center users .*ops-1.*ops-2`));
    assert.equal(refused.stdout, '', 'no plan when an identity is unknown or ambiguous');
  });

  it("doctor finds the worker's instance through its role, its identity store and owner, and its permission sets against the quota; deployer-policy derives the role's policy", async () => {
    const ic = stack.identityCenter()!;
    const dir = writeFolder({});
    const worker = (identityStore: string) => {
      const file = path.join(dir, `worker-${identityStore}.yaml`);
      fs.writeFileSync(
        file,
        `identity_center:\n  instance_arn: ${ic.instanceArn}\n  identity_store_id: ${identityStore}\n  region: ${ic.region}\n  account: "${ic.account}"\n  management_account: "${instance.ownerAccount}"\n`,
      );
      return file;
    };
    const checks = async (file: string) => {
      const doctor = await runCli(['doctor', '--config', dir, '--worker-config', file, '--json']);
      return (JSON.parse(doctor.stdout) as { check: string; outcome: string; detail: string }[]).filter((c) =>
        ['identity center', 'management account', 'permission sets'].includes(c.check),
      );
    };
    const good = await checks(worker(ic.identityStoreId));
    assert.deepEqual(
      good.map((c) => [c.check, c.outcome]),
      [
        ['identity center', 'ok'],
        ['management account', 'ok'],
        ['permission sets', 'ok'],
      ],
      JSON.stringify(good),
    );
    assert.match(good[2]!.detail, /^\d+ of Identity Center's quota of 2000 per instance/);
    const wrongStore = await checks(worker('d-0000000000'));
    assert.deepEqual(
      wrongStore.map((c) => c.outcome),
      ['FAIL'],
    );
    assert.match(wrongStore[0]!.detail, new RegExp(`uses identity store ${ic.identityStoreId}, not d-0000000000; fix identity_center.identity_store_id`));

    const printed = await runCli(['deployer-policy', '--config', dir, '--worker-config', worker(ic.identityStoreId), '--json']);
    assert.equal(printed.code, 0, printed.stderr);
    const { identityCenter } = JSON.parse(printed.stdout) as { identityCenter: { permissions: { Statement: { Action: string[] }[] } } };
    const actions = identityCenter.permissions.Statement.flatMap((s) => s.Action);
    for (const op of [...SSO_ADMIN_OPERATIONS.map((o) => `sso:${o}`), ...IDENTITY_STORE_OPERATIONS.map((o) => `identitystore:${o}`)]) {
      assert.ok(actions.includes(op), `${op} is allowed`);
    }
    fs.rmSync(dir, { recursive: true });
  });

  it("brings grantflow's permission set in line with an edited policy and provisions it to the accounts that hold it, following the provisioning to its end", async () => {
    const name = nextTeam();
    const config = readers(name);
    await submit(config);
    for (const grant of grantsOf(config)) await waitState(grant.id, 'active');
    stack.proxy.setIdentityCenter({ provisioning: { polls: 2 } });
    stack.proxy.record(['ProvisionPermissionSet', 'DescribePermissionSetProvisioningStatus']);
    const edited = { ...config, policies: { reader: policy([READ_ONLY, SECURITY_AUDIT], ['s3:GetObject']) } };
    const summary = await submit(edited);
    const key = `permission-set/${permissionSetName(name, 'reader')}`;
    assert.equal(summary.policies[key], 'updated');
    assert.deepEqual(
      stack.proxy.events().map((e) => e.action),
      [
        'ProvisionPermissionSet',
        'DescribePermissionSetProvisioningStatus',
        'DescribePermissionSetProvisioningStatus',
        'DescribePermissionSetProvisioningStatus',
      ],
      'provisioned once, its status read until it said SUCCEEDED',
    );
    const content = await permissionSetContent(stack.moto, instance, permissionSetName(name, 'reader'));
    assert.deepEqual(content?.managed, [READ_ONLY, SECURITY_AUDIT].sort());
    assert.deepEqual(content?.inline, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] }] });
    assert.equal((await held()).length, 3, 'the assignments stay: the grants keep their ids');
    assert.equal((await submit(edited)).policies[key], 'unchanged');
  });

  it('keeps within the instance budget: never more creations in flight than the limit, never more calls than the rate', async () => {
    const RATE = 5;
    const IN_FLIGHT = 2;
    await stack.stopWorker();
    await stack.startWorker({ identityCenter: { callsPerSecond: RATE, maxCreationsInFlight: IN_FLIGHT } });
    try {
      const users = Array.from({ length: 8 }, (_, i) => `u${i}`);
      await makeIdentities(stack.moto, instance, { users: users.map((name) => ({ name })) });
      const config = team({
        name: nextTeam(),
        policies: { reader: policy([READ_ONLY]) },
        permanent: [{ ssoUsers: users, ssoGroups: ['Platform Admins'], environments: ['nonprod'], grants: ['reader'] }],
      });
      stack.proxy.setIdentityCenter({ creations: { polls: 2 } });
      stack.proxy.resetCounts();
      stack.proxy.record([...SSO_ADMIN_OPERATIONS, ...IDENTITY_STORE_OPERATIONS]);
      await submit(config);
      for (const grant of grantsOf(config)) await waitState(grant.id, 'active', 120_000);
      assert.equal((await held()).length, 9);
      const max = stack.proxy.creationsInFlight().max;
      assert.ok(max <= IN_FLIGHT, `at most ${IN_FLIGHT} creations in flight at once, saw ${max}`);
      assert.ok(max >= 1);
      // A token bucket of RATE a second holding RATE tokens: in any second, at most 2 × RATE calls.
      const sent = stack.proxy
        .events()
        .map((e) => e.sentAt)
        .sort((a, b) => a - b);
      const busiest = Math.max(...sent.map((t, i) => sent.filter((u, j) => j >= i && u < t + 1000).length));
      assert.ok(busiest <= 2 * RATE, `at most ${2 * RATE} Identity Center calls in any second, saw ${busiest} (of ${sent.length})`);
    } finally {
      await stack.stopWorker();
      await stack.startWorker({});
    }
  });

  it('is listed, revoked, restored and found in history with the commands of IAM grants: --user sso-user/NAME picks the Identity Center user, not an IAM one', async () => {
    const name = nextTeam();
    const config = readers(name);
    await submit(config);
    const bob = grantsOf(config).find((g) => g.kind === 'temporary')!;
    for (const grant of grantsOf(config)) await waitState(grant.id, 'active');
    const cli = async (...args: string[]) => {
      const result = await runCli(args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    const listed = await cli('status', name, '--user', 'sso-user/bob');
    assert.match(listed, new RegExp(`sso-user/bob\\s+prod \\(${ACCOUNTS.prod}\\)\\s+reader\\s+temporary\\s+active`));
    assert.match(listed, /^1 live grant of /m);
    assert.match(await cli('status', name, '--user', 'sso-group/platform admins'), /^1 live grant of /m);
    const iamBob = await runCli(['status', name, '--user', 'user/bob']);
    assert.match(iamBob.stdout, /^0 live grants of /m, 'user/bob is the IAM user, who holds nothing here');

    assert.match(await cli('revoke', name, '--user', 'sso-user/bob', '--reason', 'incident over', '--by', 'ops'), new RegExp(`revoked: ${bob.id}`));
    assert.ok(!(await held()).some((a) => a.principalId === ids.bob), 'the assignment is gone');
    await eventually('status lists the revoked grant no more (visibility catches up)', async () =>
      /^0 live grants of /m.test(await cli('status', name, '--user', 'sso-user/bob')) ? true : undefined,
    );

    await cli('restore', bob.id, '--by', 'ops');
    await waitState(bob.id, 'active');
    assert.ok(
      (await held()).some((a) => a.principalId === ids.bob),
      'restored: the assignment is back',
    );
    const periods = JSON.parse(await cli('history', name, '--user', 'sso-user/bob', '--format', 'json')) as {
      grantId: string;
      principalType: string;
      ended: string;
    }[];
    assert.deepEqual(
      periods.map((p) => [p.grantId, p.principalType, p.ended]),
      [
        [bob.id, 'sso-user', 'early'],
        [bob.id, 'sso-user', 'open'],
      ],
    );
  });

  it('revokes at once on an operator revoke, which sticks, as for IAM grants', async () => {
    const config = readers(nextTeam());
    await submit(config);
    const grant = grantsOf(config).find((g) => g.kind === 'temporary')!;
    await waitState(grant.id, 'active');
    assert.equal(await revokeGrantNow(stack.client, grant.id, { reason: 'incident over', by: 'ops' }), 'revoked');
    assert.ok(!(await held()).some((a) => a.principalId === ids.bob));
    const again = await submit(config);
    assert.deepEqual(again.sticky, [grant.id]);
    assert.ok(!(await held()).some((a) => a.principalId === ids.bob), 'the early revoke sticks');
  });
});
