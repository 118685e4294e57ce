// Every YAML example of the README and docs/ is validated with the real loader, as `grantflow validate`
// reads it: each block names its file in a first comment line (`# grantflow.yaml`,
// `# temporary-access/<team>.yaml`), is written there, with the other blocks of its section, over a
// copy of the example team in config/, and must validate; a worker's configuration
// (`# grantflow-worker.yaml`) must load as the worker loads it. What the docs say an example does (the expiring copy it attaches, that sinks are
// checked without their webhook variables) is checked here too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadWorkerConfig } from '../../../src/config/worker-config';
import { FILE_KINDS } from '../../../src/core/team-config';
import { runCli } from '../../harness/cli';
import { NOW } from '../../harness/config-dir';

const REPO = path.resolve(__dirname, '../../../..');
const DOCS = [
  'README.md',
  ...fs
    .readdirSync(path.join(REPO, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

interface Example {
  /** Where it is written: `docs/CONFIGURATION.md:17`, under its section's heading. */
  where: string;
  section: string;
  /** The file it stands for, from its first line: `grantflow.yaml` or `<kind>/<team>.yaml`. */
  file: string;
  text: string;
}

function examples(): Example[] {
  const found: Example[] = [];
  for (const doc of DOCS) {
    const lines = fs.readFileSync(path.join(REPO, doc), 'utf8').split('\n');
    let section = '';
    for (let i = 0; i < lines.length; i++) {
      const heading = /^#{1,6} (.+)$/.exec(lines[i]!);
      if (heading) section = heading[1]!;
      if (lines[i] !== '```yaml') continue;
      const end = lines.indexOf('```', i + 1);
      assert.ok(end > i, `${doc}:${i + 1}: the yaml block is closed`);
      const body = lines.slice(i + 1, end);
      const file = /^# (\S+\.yaml)$/.exec(body[0] ?? '')?.[1] ?? '';
      found.push({ where: `${doc}:${i + 1}`, section, file, text: `${body.join('\n')}\n` });
      i = end;
    }
  }
  return found;
}

const made: string[] = [];

/** A copy of config/ (the example team) with `files` written over it; the placeholder dates made real. */
function configWith(files: Record<string, string>, dates: { expires: string; starts: string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-docs-example-'));
  made.push(dir);
  fs.cpSync(path.join(REPO, 'config'), dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    const real = text.replace(/(expiration_date: )YYYY-MM-DD/g, `$1${dates.expires}`).replace(/(start_date: )YYYY-MM-DD/g, `$1${dates.starts}`);
    assert.doesNotMatch(real, /YYYY-MM-DD/, `${file}: every placeholder date is replaced`);
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), real);
  }
  return dir;
}

function teamOf(file: string): string {
  return file === 'grantflow.yaml' ? 'example-team' : path.basename(file, '.yaml');
}

/** The environment without any webhook variable: validate must not need them. */
function envWithoutWebhooks(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GRANTFLOW_')));
}

/** The worker's own configuration, kept apart from the team files. */
const WORKER_FILE = 'grantflow-worker.yaml';

const IN_TWO_DAYS = { expires: '2026-06-03', starts: '2026-06-02' };

describe('the YAML examples of the README and docs/', function () {
  const all = examples();

  after(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('are found, and each names the file it stands for in its first line', () => {
    assert.ok(all.length >= 3, `found ${all.length}`);
    const kinds = new Set<string>(FILE_KINDS);
    for (const example of all) {
      const [kind, name, ...rest] = example.file.split('/');
      assert.ok(
        example.file === 'grantflow.yaml' || example.file === WORKER_FILE || (kinds.has(kind!) && name?.endsWith('.yaml') && rest.length === 0),
        `${example.where} (${example.section}) starts with "# grantflow.yaml", "# ${WORKER_FILE}" or "# <kind>/<team>.yaml", not ${JSON.stringify(example.file)}`,
      );
    }
  });

  for (const example of all.filter((e) => e.file === WORKER_FILE)) {
    it(`${example.where} (${example.section}, the worker's configuration) loads as the worker loads it`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-docs-worker-'));
      made.push(dir);
      const file = path.join(dir, WORKER_FILE);
      fs.writeFileSync(file, example.text);
      const { diagnostics } = loadWorkerConfig(file);
      assert.deepEqual(
        diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
    });
  }

  // The blocks of one section are one example: written together (an imported team's policies and
  // entries, say), each team they name validated.
  const sections = new Map<string, Example[]>();
  for (const example of all.filter((e) => e.file !== WORKER_FILE)) {
    const key = `${example.where.split(':')[0]}#${example.section}`;
    sections.set(key, [...(sections.get(key) ?? []), example]);
  }
  for (const blocks of sections.values()) {
    const where = blocks.map((b) => b.where).join(', ');
    const named = blocks.map((b) => b.file || 'no file named').join(', ');
    it(`${where} (${blocks[0]!.section}, ${named}) validates beside the example team`, async () => {
      for (const example of blocks) assert.ok(example.file, `${example.where}: the example names its file`);
      const dir = configWith(Object.fromEntries(blocks.map((b) => [b.file, b.text])), IN_TWO_DAYS);
      for (const team of new Set(blocks.map((b) => teamOf(b.file)))) {
        const result = await runCli(['validate', team, '--config', dir, '--now', NOW], envWithoutWebhooks());
        assert.equal(result.code, 0, result.stderr);
        assert.doesNotMatch(result.stderr, /: error: /);
        assert.match(result.stdout, /: valid; /);
      }
    });
  }

  it('the team-file example is one temporary grant: IAM user developer, in prod, from its start_date', async () => {
    const example = all.find((e) => e.file === 'temporary-access/example-team.yaml');
    assert.ok(example, 'docs/CONFIGURATION.md has the temporary-access example');
    const dir = configWith({ [example.file]: example.text }, IN_TWO_DAYS);
    const result = await runCli(['validate', 'example-team', '--config', dir, '--now', NOW, '--json'], envWithoutWebhooks());
    assert.equal(result.code, 0, result.stderr);
    const temporary = (JSON.parse(result.stdout) as { grants: { kind: string; principal: string; environment: string; startsAt?: string }[] }).grants.filter(
      (grant) => grant.kind === 'temporary',
    );
    assert.deepEqual(
      temporary.map((grant) => [grant.principal, grant.environment, grant.startsAt]),
      [['developer', 'prod', '2026-06-02T00:00:00Z']],
      'user developer@example.com is IAM user developer; start_date is 00:00:00Z that day',
    );
  });

  it("the grantflow.yaml of 'Expiring copies, MFA and permission boundaries' makes the expiring copy it names", async () => {
    const doc = fs.readFileSync(path.join(REPO, 'docs/CONFIGURATION.md'), 'utf8');
    const team = all.find((e) => e.file === 'temporary-access/example-team.yaml');
    const settings = all.find((e) => e.file === 'grantflow.yaml' && e.section === 'Expiring copies, MFA and permission boundaries');
    assert.ok(team && settings);
    const named = /attaches `(grantflow\+copy\.example-team\.20251130T235959Z\.<digest>\.developer\.PowerUserAccess)`/.exec(doc)?.[1];
    assert.ok(named, 'the section names the copy');
    const dir = configWith({ [team.file]: team.text, [settings.file]: settings.text }, { expires: '2025-11-30', starts: '2025-11-28' });
    const result = await runCli(['validate', 'example-team', '--config', dir, '--now', '2025-11-27T00:00:00Z', '--json'], envWithoutWebhooks());
    assert.equal(result.code, 0, result.stderr);
    const grants = (JSON.parse(result.stdout) as { grants: { kind: string; expiresAt?: string; awsExpires: string[] }[] }).grants;
    const temporary = grants.filter((grant) => grant.kind === 'temporary');
    assert.equal(temporary.length, 1);
    assert.equal(temporary[0]!.expiresAt, '2025-11-30T23:59:59Z');
    const pattern = new RegExp(`as expiring copy ${named.replace(/[.+]/g, '\\$&').replace('<digest>', '[0-9a-f]+')}$`);
    assert.ok(
      temporary[0]!.awsExpires.some((part) => part.startsWith('arn:aws:iam::aws:policy/PowerUserAccess ') && pattern.test(part)),
      temporary[0]!.awsExpires.join('\n'),
    );
  });
});
