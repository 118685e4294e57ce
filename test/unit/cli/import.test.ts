// The command line of import and adopt, offline: what import refuses before it reads any account
// (bad --account, a team name IAM names cannot hold, the team's files there already), and adopt,
// which writes adopt: true on a team's entries, validated, and nothing else.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../../harness/cli';
import { BASE, writeTeam } from '../../harness/config-dir';

describe('grantflow import, before it reads IAM', function () {
  const usage: [string, string[], RegExp][] = [
    ['an account that is not ENV=ID', ['--account', 'prod'], /--account: "prod" is not ENV=ID with a 12-digit account id/],
    ['an account id of 11 digits', ['--account', 'prod=12345678901'], /is not ENV=ID with a 12-digit account id/],
    ['an environment name IAM names cannot hold', ['--account', 'pr od=123456789012'], /environment "pr od" may contain only/],
    ['one environment twice', ['--account', 'prod=123456789012', '--account', 'prod=210987654321'], /environment prod is given twice/],
    ['one account twice', ['--account', 'prod=123456789012', '--account', 'dev=123456789012'], /account 123456789012 is given twice/],
    ['no account', [], /--account is required/],
    ['a --principals that is no regular expression', ['--account', 'prod=123456789012', '--principals', '('], /--principals: "\(" is not a regular expression/],
  ];
  for (const [what, args, message] of usage) {
    it(`refuses ${what} (exit 2)`, async () => {
      const result = await runCli(['import', 'legacy', ...args], {});
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    });
  }

  it('refuses a team name with a dot (exit 2)', async () => {
    const result = await runCli(['import', 'a.b', '--account', 'prod=123456789012'], {});
    assert.equal(result.code, 2);
    assert.match(result.stderr, /team name "a.b" may contain only letters, digits, _ and -/);
  });

  it("refuses to overwrite the team's files without --force, before reading any account (exit 1)", async () => {
    const dir = writeTeam({ 'temporary-access': null }, 'legacy');
    const result = await runCli(['import', 'legacy', '--account', 'prod=123456789012', '--out', dir], {});
    assert.equal(result.code, 1);
    assert.match(result.stderr, /legacy\.yaml exist already; nothing was read or written \(--force overwrites them\)/);
    assert.equal(fs.readFileSync(path.join(dir, 'aws-policies', 'legacy.yaml'), 'utf8'), BASE['aws-policies']);
  });
});

describe('grantflow adopt', function () {
  it('writes adopt: true on every entry of the permanent-access file, validated, and says so', async () => {
    const dir = writeTeam();
    const result = await runCli(['adopt', 'team', '--config', dir], {});
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /permanent-access\/team\.yaml: 1 entry now says adopt: true\n {2}#1 Readers/);
    const written = fs.readFileSync(path.join(dir, 'permanent-access', 'team.yaml'), 'utf8');
    assert.deepEqual(
      (parse(written) as { 'permanent-access': { adopt?: boolean }[] })['permanent-access'].map((e) => e.adopt),
      [true],
    );
    for (const kind of ['aws-accounts', 'aws-policies', 'temporary-access'] as const) {
      assert.equal(fs.readFileSync(path.join(dir, kind, 'team.yaml'), 'utf8'), BASE[kind], `${kind} untouched`);
    }
    const again = await runCli(['adopt', 'team', '--config', dir], {});
    assert.equal(again.code, 0);
    assert.match(again.stdout, /every entry says adopt: true already; nothing to change/);
  });

  it('writes nothing when the team does not validate, and explains a team without permanent access', async () => {
    const broken = writeTeam({ 'aws-policies': 'aws-policies: {}\n' });
    const result = await runCli(['adopt', 'team', '--config', broken], {});
    assert.equal(result.code, 1);
    assert.match(result.stderr, /adopt: team does not pass validate \(above\); nothing was written/);
    assert.equal(fs.readFileSync(path.join(broken, 'permanent-access', 'team.yaml'), 'utf8'), BASE['permanent-access']);
    const none = writeTeam({ 'permanent-access': null });
    const missing = await runCli(['adopt', 'team', '--config', none], {});
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /permanent-access\/team\.yaml does not exist; `grantflow import team` writes it from IAM/);
  });
});
