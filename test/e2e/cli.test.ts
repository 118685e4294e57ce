// End to end with real processes: the Temporal dev server, moto, `grantflow worker` as a child
// process, and every CLI command as a child process, as CI and operators run them.
import assert from 'node:assert/strict';
import { customPolicyArn } from '../../src/core/names';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DetachUserPolicyCommand } from '@aws-sdk/client-iam';
import { DAY_MS } from '../../src/core/time';
import { startProcess, type Managed } from '../../src/local/processes';
import { protoDuration } from '../../src/temporal/proto-time';
import { snapshotAccount } from '../harness/iam-snapshot';
import { eventually, startStack, type Stack } from '../harness/stack';
import { READ_ONLY } from '../harness/team';
import { runBin } from '../harness/cli';

const BIN = path.resolve(__dirname, '../../../bin/grantflow.js');
const NONPROD = '111111111111';
const PROD = '222222222222';

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function writeConfig(dir: string, temporaryDays = 2): void {
  const files: Record<string, string> = {
    'aws-accounts/e2e.yaml': `aws-accounts:\n  nonprod: "${NONPROD}"\n  prod: "${PROD}"\n`,
    'aws-policies/e2e.yaml': [
      'aws-policies:',
      '  reader:',
      '    description: "Read only"',
      '    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]',
      '    custom_statements:',
      '      - effect: Allow',
      '        actions: ["s3:ListBucket"]',
      '        resources: ["*"]',
      '',
    ].join('\n'),
    'permanent-access/e2e.yaml':
      'permanent-access:\n  - description: Readers\n    users: [alice@example.com]\n    environments: [nonprod]\n    grants: [reader]\n',
    'temporary-access/e2e.yaml': `temporary-access:\n  - description: Debug\n    user: bob@example.com\n    environment: prod\n    grant: reader\n    expiration_date: ${inDays(temporaryDays)}\n    ticket: OPS-1\n`,
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

describe('grantflow command line, end to end (dev server, moto, worker and CLI as processes)', function () {
  let stack: Stack;
  let worker: Managed;
  let configDir: string;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runBin(args, env);
  const iam = async (account: string) => snapshotAccount(stack.moto, account);
  const workflowCount = async () => {
    let n = 0;
    for await (const _ of stack.client.workflow.list()) n++;
    return n;
  };

  before(async () => {
    stack = await startStack({ worker: false });
    await stack.moto.createUsers(NONPROD, ['alice']);
    await stack.moto.createUsers(PROD, ['bob']);
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-e2e-'));
    writeConfig(configDir);
    env = { ...stack.env, GRANTFLOW_CONFIG: configDir, GRANTFLOW_SUBMITTED_BY: 'e2e' };
    worker = startProcess(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env } });
    await eventually('worker polling', async () => (worker.output().includes('polling task queue') ? true : undefined), 60_000);
  });
  after(async () => {
    await worker?.stop();
    await stack?.stop();
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  it('refuses a bad config with exit 1 and changes nothing in IAM or Temporal', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-e2e-bad-'));
    writeConfig(bad);
    fs.writeFileSync(
      path.join(bad, 'permanent-access/e2e.yaml'),
      'permanent-access:\n  - description: Readers\n    users: [alice@example.com]\n    environments: [nonprod]\n    grants: [reader, writer]\n',
    );
    const before = { workflows: await workflowCount(), nonprod: await iam(NONPROD), prod: await iam(PROD), calls: stack.proxy.counts() };
    for (const command of ['submit', 'plan']) {
      const result = await runBin([command, 'e2e', '--config', bad], env);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /permanent-access\/e2e\.yaml:5:\d+: error: unknown policy "writer"/);
      assert.match(result.stderr, /nothing was sent to AWS or Temporal/);
    }
    assert.equal(await workflowCount(), before.workflows);
    assert.deepEqual(await iam(NONPROD), before.nonprod);
    assert.deepEqual(await iam(PROD), before.prod);
    const after = stack.proxy.counts();
    // The snapshots above read IAM directly; grantflow itself sent nothing through the proxy.
    assert.deepEqual(after, before.calls);
  });

  it('refuses a submission without the signing key: the worker says why, exit 1, and nothing changes in IAM', async () => {
    const before = { nonprod: await iam(NONPROD), prod: await iam(PROD) };
    // Empty, not absent: the child inherits this process's environment, where another stack's key may be.
    const result = await runBin(['submit', 'e2e'], { ...env, GRANTFLOW_SIGNING_KEY: '', GRANTFLOW_SIGNING_KEY_FILE: '' });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /submit: no signing key .*the submission is unsigned/);
    assert.match(result.stderr, /error: the reconcile workflow refused the submission: refused, nothing changed: the submission of team e2e is not signed/);
    assert.deepEqual(await iam(NONPROD), before.nonprod);
    assert.deepEqual(await iam(PROD), before.prod);
  });

  it('submits and waits, printing progress, then lists the grants with status', async () => {
    const summaryFile = path.join(configDir, 'step-summary.md');
    const result = await runBin(['submit', 'e2e', '--wait'], { ...env, GITHUB_STEP_SUMMARY: summaryFile });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /submitted e2e: 2 added, 0 replaced, 0 revoked, 0 kept/);
    assert.match(result.stderr, /submit: 2\/2 grants active/);
    assert.match(fs.readFileSync(summaryFile, 'utf8'), /### grantflow submit: e2e/);
    assert.deepEqual((await iam(NONPROD)).users.alice!.attached, [READ_ONLY, customPolicyArn('aws', NONPROD, 'e2e', 'reader')].sort());

    const status = await cli('status', 'e2e');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /user\/alice\s+nonprod \(111111111111\)\s+reader\s+permanent\s+active\s+never \(permanent\)/);
    assert.match(status.stdout, /user\/bob\s+prod \(222222222222\)\s+reader\s+temporary\s+active\s+\d{4}-\d\d-\d\dT23:59:59Z \(in /);
    const json = JSON.parse((await cli('status', 'e2e', '--user', 'bob@example.com', '--json')).stdout) as {
      principal: string;
      state: string;
      memo: { ticket?: string };
    }[];
    assert.deepEqual(
      json.map((g) => [g.principal, g.state, g.memo.ticket]),
      [['bob', 'active', 'OPS-1']],
    );
  });

  it('plans after a hand-made drift, and the next submission repairs it', async () => {
    const client = await stack.moto.iamIn(NONPROD);
    await client.send(new DetachUserPolicyCommand({ UserName: 'alice', PolicyArn: READ_ONLY }));
    client.destroy();
    const summaryFile = path.join(configDir, 'plan-summary.md');
    const plan = await runBin(['plan', 'e2e'], { ...env, GITHUB_STEP_SUMMARY: summaryFile });
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /keep\s+user\/alice\s+nonprod \(111111111111\)\s+reader\s+permanent\s+-\s+drift: ReadOnlyAccess detached/);
    assert.match(plan.stdout, /0 to add, 0 to replace, 0 to revoke, 0 to update, 2 to keep \(1 drifted\)/);
    assert.match(plan.stdout, /AWS denies after expiry \(DateLessThan aws:CurrentTime\): inline grantflow\.e2e\.reader\./);
    assert.match(plan.stdout, /grantflow's workflow detaches at expiry: ReadOnlyAccess/);
    assert.match(fs.readFileSync(summaryFile, 'utf8'), /\| keep \| user\/alice \|/);
    const dry = await cli('submit', 'e2e', '--dry-run', '--json');
    assert.equal(dry.code, 0);
    assert.equal((JSON.parse(dry.stdout) as { entries: unknown[] }).entries.length, 2);

    const submit = await cli('submit', 'e2e');
    assert.equal(submit.code, 0, submit.stderr);
    await eventually('drift repaired', async () => ((await iam(NONPROD)).users.alice!.attached.includes(READ_ONLY) ? true : undefined), 20_000);
  });

  it('revokes by team and user, sticks on the next submission, and restore brings it back', async () => {
    const revoke = await cli('revoke', 'e2e', '--user', 'bob@example.com', '--reason', 'incident closed');
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.match(revoke.stdout, /^revoked: grantflow\/e2e\/222222222222\/user\/bob\/reader\/until\//m);
    assert.deepEqual((await iam(PROD)).users.bob, { attached: [], inline: {}, tags: {} });

    const again = await cli('submit', 'e2e');
    assert.match(again.stdout, /1 left revoked \(early revocation\)/);
    const grantId = /! (\S+) stays revoked/.exec(again.stdout)![1]!;
    assert.deepEqual((await iam(PROD)).users.bob, { attached: [], inline: {}, tags: {} });

    const restore = await cli('restore', grantId);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /restored by e2e and granted again/);
    await eventually('bob has access again', async () => (Object.keys((await iam(PROD)).users.bob!.inline).length === 1 ? true : undefined), 20_000);

    const byId = await cli('revoke', grantId, '--reason', 'done');
    assert.equal(byId.code, 0, byId.stderr);
    const missingReason = await cli('revoke', grantId);
    assert.equal(missingReason.code, 2);
    assert.match(missingReason.stderr, /--reason is required/);
  });

  it('cleans up what a terminated grant left behind (dry run first)', async () => {
    const status = JSON.parse((await cli('status', 'e2e', '--json')).stdout) as { id: string; principal: string }[];
    const alice = status.find((g) => g.principal === 'alice')!;
    await stack.client.workflow.getHandle(alice.id).terminate('e2e: terminated from outside');
    const dry = await cli('cleanup', 'e2e', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`would clean up terminated grant ${alice.id.replace(/[./]/g, '\\$&')}`));
    assert.ok((await iam(NONPROD)).users.alice!.attached.length > 0, 'a dry run changes nothing');
    const real = await cli('cleanup', 'e2e');
    assert.equal(real.code, 0, real.stderr);
    // What the clean-up after the terminated grant detached counts too (ReadOnlyAccess and the team's reader policy).
    assert.match(real.stdout, /e2e: removed 2 IAM objects \(2 of them left by 1 terminated grant\)/);
    assert.deepEqual((await iam(NONPROD)).users.alice, { attached: [], inline: {}, tags: {} });
  });

  it('doctor passes on this stack and catches a 1-day retention', async () => {
    const ok = await cli('doctor', 'e2e');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /\[ok\] retention: 8d \(needs more than 7d\)/);
    assert.match(
      ok.stdout,
      /\[ok\] catalogues: actions: @cloud-copilot\/iam-data [\d.]+, data of \d{4}-\d{2}-\d{2}; AWS managed policies: \d+ from moto [\d.]+ .*, as of \d{4}-\d{2}-\d{2}/,
    );
    assert.match(ok.stdout, /\[ok\] account nonprod \(111111111111\): assumed AWSSelfServeDeployer/);
    assert.match(ok.stdout, /\[ok\] trust: every worker polling the task queue applies signed submissions only/);
    assert.match(ok.stdout, /\[warn\] refused submission of e2e: \S+: refused, nothing changed: the submission of team e2e is not signed/);

    await stack.client.workflowService.updateNamespace({ namespace: 'default', config: { workflowExecutionRetentionTtl: protoDuration(DAY_MS) } });
    try {
      const short = await cli('doctor', 'e2e');
      assert.equal(short.code, 1);
      assert.match(short.stdout, /\[FAIL\] retention: namespace default keeps closed workflows 1d; grantflow needs more than 7d/);
    } finally {
      await stack.client.workflowService.updateNamespace({ namespace: 'default', config: { workflowExecutionRetentionTtl: protoDuration(8 * DAY_MS) } });
    }
  });

  it('exits 3 when Temporal is unreachable and 2 on a usage error', async () => {
    const down = await runBin(['status'], { ...env, TEMPORAL_ADDRESS: '127.0.0.1:9' });
    assert.equal(down.code, 3, down.stderr);
    assert.match(down.stderr, /cannot reach Temporal at 127\.0\.0\.1:9/);
    const usage = await cli('status', '--bogus');
    assert.equal(usage.code, 2);
    const help = await cli('submit', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: grantflow submit <team>/);
    const none = await cli();
    assert.equal(none.code, 2, 'no command is a usage error');
    assert.match(none.stderr, /which command\?[\s\S]*submit/);
  });

  it('submit waits out a worker that is down and comes back within --timeout, saying so, and succeeds', async () => {
    await worker.stop(30_000);
    const submitting = runBin(['submit', 'e2e', '--timeout', '3m'], env, 240_000);
    // Longer than the server lets one query wait for a worker (30 s): the first query fails, and submit asks again.
    await new Promise((resolve) => setTimeout(resolve, 40_000));
    worker = startProcess(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env } });
    const result = await submitting;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /submit: waiting for a worker on task queue \S+ to answer/);
    assert.match(result.stdout, /submitted e2e: /);
    assert.ok((await iam(NONPROD)).users.alice!.attached.includes(READ_ONLY), 'the submission was applied');
  });

  it('stops the worker gracefully on SIGTERM', async () => {
    await worker.stop(30_000);
    assert.equal(worker.child.exitCode, 0, worker.output());
    assert.match(worker.output(), /worker: SIGTERM received; finishing tasks in hand and stopping/);
    assert.match(worker.output(), /worker: stopped/);
  });
});
