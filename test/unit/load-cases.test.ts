// Reading a team from the config folder: the messages for a missing folder, a bad team name, no files,
// reserved names, settings errors, and which teams a folder holds.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SETTINGS } from '../../src/core/team-config';
import { environmentsInFolder, loadNotifications, loadSettings, loadTeam, teamFromTexts, teamsInFolder } from '../../src/config/load';

const made: string[] = [];
after(function () {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-load-'));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const ACCOUNTS = 'aws-accounts:\n  prod: "111111111111"\n';
const messages = (d: { diagnostics: { line: number; message: string; severity: string }[] }) =>
  d.diagnostics.map((x) => `${x.severity} ${x.line} ${x.message}`);

describe('load cases: the folder and the team name', function () {
  it('a missing folder', function () {
    const dir = path.join(os.tmpdir(), 'grantflow-no-such-folder');
    assert.deepEqual(messages(loadTeam(dir, 't', {})), [`error 1 config folder "${dir}" not found; pass --config DIR or set GRANTFLOW_CONFIG`]);
  });

  it('a file where the folder should be', function () {
    const dir = folder({ f: 'x' });
    const file = path.join(dir, 'f');
    assert.deepEqual(messages(loadTeam(file, 't', {})), [`error 1 config folder "${file}" not found; pass --config DIR or set GRANTFLOW_CONFIG`]);
  });

  it('a team name with a slash', function () {
    const dir = folder({});
    const load = loadTeam(dir, 'a/b', {});
    assert.deepEqual(messages(load), ['error 1 team name "a/b" may contain only letters, digits, _ and - (at most 64 characters)']);
    assert.equal(load.diagnostics[0]!.file, dir);
  });

  it('a team with no files names every file it looked for', function () {
    const dir = folder({});
    const expected = ['aws-accounts', 'aws-policies', 'permanent-access', 'temporary-access'].map((k) => path.join(dir, k, 't.yaml')).join(', ');
    assert.deepEqual(messages(loadTeam(dir, 't', {})), [`error 1 team "t" has no config files; expected at least one of ${expected}`]);
  });

  it('a team with only accounts loads; its locate falls back to the file it would be in', function () {
    const dir = folder({ 'aws-accounts/t.yaml': ACCOUNTS });
    const load = loadTeam(dir, 't', {});
    assert.deepEqual(load.diagnostics, []);
    assert.deepEqual(load.loaded!.files, [path.join(dir, 'aws-accounts', 't.yaml')]);
    assert.deepEqual(load.loaded!.locate('aws-accounts', ['aws-accounts', 'prod']), { file: path.join(dir, 'aws-accounts', 't.yaml'), line: 2, col: 9 });
    assert.deepEqual(load.loaded!.locate('aws-policies', ['aws-policies']), { file: path.join(dir, 'aws-policies', 't.yaml'), line: 1, col: 1 });
    assert.deepEqual(load.loaded!.kinds, ['aws-accounts']);
  });

  it("locates values of grantflow.yaml for a team's checks, a list item by its value", function () {
    const dir = folder({
      'aws-accounts/t.yaml': ACCOUNTS,
      'grantflow.yaml': 'require_mfa:\n  - prod\n  - qa\npermissions_boundary:\n  prod: "arn:aws:iam::111111111111:policy/b"\n',
    });
    const { locate } = loadTeam(dir, 't', {}).loaded!;
    const file = path.join(dir, 'grantflow.yaml');
    assert.deepEqual(locate('grantflow', ['require_mfa', 'qa']), { file, line: 3, col: 5 });
    assert.deepEqual(locate('grantflow', ['permissions_boundary', 'prod']), { file, line: 5, col: 9 });
    const none = folder({ 'aws-accounts/t.yaml': ACCOUNTS });
    assert.deepEqual(loadTeam(none, 't', {}).loaded!.locate('grantflow', ['require_mfa', 'qa']), { file: path.join(none, 'grantflow.yaml'), line: 1, col: 1 });
  });

  it("environmentsInFolder: the environment names of the teams' aws-accounts files, or nothing known when one is no YAML", function () {
    const dir = folder({
      'aws-accounts/a.yaml': ACCOUNTS,
      // An account id the schema refuses still defines its environment's name.
      'aws-accounts/b.yaml': 'aws-accounts:\n  staging: 12\n  prod: "222222222222"\n',
      'aws-accounts/empty.yaml': '',
      'aws-policies/c.yaml': 'aws-policies: {}\n',
      'aws-accounts/broken.yaml': 'aws-accounts: [\n',
    });
    assert.deepEqual(environmentsInFolder(dir, ['a', 'b', 'c', 'empty']), ['prod', 'staging']);
    assert.equal(environmentsInFolder(dir, ['a', 'broken']), undefined);
  });

  it('teamsInFolder lists .yaml files only, once each, sorted', function () {
    const dir = folder({
      'aws-accounts/b.yaml': ACCOUNTS,
      'aws-accounts/a.yaml': ACCOUNTS,
      'aws-policies/a.yaml': 'aws-policies: {}\n',
      'aws-accounts/notes.txt': 'x',
      'aws-accounts/yaml': 'x',
    });
    assert.deepEqual(teamsInFolder(dir), ['a', 'b']);
  });
});

describe('load cases: texts to a team', function () {
  const ok = { settings: DEFAULT_SETTINGS, diagnostics: [] };

  it('a reserved environment name is refused at its key', function () {
    const load = teamFromTexts(
      't',
      { 'aws-accounts': { file: 'acc.yaml', text: 'aws-accounts:\n  prod: "111111111111"\n  constructor: "222222222222"\n' } },
      ok,
      '.',
    );
    assert.equal(load.loaded, undefined);
    assert.deepEqual(load.partial!.broken, ['aws-accounts']);
    assert.equal(load.diagnostics.length, 1);
    assert.equal(load.diagnostics[0]!.line, 3);
    assert.match(load.diagnostics[0]!.message, /constructor/);
  });

  it('a reserved word in a list file is not a named-map problem', function () {
    const load = teamFromTexts(
      't',
      { 'permanent-access': { file: 'p.yaml', text: 'permanent-access:\n  - description: constructor\n    environments: [prod]\n    grants: [read]\n' } },
      ok,
      '.',
    );
    assert.deepEqual(load.diagnostics, []);
    assert.ok(load.loaded);
  });

  it('an empty file is a warning and the team still loads', function () {
    const load = teamFromTexts(
      't',
      { 'aws-accounts': { file: 'a.yaml', text: ACCOUNTS }, 'aws-policies': { file: 'p.yaml', text: '# nothing yet\n' } },
      ok,
      '.',
    );
    assert.deepEqual(messages(load), ['warning 1 the file is empty; it is read as "none of this kind"']);
    assert.equal(load.diagnostics[0]!.kind, 'empty-file');
    assert.ok(load.loaded);
  });

  it('a settings error stops the team from loading at all', function () {
    const bad = { settings: DEFAULT_SETTINGS, diagnostics: [{ file: 'g.yaml', line: 1, col: 1, severity: 'error' as const, message: 'bad' }] };
    const load = teamFromTexts('t', { 'aws-accounts': { file: 'a.yaml', text: ACCOUNTS } }, bad, '.');
    assert.equal(load.loaded, undefined);
    assert.equal(load.partial, undefined);
    assert.deepEqual(messages(load), ['error 1 bad']);
  });

  it('a settings warning does not', function () {
    const warned = { settings: DEFAULT_SETTINGS, diagnostics: [{ file: 'g.yaml', line: 1, col: 1, severity: 'warning' as const, message: 'hm' }] };
    assert.ok(teamFromTexts('t', { 'aws-accounts': { file: 'a.yaml', text: ACCOUNTS } }, warned, '.').loaded);
  });

  it('a bad date makes the team partial, with nothing broken', function () {
    const text = 'temporary-access:\n  - description: d\n    user: u@example.com\n    environment: prod\n    grant: read\n    expiration_date: "2030-02-30"\n';
    const load = teamFromTexts('t', { 'temporary-access': { file: 'tmp.yaml', text } }, ok, '.');
    assert.equal(load.loaded, undefined);
    assert.deepEqual(load.partial!.broken, []);
    assert.deepEqual(load.partial!.files, ['tmp.yaml']);
  });
});

describe('load cases: settings and notifications from grantflow.yaml', function () {
  it('a bad setting is reported at its line in grantflow.yaml', function () {
    const dir = folder({ 'grantflow.yaml': 'task_queue: q\nreconcile_interval: 1s\n' });
    const { diagnostics, settings } = loadSettings(dir, {});
    assert.deepEqual(
      diagnostics.map((d) => [d.file, d.line, d.col, d.message]),
      [[path.join(dir, 'grantflow.yaml'), 2, 21, 'reconcile_interval must be a duration such as 90s, 15m, 1h or 1d, between 10s and 7d; got "1s"']],
    );
    assert.equal(settings.taskQueue, 'q');
  });

  it('no grantflow.yaml: an env value is still checked, at env:NAME', function () {
    const { diagnostics } = loadSettings(folder({}), { GRANTFLOW_PARTITION: 'mars' });
    assert.deepEqual(
      diagnostics.map((d) => [d.file, d.line]),
      [['env:GRANTFLOW_PARTITION', 1]],
    );
  });

  it('no grantflow.yaml: no sinks and no diagnostics', function () {
    const result = loadNotifications(folder({}), {});
    assert.deepEqual(result, { sinks: [], diagnostics: [] });
  });

  it('a sink with an unset variable is reported at its url_env line', function () {
    const dir = folder({ 'grantflow.yaml': 'notifications:\n  - name: ops\n    format: slack\n    url_env: GRANTFLOW_WEBHOOK_OPS\n' });
    const { diagnostics, sinks } = loadNotifications(dir, {});
    assert.deepEqual(sinks, []);
    assert.deepEqual(
      diagnostics.map((d) => [d.file, d.line]),
      [[path.join(dir, 'grantflow.yaml'), 4]],
    );
  });
});
