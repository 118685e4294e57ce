// Reading a team from the config folder: the messages for a missing folder, a bad team name, no files,
// reserved names, settings errors, and which teams a folder holds; and the notification sinks read
// from grantflow.yaml, checked offline by `grantflow validate` and by the worker alike.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SETTINGS } from '../../../src/core/team-config';
import { environmentsInFolder, loadNotifications, loadSettings, loadTeam, teamFromTexts, teamsInFolder } from '../../../src/config/load';
import type { NotificationSink } from '../../../src/core/notification-sink';
import { runCli } from '../../harness/cli';
import { NOW, writeTeam } from '../../harness/config-dir';

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
    const expected = ['aws-accounts', 'aws-policies', 'permanent-access', 'temporary-access', 'break-glass'].map((k) => path.join(dir, k, 't.yaml')).join(', ');
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

function withSettings(yaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-notify-'));
  fs.writeFileSync(path.join(dir, 'grantflow.yaml'), yaml);
  return dir;
}

describe('notifications: sinks from grantflow.yaml', () => {
  const cases: { name: string; yaml: string; env?: Record<string, string>; want?: Partial<NotificationSink>[]; error?: RegExp; line?: number }[] = [
    {
      name: 'defaults: every event, 1h before expiry, stuck after 10 min',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: slack\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'https://hooks.example/abc' },
      want: [
        {
          name: 'sec',
          url: 'https://hooks.example/abc',
          format: 'slack',
          events: ['granted', 'expiring', 'revoked', 'failed', 'revoke-stuck', 'refused', 'requested', 'approved', 'self-approved', 'denied', 'lapsed'],
          expiringBeforeMs: 3_600_000,
          revokeStuckAfterMs: 600_000,
        },
      ],
    },
    {
      name: 'chosen events and leads',
      yaml: 'notifications:\n  - name: audit\n    url_env: GRANTFLOW_WEBHOOK_AUDIT\n    format: json\n    events: [revoked, failed]\n    expiring_before: 30m\n    revoke_stuck_after: 2m\n',
      env: { GRANTFLOW_WEBHOOK_AUDIT: 'http://127.0.0.1:9/x' },
      want: [{ name: 'audit', format: 'json', events: ['revoked', 'failed'], expiringBeforeMs: 1_800_000, revokeStuckAfterMs: 120_000 }],
    },
    {
      name: 'an unset variable is an error at the sink, naming the fix',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_NOPE\n    format: json\n',
      error: /\$GRANTFLOW_WEBHOOK_NOPE is not set; set it to the webhook URL in the worker's environment/,
      line: 3,
    },
    {
      name: 'a variable that is no URL',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: json\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'hooks.example' },
      error: /must be an http\(s\) URL/,
      line: 3,
    },
    {
      name: 'a URL written where the variable name goes',
      yaml: 'notifications:\n  - name: sec\n    url_env: https://hooks.example/abc\n    format: json\n',
      error: /url_env names an environment variable/,
      line: 3,
    },
    {
      name: 'an unknown format',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: teams\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'https://x.example' },
      error: /format/,
      line: 4,
    },
    {
      name: 'an unknown event',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: json\n    events: [granted, renewed]\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'https://x.example' },
      error: /events/,
      line: 5,
    },
    {
      name: 'a lead that is no duration',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: json\n    expiring_before: soon\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'https://x.example' },
      error: /expiring_before of sink "sec" must be a duration/,
      line: 5,
    },
    {
      name: 'two sinks of one name',
      yaml: 'notifications:\n  - name: a\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: json\n  - name: a\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: slack\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'https://x.example' },
      error: /defined twice/,
      line: 5,
    },
    {
      name: 'a url_env outside GRANTFLOW_WEBHOOK_, even one that is set: the rule and the fix',
      yaml: 'notifications:\n  - name: security-slack\n    url_env: HTTPS_PROXY\n    format: json\n',
      env: { HTTPS_PROXY: 'http://user:p4ssw0rd@proxy.internal:3128' },
      error:
        /^notification sink "security-slack": url_env HTTPS_PROXY is refused: a sink's URL is read only from a variable whose name starts with GRANTFLOW_WEBHOOK_, .*; name the variable GRANTFLOW_WEBHOOK_SECURITY_SLACK, say, and set it to the webhook URL where the worker runs$/,
      line: 3,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const dir = withSettings(c.yaml);
      try {
        const result = loadNotifications(dir, c.env ?? {});
        if (c.want) {
          assert.deepEqual(result.diagnostics, []);
          assert.equal(result.sinks.length, c.want.length);
          c.want.forEach((want, i) => {
            for (const [key, value] of Object.entries(want)) assert.deepEqual(result.sinks[i]![key as keyof NotificationSink], value, key);
          });
        } else {
          const errors = result.diagnostics.filter((d) => d.severity === 'error');
          assert.ok(
            errors.some((d) => c.error!.test(d.message)),
            JSON.stringify(errors),
          );
          const hit = errors.find((d) => c.error!.test(d.message))!;
          assert.equal(hit.file, path.join(dir, 'grantflow.yaml'));
          assert.equal(hit.line, c.line);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('a url_env outside GRANTFLOW_WEBHOOK_ is never read: no sink, and the value appears in no message', () => {
    const dir = withSettings(
      'notifications:\n  - name: a\n    url_env: HTTPS_PROXY\n    format: json\n  - name: b\n    url_env: GRANTFLOW_WEBHOOK_\n    format: json\n',
    );
    try {
      const env = { HTTPS_PROXY: 'http://user:p4ssw0rd@proxy.internal:3128', GRANTFLOW_WEBHOOK_: 'http://user:p4ssw0rd@proxy.internal:3128' };
      const result = loadNotifications(dir, env);
      assert.deepEqual(result.sinks, []);
      assert.deepEqual(
        result.diagnostics.map((d) => [d.line, /^notification sink "(\w)": url_env (\S+) is refused/.exec(d.message)?.slice(1)]),
        [
          [3, ['a', 'HTTPS_PROXY']],
          [6, ['b', 'GRANTFLOW_WEBHOOK_']],
        ],
      );
      assert.ok(!JSON.stringify(result).includes('p4ssw0rd'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('grantflow validate accepts a grantflow.yaml with notifications (no URL needed where it runs)', async () => {
    const dir = writeTeam({
      grantflow: 'web_ui_url: http://localhost:8233\nnotifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: slack\n',
    });
    const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW], {});
    assert.equal(result.code, 0, result.stderr);
  });
});

describe('notifications: grantflow validate checks the sinks offline', () => {
  const SINKS = [
    'notifications:',
    '  - name: sec',
    '    url_env: GRANTFLOW_WEBHOOK_SEC',
    '    format: slack',
    '    expiring_before: soon',
    '  - name: audit',
    '    url_env: AUDIT_WEBHOOK_URL',
    '    format: json',
    '    revoke_stuck_after: 8d',
    '  - name: sec',
    '    url_env: GRANTFLOW_WEBHOOK_SEC2',
    '    format: json',
    '',
  ].join('\n');
  const WANT = [
    [5, 22, /^expiring_before of sink "sec" must be a duration such as 30m, 1h or 1d, between 1s and 7d; got "soon"$/],
    [7, 14, /^notification sink "audit": url_env AUDIT_WEBHOOK_URL is refused: .* name the variable GRANTFLOW_WEBHOOK_AUDIT, say,/],
    [9, 25, /^revoke_stuck_after of sink "audit" must be a duration .*; got "8d"$/],
    [10, 11, /^notification sink "sec" is defined twice; give each sink its own name$/],
  ] as const;

  /** The `<file>:<line>:<col>: error: <message>` lines of a run's stderr about grantflow.yaml. */
  const errorsIn = (stderr: string, file: string) =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith(`${file}:`))
      .map((l) => /^:(\d+):(\d+): error: (.*)$/.exec(l.slice(file.length))!)
      .map((m) => [Number(m[1]), Number(m[2]), m[3]!] as const);

  for (const args of [
    ['validate', 'team'],
    ['validate', '--all'],
  ]) {
    it(`${args.join(' ')}: each sink mistake at file:line:col, with none of the URL variables set`, async () => {
      const dir = writeTeam({ grantflow: SINKS });
      try {
        const result = await runCli([...args, '--config', dir, '--now', NOW], {});
        assert.equal(result.code, 1, result.stderr);
        const errors = errorsIn(result.stderr, path.join(dir, 'grantflow.yaml'));
        assert.equal(errors.length, WANT.length, result.stderr);
        errors.forEach(([line, col, message], i) => {
          assert.deepEqual([line, col], WANT[i]!.slice(0, 2), message);
          assert.match(message, WANT[i]![2]);
        });
        assert.doesNotMatch(result.stderr, /is not set/, 'validate does not ask for the URLs');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('the worker finds the same mistakes with the same check, and besides them requires the variables', () => {
    const dir = withSettings(SINKS);
    try {
      const offline = loadSettings(dir, {}).diagnostics;
      assert.equal(offline.length, WANT.length);
      // AUDIT_WEBHOOK_URL is set, but a variable outside GRANTFLOW_WEBHOOK_ is never read.
      const worker = loadNotifications(dir, { GRANTFLOW_WEBHOOK_SEC: 'https://hooks.example/sec', AUDIT_WEBHOOK_URL: 'https://hooks.example/audit' });
      // Only the second "sec" names a variable that is unset.
      const unset = worker.diagnostics.filter((d) => /is not set/.test(d.message));
      assert.deepEqual(
        unset.map((d) => [d.line, d.message]),
        [[11, `notification sink "sec": $GRANTFLOW_WEBHOOK_SEC2 is not set; set it to the webhook URL in the worker's environment`]],
      );
      assert.deepEqual(
        worker.diagnostics.filter((d) => !unset.includes(d)),
        offline,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
