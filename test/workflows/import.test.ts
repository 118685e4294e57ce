// Adopting an existing account, end to end on a real Temporal dev server and moto behind the IAM
// proxy: `grantflow import` writes the fixture account's team, `plan` reads every grant as already in
// IAM, submitting it changes nobody's access (IAM differs only by grantflow's additions, and an IAM
// evaluator decides every request of every imported principal as before), importing again gives the
// same bytes; without adoption an entry's removal leaves what was there before grantflow (and `show`
// says why), with adoption it removes it, and no moment passes, a worker dying halfway included,
// where a principal holds neither its inline original nor grantflow's policy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PlanEntry } from '../../src/core/plan';
import type { GrantSpec } from '../../src/core/grant';
import type { TeamConfig } from '../../src/core/team-config';
import { markerKey } from '../../src/aws/ownership-marks';
import { grantStatus } from '../../src/temporal/grant-operations';
import { validateTeam } from '../../src/validate';
import { runCli } from '../harness/cli';
import { snapshotAccount, type AccountSnapshot } from '../harness/iam-snapshot';
import { buildFixture, DEPLOY, devAccessArn, identityPolicies, IMPORTED, NO_IAM, type IdentityPolicy } from '../harness/import-fixture';
import { decide as evaluate } from '../harness/iam-evaluator';
import { eventually } from '../harness/stack';
import { ACCOUNTS, READ_ONLY, revisionSequence, VIEW_ONLY } from '../harness/team';
import { workflowSuite } from '../harness/workflow-suite';

const revision = revisionSequence('import', '2026-05-01T00:00:00Z');
const ACCOUNT = ACCOUNTS.nonprod;

/** The requests the evaluator judges: every action and resource the imported statements name, and a fixed sample of others. */
const NAMED: [string, string][] = [
  // What S3_LOGS names: each action on the resources of its type among those it names.
  ['s3:GetObject', 'arn:aws:s3:::app-logs/app.log'],
  ['s3:ListBucket', 'arn:aws:s3:::app-logs'],
  ['s3:DeleteObject', 'arn:aws:s3:::app-logs/app.log'],
  [DEPLOY.Statement.Action, `arn:aws:lambda:us-east-1:${ACCOUNT}:function:app-web`],
  ...NO_IAM.Statement[0]!.Action.map((action): [string, string] => [action, `arn:aws:iam::${ACCOUNT}:user/someone`]),
  ['dynamodb:GetItem', `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`],
  ['dynamodb:Query', `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`],
];
const SAMPLE: [string, string][] = [
  ['s3:PutObject', 'arn:aws:s3:::app-logs/app.log'],
  ['s3:GetObject', 'arn:aws:s3:::other-bucket/x'],
  ['ec2:DescribeInstances', '*'],
  ['iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role/x`],
  ['sqs:ListQueues', '*'],
  ['dynamodb:PutItem', `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`],
  ['lambda:UpdateFunctionCode', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:other`],
  ['kms:Decrypt', `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234`],
];

function decide(policies: IdentityPolicy[], principal: string, action: string, resource: string): Promise<string> {
  const context = { 'aws:SecureTransport': 'true', 'aws:MultiFactorAuthPresent': 'true', 'aws:CurrentTime': '2026-06-01T00:00:00Z' };
  return evaluate(policies, { account: ACCOUNT, principal, action, resource, context });
}

/** What IAM holds that `before` did not: it must all be grantflow's own, of `team`. */
function additions(before: AccountSnapshot, after: AccountSnapshot, team: string): string[] {
  const problems: string[] = [];
  const own = (arn: string) => arn.includes(`:policy/grantflow/${team}/`);
  for (const kind of ['users', 'roles'] as const) {
    assert.deepEqual(Object.keys(after[kind]).sort(), Object.keys(before[kind]).sort(), `the same ${kind}`);
    for (const [name, was] of Object.entries(before[kind])) {
      const now = after[kind][name]!;
      for (const arn of was.attached) if (!now.attached.includes(arn)) problems.push(`${kind} ${name}: ${arn} detached`);
      for (const arn of now.attached) if (!was.attached.includes(arn) && !own(arn)) problems.push(`${kind} ${name}: ${arn} attached, not grantflow's`);
      if (JSON.stringify(now.inline) !== JSON.stringify(was.inline)) problems.push(`${kind} ${name}: inline policies changed`);
      for (const [key, value] of Object.entries(was.tags)) if (now.tags[key] !== value) problems.push(`${kind} ${name}: tag ${key} changed`);
      for (const [key, value] of Object.entries(now.tags)) {
        if (!(key in was.tags) && !(key.startsWith('grantflow:attached:') && own(value))) problems.push(`${kind} ${name}: tag ${key} added`);
      }
    }
  }
  for (const [arn, policy] of Object.entries(before.policies)) {
    if (JSON.stringify(after.policies[arn]) !== JSON.stringify(policy)) problems.push(`policy ${arn} changed`);
  }
  for (const arn of Object.keys(after.policies)) if (!(arn in before.policies) && !own(arn)) problems.push(`policy ${arn} is new, not grantflow's`);
  return problems;
}

