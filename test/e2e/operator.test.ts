// End to end, off the happy path: what the command line tells an operator when a grant fails, and
// the views that say why (dev server, moto, worker and every CLI call as processes).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startProcess, type Managed } from '../../src/local/processes';
import { eventually, startStack, type Stack } from '../harness/stack';
import { runBin } from '../harness/cli';

const BIN = path.resolve(__dirname, '../../../bin/grantflow.js');
const NONPROD = '111111111111';

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function writeTeam(dir: string, team: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    const full = path.join(dir, file.replace('TEAM', team));
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
}

describe('grantflow command line off the happy path (dev server, moto, worker and CLI as processes)', function () {
  let stack: Stack;
  let worker: Managed;
  let configDir: string;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runBin(args, env);

  before(async () => {
    stack = await startStack({ worker: false });
    // alice exists; bob, whom the YAML names too, does not.
    await stack.moto.createUsers(NONPROD, ['alice']);
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-e2e-operator-'));
    writeTeam(configDir, 'beta', {
      'aws-accounts/TEAM.yaml': `aws-accounts:\n  nonprod: "${NONPROD}"\n`,
      'aws-policies/TEAM.yaml': [
        'aws-policies:',
        '  reader:',
        '    description: "Read only, with a misspelt managed policy"',
        '    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAcess"]',
        '  lister:',
        '    description: "List buckets"',
        '    custom_statements:',
        '      - effect: Allow',
        '        actions: ["s3:ListBucket"]',
        '        resources: ["*"]',
        '',
      ].join('\n'),
      'permanent-access/TEAM.yaml': [
        'permanent-access:',
        '  - description: Listers',
        '    users: [alice@example.com, bob@example.com]',
        '    environments: [nonprod]',
        '    grants: [lister]',
        '  - description: Readers',
        '    users: [alice@example.com]',
        '    environments: [nonprod]',
        '    grants: [reader]',
        '',
      ].join('\n'),
    });
    // No propagation window (moto is consistent at once): "does not exist" is final at the first answer,
    // so the first answer submit waits for is the failure, however busy the machine.
    env = { ...stack.env, GRANTFLOW_CONFIG: configDir, GRANTFLOW_SUBMITTED_BY: 'e2e', GRANTFLOW_IAM_PROPAGATION_WAIT: '0s' };
    worker = startProcess(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env } });
    await eventually('worker polling', async () => (worker.output().includes('polling task queue') ? true : undefined), 60_000);
  });
  after(async () => {
    await worker?.stop();
    await stack?.stop();
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  const bobId = `grantflow/beta/${NONPROD}/user/bob/lister`;
  const aliceReaderId = `grantflow/beta/${NONPROD}/user/alice/reader`;

  it('submit reports the grants that failed, with the IAM message and the fix, and exits 1', async () => {
    const summaryFile = path.join(configDir, 'step-summary.md');
    const result = await runBin(['submit', 'beta'], { ...env, GITHUB_STEP_SUMMARY: summaryFile });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /submitted beta: 3 added/);
    // validate warned before anything was sent, with a suggestion.
    assert.match(result.stderr, /ReadOnlyAcess is not an AWS managed policy that grantflow knows[^\n]*did you mean arn:aws:iam::aws:policy\/ReadOnlyAccess\?/);
    assert.match(result.stdout, /2 grants not in IAM:/);
    assert.match(
      result.stdout,
      new RegExp(
        `failed: ${bobId}: IAM user bob does not exist in account nonprod \\(${NONPROD}\\)[^\\n]*create it with \`aws iam create-user --user-name bob\``,
      ),
    );
    assert.match(
      result.stdout,
      new RegExp(`failed: ${aliceReaderId}: managed policy arn:aws:iam::aws:policy/ReadOnlyAcess does not exist[^\\n]*fix the ARN in aws-policies`),
    );
    const summary = fs.readFileSync(summaryFile, 'utf8');
    assert.match(summary, /### grantflow submit: beta/);
    assert.match(summary, new RegExp(`failed: ${bobId}: IAM user bob does not exist`));
  });

  it('a second submission says so again, in its JSON too, and --wait prints each reason', async () => {
    const json = await cli('submit', 'beta', '--json');
    assert.equal(json.code, 1, json.stderr);
    const parsed = JSON.parse(json.stdout) as { errors: string[]; failed: { id: string; reason: string }[] };
    assert.deepEqual(parsed.failed.map((f) => f.id).sort(), [bobId, aliceReaderId].sort());
    assert.equal(parsed.errors.length, 2);

    const wait = await cli('submit', 'beta', '--wait');
    assert.equal(wait.code, 1, wait.stderr);
    assert.match(wait.stderr, /submit: 1\/3 grants active, 2 failed/);
    assert.match(wait.stdout, new RegExp(`failed: ${bobId}: IAM user bob does not exist`));
    assert.match(wait.stdout, new RegExp(`failed: ${aliceReaderId}: managed policy arn:aws:iam::aws:policy/ReadOnlyAcess does not exist`));
  });

  it('plan shows a changed policy document as update, and exits 3 when it cannot read IAM', async () => {
    const file = path.join(configDir, 'aws-policies/beta.yaml');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, original.replace('actions: ["s3:ListBucket"]', 'actions: ["s3:ListBucket", "s3:GetBucketLocation"]'));
    try {
      const plan = await cli('plan', 'beta');
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(
        plan.stdout,
        /update\s+user\/alice\s+nonprod \(111111111111\)\s+lister\s+permanent\s+-\s+policy document changes: grantflow\.beta\.lister gets a new default version/,
      );
      assert.match(plan.stdout, /1 to update, 0 to keep/);
    } finally {
      fs.writeFileSync(file, original);
    }
    const unchanged = await cli('plan', 'beta');
    assert.match(unchanged.stdout, /keep\s+user\/alice\s+nonprod \(111111111111\)\s+lister/);

    const noCredentials = await runBin(['plan', 'beta'], {
      ...env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_SHARED_CREDENTIALS_FILE: path.join(configDir, 'no-such-credentials'),
      AWS_CONFIG_FILE: path.join(configDir, 'no-such-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    assert.equal(noCredentials.code, 3, noCredentials.stdout + noCredentials.stderr);
    assert.match(noCredentials.stderr, /cannot read .* from IAM, so there is no plan/);
    assert.doesNotMatch(noCredentials.stdout, /drifted/);
  });

  it('plan confirms that a customer-managed policy ARN exists in the account, naming the one that does not', async () => {
    const file = path.join(configDir, 'aws-policies/beta.yaml');
    const original = fs.readFileSync(file, 'utf8');
    const missing = `arn:aws:iam::${NONPROD}:policy/team/NoSuchPolicy`;
    fs.writeFileSync(file, original.replace('    custom_statements:', `    managed_policies: ["${missing}"]\n    custom_statements:`));
    try {
      const plan = await cli('plan', 'beta');
      assert.equal(plan.code, 1, plan.stdout + plan.stderr);
      assert.match(
        plan.stderr,
        new RegExp(
          `error: customer-managed policy ${missing.replace(/[/.]/g, '\\$&')} \\(policy lister, granted at permanent-access/beta.yaml:\\d+\\) does not exist in nonprod \\(${NONPROD}\\); create it there or fix the ARN`,
        ),
      );
    } finally {
      fs.writeFileSync(file, original);
    }
    const fixed = await cli('plan', 'beta');
    assert.doesNotMatch(fixed.stderr, /customer-managed policy .* does not exist/);
  });

  it('restore exits 1 for a grant that was never revoked or never existed', async () => {
    const failed = await cli('restore', bobId);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.match(failed.stderr, /was not revoked early/);
    const never = await cli('restore', `grantflow/beta/${NONPROD}/user/nobody/lister`);
    assert.equal(never.code, 1, never.stdout + never.stderr);
    assert.match(never.stderr, /was not revoked early \(no run within retention\)/);
  });

  it('status takes the principal as it prints it, a grant id, and says when a team was never submitted', async () => {
    const byForm = await cli('status', 'beta', '--user', 'user/alice');
    assert.equal(byForm.code, 0, byForm.stderr);
    assert.match(byForm.stdout, /^1 live grant of beta$/m);
    assert.match(byForm.stdout, /user\/alice\s+nonprod \(111111111111\)\s+lister/);
    const asRole = await cli('status', 'beta', '--user', 'role/alice');
    assert.match(asRole.stdout, /^0 live grants of beta$/m);
    const byId = await cli('status', bobId);
    assert.equal(byId.code, 0, byId.stderr);
    assert.match(byId.stdout, /^0 live grants of grantflow\/beta\/111111111111\/user\/bob\/lister$/m);
    assert.match(byId.stdout, /^1 grant of \S+ failed \(not in IAM\):$/m);
    assert.doesNotMatch(byId.stdout, /alice/);
    const none = await cli('status', 'no-such-team');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /team no-such-team has no reconcile workflow/);
  });

  it('status lists the failed grants with their last error, and --ended the others', async () => {
    const status = await cli('status', 'beta');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^1 live grant of beta$/m);
    assert.match(status.stdout, /^2 grants of beta failed \(not in IAM\):$/m);
    assert.match(status.stdout, /last error: IAM user bob does not exist/);
    assert.match(status.stdout, /last error: managed policy arn:aws:iam::aws:policy\/ReadOnlyAcess does not exist/);
    const json = JSON.parse((await cli('status', 'beta', '--json')).stdout) as { id: string; status: string; lastError?: string }[];
    assert.equal(json.find((g) => g.id === bobId)?.status, 'COMPLETED');
    assert.match(json.find((g) => g.id === bobId)?.lastError ?? '', /bob does not exist/);

    const aliceLister = `grantflow/beta/${NONPROD}/user/alice/lister`;
    const revoke = await cli('revoke', aliceLister, '--reason', 'offboarded');
    assert.equal(revoke.code, 0, revoke.stderr);
    const plain = await cli('status', 'beta');
    assert.match(plain.stdout, /^0 live grants of beta$/m);
    assert.doesNotMatch(plain.stdout, /ended since/);
    const ended = await cli('status', 'beta', '--ended');
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stdout, /^1 grant of beta ended since /m);
    assert.match(ended.stdout, /user\/alice nonprod \(111111111111\) lister: early by e2e at \S+ \(offboarded\)/);
  });

  it('show prints one grant in full: memo, how it ended, its state changes; --json too', async () => {
    const aliceLister = `grantflow/beta/${NONPROD}/user/alice/lister`;
    const show = await cli('show', aliceLister);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`^grant ${aliceLister}$`, 'm'));
    assert.match(show.stdout, /^ {2}state:\s+revoked \(workflow completed\)$/m);
    assert.match(show.stdout, /^ {2}principal:\s+user\/alice \(written alice@example\.com\)$/m);
    assert.match(show.stdout, /^ {2}account:\s+nonprod \(111111111111\)$/m);
    assert.match(show.stdout, /^ {2}policy:\s+lister \(permanent\)$/m);
    assert.match(show.stdout, /^ {2}source:\s+permanent-access\/beta\.yaml:2$/m);
    assert.match(show.stdout, /^ {2}submitted by:\s+e2e$/m);
    assert.match(show.stdout, /^ {2}ended:\s+early by e2e at \S+$/m);
    assert.match(show.stdout, /^ {2}end reason:\s+offboarded$/m);
    assert.match(show.stdout, /^ {2}revoke attempts:\s+\d+$/m);
    const states = [...show.stdout.matchAll(/^ {2}\S+Z {2}(pending|active|revoking|revoked|failed) {2}\(run/gm)].map((m) => m[1]);
    assert.deepEqual(states, ['pending', 'active', 'revoking', 'revoked']);

    const failed = JSON.parse((await cli('show', bobId, '--json')).stdout) as {
      state: string;
      memo: { endReason?: string };
      stateChanges: { state: string }[];
    };
    assert.equal(failed.state, 'failed');
    assert.match(failed.memo.endReason ?? '', /IAM user bob does not exist/);
    assert.equal(failed.stateChanges.at(-1)?.state, 'failed');

    const missing = await cli('show', `grantflow/beta/${NONPROD}/user/nobody/lister`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no grant grantflow\/beta\/111111111111\/user\/nobody\/lister within the namespace's retention/);
  });

  it('submit --wait with no worker on the task queue ends at its timeout, saying what it waited for', async () => {
    writeTeam(configDir, 'gamma', {
      'aws-accounts/TEAM.yaml': `aws-accounts:\n  nonprod: "${NONPROD}"\n`,
      'aws-policies/TEAM.yaml':
        'aws-policies:\n  lister:\n    description: "List"\n    custom_statements:\n      - effect: Allow\n        actions: ["s3:ListBucket"]\n        resources: ["*"]\n',
      'permanent-access/TEAM.yaml':
        'permanent-access:\n  - description: Listers\n    users: [alice@example.com]\n    environments: [nonprod]\n    grants: [lister]\n',
    });
    const result = await runBin(['submit', 'gamma', '--wait', '--timeout', '5s'], { ...env, GRANTFLOW_TASK_QUEUE: 'grantflow-nobody-polls' });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(
      result.stderr,
      /no answer within 5s while waiting for the reconcile workflow of gamma to take the submission \(a worker on task queue grantflow-nobody-polls runs it/,
    );
    assert.match(result.stderr, /start one \(`grantflow worker`\)/);
  });

  it('history and doctor end at their --timeout when Temporal answers too slowly, saying what they waited for', async () => {
    // No call to Temporal answers within a millisecond: the deadline is what ends both.
    const history = await cli('history', '--timeout', '1ms');
    assert.equal(history.code, 1, history.stdout + history.stderr);
    assert.match(history.stderr, /no answer within 1ms while waiting for the grant runs from Temporal's visibility\. No worker is involved/);
    const doctor = await cli('doctor', '--timeout', '1ms');
    assert.equal(doctor.code, 1, doctor.stdout + doctor.stderr);
    assert.match(doctor.stderr, /no answer within 1ms while waiting for the checks of Temporal \(connection, namespace/);
    const usage = await cli('history', '--timeout', 'soon');
    assert.equal(usage.code, 2, usage.stderr);
    assert.match(usage.stderr, /--timeout: "soon" is not a duration/);
  });

  it('replacing a grant whose start_date is ahead does not hold up the team', async () => {
    const entry = (until: string) =>
      `temporary-access:\n  - description: Later\n    user: alice@example.com\n    environment: nonprod\n    grant: lister\n    start_date: ${inDays(2)}\n    expiration_date: ${until}\n    ticket: OPS-7\n`;
    writeTeam(configDir, 'delta', {
      'aws-accounts/TEAM.yaml': `aws-accounts:\n  nonprod: "${NONPROD}"\n`,
      'aws-policies/TEAM.yaml':
        'aws-policies:\n  lister:\n    description: "List"\n    custom_statements:\n      - effect: Allow\n        actions: ["s3:ListBucket"]\n        resources: ["*"]\n',
      'temporary-access/TEAM.yaml': entry(inDays(3)),
    });
    const first = await cli('submit', 'delta', '--timeout', '60s');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stderr, /1 scheduled/);
    fs.writeFileSync(path.join(configDir, 'temporary-access/delta.yaml'), entry(inDays(4)));
    // A bound the submission must finish within: it does not wait for a grant that cannot be active before its start.
    const second = await cli('submit', 'delta', '--timeout', '60s');
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(
      second.stdout,
      new RegExp(`~ grantflow/delta/${NONPROD}/user/alice/lister/until/${inDays(4)}T23:59:59Z is not active yet; the grant it replaces stays until it is`),
    );
    const cleanup = await cli('cleanup', 'delta', '--timeout', '60s');
    assert.equal(cleanup.code, 0, cleanup.stdout + cleanup.stderr);
    const status = await cli('status', 'delta', '--timeout', '30s');
    assert.match(status.stdout, /^2 live grants of delta$/m);
  });

  it('status filters by account, environment, state and kind; teams lists every team', async () => {
    writeTeam(configDir, 'epsilon', {
      'aws-accounts/TEAM.yaml': `aws-accounts:\n  nonprod: "${NONPROD}"\n`,
      'aws-policies/TEAM.yaml':
        'aws-policies:\n  lister:\n    description: "List"\n    custom_statements:\n      - effect: Allow\n        actions: ["s3:ListBucket"]\n        resources: ["*"]\n',
      'permanent-access/TEAM.yaml':
        'permanent-access:\n  - description: Listers\n    users: [alice@example.com]\n    environments: [nonprod]\n    grants: [lister]\n',
    });
    const submit = await cli('submit', 'epsilon', '--wait', '--timeout', '60s');
    assert.equal(submit.code, 0, submit.stdout + submit.stderr);

    const ids = async (...args: string[]) => {
      const result = await cli('status', ...args, '--json');
      assert.equal(result.code, 0, result.stderr);
      return (JSON.parse(result.stdout) as { id: string; status: string }[])
        .filter((g) => g.status === 'RUNNING')
        .map((g) => g.id)
        .sort();
    };
    const delta = (await ids('delta')).filter((id) => id.includes('/until/'));
    assert.equal(delta.length, 2);
    assert.deepEqual(await ids('--kind', 'temporary'), delta);
    assert.deepEqual(await ids('--env', 'nonprod', '--state', 'pending'), delta);
    assert.deepEqual(await ids('--state', 'active', '--user', 'alice'), [`grantflow/epsilon/${NONPROD}/user/alice/lister`]);
    assert.deepEqual(await ids('--account', '222222222222'), []);
    assert.equal((await ids('--account', NONPROD, '--kind', 'permanent')).length, 1);
    const bad = await cli('status', '--state', 'asleep');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--state: "asleep" is not one of pending, active, revoking, revoked, failed/);

    const teams = await cli('teams');
    assert.equal(teams.code, 0, teams.stderr);
    for (const team of ['beta', 'delta', 'epsilon']) assert.match(teams.stdout, new RegExp(`^${team}\\s+yes\\s+running\\s+\\d+\\s+`, 'm'));
    assert.match(teams.stdout, /^epsilon\s+yes\s+running\s+1\s+\S+ by e2e$/m);
    assert.match(teams.stdout, /^\d+ teams: \d+ in /m);
  });

  it('offboarding: revoke --user --all-teams revokes every live grant of the user in every team, each sticky, and lists them', async () => {
    const usage = await cli('revoke', 'beta', '--user', 'alice', '--all-teams', '--reason', 'x');
    assert.equal(usage.code, 2);
    const result = await cli('revoke', '--user', 'alice@example.com', '--all-teams', '--reason', 'left the company');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const revoked = [...result.stdout.matchAll(/^revoked: (\S+)$/gm)].map((m) => m[1]!).sort();
    assert.equal(revoked.length, 3);
    assert.deepEqual([...new Set(revoked.map((id) => id.split('/')[1]))].sort(), ['delta', 'epsilon']);
    assert.match(result.stdout, /alice@example\.com: revoked 3 grants in 2 teams \(delta, epsilon\)/);
    const live = await cli('status', '--user', 'alice', '--json');
    assert.deepEqual(
      (JSON.parse(live.stdout) as { status: string }[]).filter((g) => g.status === 'RUNNING'),
      [],
    );
    // Sticky: the team's next submission leaves it revoked.
    const again = await cli('submit', 'epsilon');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /1 left revoked \(early revocation\)/);
  });
});