describe('adopting an existing account: import, plan, submit, adopt (dev server + moto)', function () {
  const { stack, submit, waitState, waitClosed, nextTeam } = workflowSuite({
    revision,
    teamPrefix: 'imp',
    cliEnv: true,
    users: ['alice', 'bob', 'carol', 'dave'],
  });
  let dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    dirs = [];
  });

  /** Builds the fixture account and imports it as a new team: its folder, and the team as validate reads it. */
  async function imported(...extra: string[]): Promise<{ team: string; dir: string; config: TeamConfig; grants: GrantSpec[] }> {
    await buildFixture(stack.moto, ACCOUNT, { users: false });
    const team = nextTeam();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-adopt-'));
    dirs.push(dir);
    const result = await runCli(['import', team, '--account', `nonprod=${ACCOUNT}`, '--out', dir, ...extra]);
    assert.equal(result.code, 0, result.stderr);
    return { team, dir, ...(await load(team, dir)) };
  }
  async function load(team: string, dir: string): Promise<{ config: TeamConfig; grants: GrantSpec[] }> {
    const validation = await validateTeam({ dir, team, env: process.env, nowMs: Date.now() });
    assert.ok(validation.ok, JSON.stringify(validation.diagnostics));
    if (!validation.ok) throw new Error('unreachable');
    return { config: validation.team.config, grants: validation.team.expansion.grants };
  }
  const activeAll = async (grants: readonly GrantSpec[]) => {
    for (const grant of grants) await waitState(grant.id, 'active', 60_000);
  };
  const files = (dir: string, team: string) =>
    Object.fromEntries(
      ['aws-accounts', 'aws-policies', 'permanent-access'].map((kind) => [kind, fs.readFileSync(path.join(dir, kind, `${team}.yaml`), 'utf8')]),
    );
  const withoutCarol = (config: TeamConfig): TeamConfig => ({ ...config, permanent: config.permanent.filter((e) => !e.users.some((u) => u.name === 'carol')) });

  it("plans every imported grant as already in IAM; submitting it changes no decision of an IAM evaluator, adds only what is grantflow's, and a second import gives the same bytes", async function () {
    this.timeout(300_000);
    const { team, dir, config, grants } = await imported();
    const before = await snapshotAccount(stack.moto, ACCOUNT);
    const policiesBefore = new Map<string, IdentityPolicy[]>();
    for (const principal of IMPORTED) policiesBefore.set(principal, await identityPolicies(stack.moto, ACCOUNT, principal));

    const plan = await runCli(['plan', team, '--config', dir, '--json']);
    assert.equal(plan.code, 0, plan.stderr);
    const entries = (JSON.parse(plan.stdout) as { entries: PlanEntry[] }).entries;
    assert.equal(entries.length, grants.length);
    for (const entry of entries) assert.deepEqual([entry.action, entry.alreadyInIam], ['add', true], `${entry.principal} ${entry.policy}`);
    const table = await runCli(['plan', team, '--config', dir]);
    assert.match(table.stdout, new RegExp(`^${team}: ${grants.length} to add \\(${grants.length} already in IAM\\)`, 'm'));

    await submit(config);
    await activeAll(grants);
    const after = await snapshotAccount(stack.moto, ACCOUNT);
    assert.deepEqual(additions(before, after, team), []);
    const added = Object.keys(after.policies).filter((arn) => !(arn in before.policies));
    assert.equal(added.length, 3, `grantflow's policy for each inline policy: ${added.join(', ')}`);

    let judged = 0;
    const allowed = new Set<string>();
    for (const principal of IMPORTED) {
      const now = await identityPolicies(stack.moto, ACCOUNT, principal);
      assert.ok(now.length > policiesBefore.get(principal)!.length || principal === 'user/dave', `${principal} holds grantflow's policies too`);
      for (const [action, resource] of [...NAMED, ...SAMPLE]) {
        const was = await decide(policiesBefore.get(principal)!, principal, action, resource);
        assert.equal(await decide(now, principal, action, resource), was, `${principal} ${action} on ${resource}`);
        judged++;
        if (was === 'Allowed') allowed.add(principal);
      }
    }
    assert.equal(judged, IMPORTED.length * (NAMED.length + SAMPLE.length));
    assert.deepEqual([...allowed].sort(), [...IMPORTED].sort(), 'every principal is allowed something: the decisions are not vacuous');

    const first = files(dir, team);
    const again = await runCli(['import', team, '--account', `nonprod=${ACCOUNT}`, '--out', dir, '--force']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(files(dir, team), first, 'the import after the submission is byte-identical');
  });

  it('without adoption, removing an imported entry leaves what was there before grantflow, and status and show say why', async function () {
    this.timeout(300_000);
    const { team, config, grants } = await imported();
    await submit(config);
    await activeAll(grants);
    // status reads visibility, which indexes each grant's state a moment after the grant itself has it.
    const status = await eventually('visibility lists every grant active', async () => {
      const listed = await runCli(['status', team]);
      return /\s(pending|revoking)\s/.test(listed.stdout) ? undefined : listed;
    });
    assert.match(status.stdout, /grants? of .* also held through what was there before grantflow, which grantflow leaves in place/);
    assert.match(status.stdout, new RegExp(`user/carol nonprod \\(${ACCOUNT}\\) aws.ViewOnlyAccess: ${VIEW_ONLY.replace(/[/.]/g, '\\$&')}`));

    await submit(withoutCarol(config));
    const carols = grants.filter((g) => g.principal === 'carol');
    for (const grant of carols) await waitClosed(grant.id, 60_000);
    const carol = (await snapshotAccount(stack.moto, ACCOUNT)).users.carol!;
    assert.deepEqual(carol.attached, [VIEW_ONLY], "grantflow's policy detached, ViewOnlyAccess left attached");
    assert.deepEqual(Object.keys(carol.inline), ['no-iam'], 'the inline original left');
    const viewOnly = carols.find((g) => g.policy === 'aws.ViewOnlyAccess')!;
    const show = await runCli(['show', viewOnly.id]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(
      show.stdout,
      /before grantflow: +arn:aws:iam::aws:policy\/job-function\/ViewOnlyAccess: there before grantflow, which leaves it in place even when the grant ends \(adopt: true in the entry hands it over\)/,
    );
    const inline = await runCli(['show', carols.find((g) => g.policy === 'inline.no-iam')!.id]);
    assert.match(inline.stdout, /before grantflow: +inline policy no-iam: there before grantflow/);
  });

  it("with adoption, removing the entry removes it, and no moment passes, a worker dying halfway included, where a principal holds neither its inline original nor grantflow's policy", async function () {
    this.timeout(600_000);
    const { team, dir, config, grants } = await imported('--adopt');
    const customOf = (principal: string, policy: string) =>
      grants.find((g) => `${g.principalType}/${g.principal}` === principal && g.policy === policy)!.customPolicyArn!;
    const originals: [string, string, string][] = [
      ['user/alice', 's3-logs', customOf('user/alice', 'inline.s3-logs')],
      ['user/bob', 's3-logs', customOf('user/bob', 'inline.s3-logs')],
      ['user/carol', 'no-iam', customOf('user/carol', 'inline.no-iam')],
      ['role/ci-deployer', 'deploy', customOf('role/ci-deployer', 'inline.deploy')],
    ];
    // Sample IAM all along: each principal holds its inline original or grantflow's policy holding the same statements.
    const gaps: string[] = [];
    let sampling = true;
    let samples = 0;
    const sampler = (async () => {
      while (sampling) {
        const now = await snapshotAccount(stack.moto, ACCOUNT);
        samples++;
        for (const [principal, inline, custom] of originals) {
          const [kind, name] = principal.split('/') as ['user' | 'role', string];
          const held = kind === 'user' ? now.users[name]! : now.roles[name]!;
          if (!(inline in held.inline) && !held.attached.includes(custom)) gaps.push(`${principal} held neither ${inline} nor ${custom} (sample ${samples})`);
        }
      }
    })();
    stack.proxy.record(['AttachUserPolicy', 'AttachRolePolicy', 'DeleteUserPolicy', 'DeleteRolePolicy']);
    // The role's delete fails until the worker has died and come back: its grant waits, its new policy attached.
    stack.proxy.setFaults({ rate: 1, kinds: ['server-error'], only: ({ action }) => action === 'DeleteRolePolicy' });
    try {
      await submit(config);
      await activeAll(grants.filter((g) => g.principalType === 'user'));
      const role = grants.find((g) => g.principalType === 'role')!;
      await eventually("the role's adoption fails", async () => ((await grantStatus(stack.client, role.id)).lastError ? true : undefined), 60_000);
      await stack.stopWorker();
      const halfway = (await snapshotAccount(stack.moto, ACCOUNT)).roles['ci-deployer']!;
      assert.deepEqual(
        [Object.keys(halfway.inline), halfway.attached],
        [['deploy'], [role.customPolicyArn]],
        "halfway: both the original and grantflow's policy",
      );
      stack.proxy.setFaults(undefined);
      await stack.startWorker();
      await waitState(role.id, 'active', 180_000);
    } finally {
      sampling = false;
      await sampler;
      stack.proxy.setFaults(undefined);
    }
    assert.deepEqual(gaps, []);
    assert.ok(samples > 5, `IAM sampled ${samples} times`);
    // The recorded calls: every delete of an original came after grantflow's policy was attached to that principal.
    const events = stack.proxy.events().filter((e) => e.status === 200);
    for (const [principal, inline, custom] of originals) {
      const [kind, name] = principal.split('/');
      const who = (e: (typeof events)[number]) => (kind === 'user' ? e.user === name : e.role === name);
      const attached = events.findIndex((e) => who(e) && e.action.startsWith('Attach') && e.policy === custom);
      const deleted = events.findIndex((e) => who(e) && e.action.startsWith('Delete') && e.policyName === inline);
      assert.ok(attached >= 0 && deleted > attached, `${principal}: ${inline} deleted (call ${deleted}) after ${custom} attached (call ${attached})`);
    }

    const after = await snapshotAccount(stack.moto, ACCOUNT);
    for (const [principal, inline] of originals) {
      const [kind, name] = principal.split('/') as ['user' | 'role', string];
      assert.equal(inline in (kind === 'user' ? after.users[name]! : after.roles[name]!).inline, false, `${principal}: ${inline} adopted`);
    }
    assert.equal(after.users.alice!.tags[markerKey(READ_ONLY)], READ_ONLY, "ReadOnlyAccess is grantflow's now: marked");
    const dev = devAccessArn(ACCOUNT);
    assert.ok(after.users.alice!.attached.includes(dev), "the customer-managed policy stays, grantflow's now");

    await submit(withoutCarol(config));
    for (const grant of grants.filter((g) => g.principal === 'carol')) await waitClosed(grant.id, 60_000);
    assert.deepEqual(
      (await snapshotAccount(stack.moto, ACCOUNT)).users.carol,
      { attached: [], inline: {}, tags: {} },
      'removing the adopted entry revoked it all',
    );
    const show = await runCli(['show', grants.find((g) => g.principal === 'alice' && g.policy === 'inline.s3-logs')!.id]);
    assert.match(show.stdout, /adopted: +inline policy s3-logs: deleted once grantflow's policy holding its statements was attached/);
    assert.ok(fs.existsSync(path.join(dir, 'permanent-access', `${team}.yaml`)));
  });

  it('with a deployer policy older than adoption, takes nothing away, says why, and adopts once the role may', async function () {
    this.timeout(300_000);
    const { config, grants } = await imported('--adopt');
    stack.proxy.setFaults({ rate: 1, kinds: ['deny'], only: ({ action }) => action === 'DeleteUserPolicy' || action === 'DeleteRolePolicy' });
    try {
      await submit(config);
      await activeAll(grants);
      const carol = grants.find((g) => g.principal === 'carol' && g.policy === 'inline.no-iam')!;
      const status = await grantStatus(stack.client, carol.id);
      assert.equal(status.adopted?.inline?.outcome, 'failed');
      assert.match(status.adopted!.error!, /DeleteUserPolicy/);
      assert.ok('no-iam' in (await snapshotAccount(stack.moto, ACCOUNT)).users.carol!.inline, 'the original stays');
      const show = await runCli(['show', carol.id]);
      assert.match(
        show.stdout,
        /adopted: +inline policy no-iam: kept: adoption failed \(below\); stopped short, nothing taken away \(the next apply tries again\): /,
      );
    } finally {
      stack.proxy.setFaults(undefined);
    }
    await submit(config);
    await eventually(
      'the next apply adopts',
      async () => ('no-iam' in (await snapshotAccount(stack.moto, ACCOUNT)).users.carol!.inline ? undefined : true),
      60_000,
    );
  });
});
