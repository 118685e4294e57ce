// The command reference (docs/COMMAND-LINE.md) and the settings table (docs/CONFIGURATION.md) are the
// declarations' own: this fails when an option or a setting, its default or its environment variable
// changes without `npm run readme`, and when the code reads a variable the README and docs/ never name.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../../../src/cli/main';
import {
  commandReference,
  REFERENCE_BEGIN,
  REFERENCE_END,
  REFERENCE_FILE,
  SETTINGS_BEGIN,
  SETTINGS_END,
  SETTINGS_FILE,
  settingsReference,
  withReference,
} from '../../../src/cli/reference';
import type { Options } from '../../../src/cli/command';
import { SETTINGS } from '../../../src/core/settings-table';
import { settingsFileSchema } from '../../../src/config/schema';
import { SETTINGS_ENV } from '../../../src/config/settings';

const ROOT = path.resolve(__dirname, '../../../..');
const read = (relative: string) => fs.readFileSync(path.join(ROOT, relative), 'utf8');
const COMMAND_LINE = read(REFERENCE_FILE);
const CONFIGURATION = read(SETTINGS_FILE);
/** The README and every page of docs/, by path: together they must name every variable the code reads. */
const DOCS = new Map<string, string>([
  ['README.md', read('README.md')],
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name): [string, string] => [`docs/${name}`, read(`docs/${name}`)]),
]);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('the generated parts of the docs', function () {
  it('sit in their files: each marker once in the README and docs/, in the file that holds its part', () => {
    assert.ok(DOCS.has(REFERENCE_FILE) && DOCS.has(SETTINGS_FILE));
    for (const [marker, file] of [
      [REFERENCE_BEGIN, REFERENCE_FILE],
      [REFERENCE_END, REFERENCE_FILE],
      [SETTINGS_BEGIN, SETTINGS_FILE],
      [SETTINGS_END, SETTINGS_FILE],
    ] as const) {
      const holders = [...DOCS].filter(([, text]) => text.includes(marker)).map(([name]) => name);
      assert.deepEqual(holders, [file], `${marker} is in ${file} only`);
      assert.equal(DOCS.get(file)!.split(marker).length, 2, `${marker} appears once in ${file}`);
    }
  });

  it('the README points to both files', () => {
    const readme = DOCS.get('README.md')!;
    assert.ok(readme.includes(`](${REFERENCE_FILE})`), `README links ${REFERENCE_FILE}`);
    assert.ok(readme.includes(`](${SETTINGS_FILE}`), `README links ${SETTINGS_FILE}`);
  });
});

describe(`command reference (${REFERENCE_FILE})`, function () {
  it('is exactly what the command declarations generate (run `npm run readme` after changing one)', () => {
    const begin = COMMAND_LINE.indexOf(REFERENCE_BEGIN);
    const end = COMMAND_LINE.indexOf(REFERENCE_END);
    assert.ok(begin >= 0 && end > begin, `${REFERENCE_FILE} has the command reference markers`);
    const written = COMMAND_LINE.slice(begin, end + REFERENCE_END.length);
    assert.equal(written, commandReference(COMMANDS));
  });

  it('names every command and every declared option', () => {
    for (const command of COMMANDS) {
      assert.ok(COMMAND_LINE.includes(`#### \`grantflow ${command.name}\``), `${REFERENCE_FILE} documents grantflow ${command.name}`);
      for (const name of Object.keys(command.options as Options))
        assert.ok(COMMAND_LINE.includes(`--${name}`), `${REFERENCE_FILE} names ${command.name} --${name}`);
    }
  });

  it('names, with the README and the rest of docs/, every GRANTFLOW_ environment variable the code reads', () => {
    const used = new Set<string>();
    for (const dir of ['src', 'activities', 'workflows', 'bin']) {
      for (const file of sourceFiles(path.join(ROOT, dir)))
        for (const match of fs.readFileSync(file, 'utf8').matchAll(/GRANTFLOW_[A-Z_]+/g)) used.add(match[0]);
    }
    assert.ok(used.has('GRANTFLOW_REVISION_TIME') && used.has('GRANTFLOW_SUBMITTED_BY'));
    const all = [...DOCS.values()].join('\n');
    const missing = [...used].filter((name) => !all.includes(name));
    assert.deepEqual(missing, [], `neither the README nor docs/ mention ${missing.join(', ')}`);
  });

  it('can be rewritten in place, and a file without markers is refused', () => {
    assert.equal(withReference(COMMAND_LINE, commandReference(COMMANDS)), COMMAND_LINE);
    assert.equal(withReference('no markers here', 'x'), undefined);
  });
});

describe(`settings table (${SETTINGS_FILE})`, function () {
  const section = () => {
    const begin = CONFIGURATION.indexOf(SETTINGS_BEGIN);
    const end = CONFIGURATION.indexOf(SETTINGS_END);
    assert.ok(begin >= 0 && end > begin, `${SETTINGS_FILE} has the settings table markers`);
    return CONFIGURATION.slice(begin, end + SETTINGS_END.length);
  };

  it('is exactly what the settings declarations generate (run `npm run readme` after changing one)', () => {
    assert.equal(section(), settingsReference(SETTINGS));
  });

  it('sits under the settings heading', () => {
    const heading = CONFIGURATION.indexOf('\n## Settings: `grantflow.yaml` beside the team folders\n');
    assert.ok(heading >= 0 && CONFIGURATION.indexOf(SETTINGS_BEGIN) > heading);
    assert.ok(CONFIGURATION.indexOf(SETTINGS_BEGIN) < CONFIGURATION.indexOf('\n## ', heading + 1), 'before the next section');
  });

  it('has a row for every key of grantflow.yaml, with its variable', () => {
    const rows = section()
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    assert.deepEqual(
      rows.map((row) => /^\| `([a-z_]+)` \|/.exec(row)?.[1]),
      Object.keys(settingsFileSchema.shape),
    );
    for (const [key, name] of Object.entries(SETTINGS_ENV)) {
      assert.ok(
        rows.some((row) => row.startsWith(`| \`${key}\` |`) && row.includes(`| \`${name}\` |`)),
        `the row of ${key} names ${name}`,
      );
    }
  });

  it('can be rewritten in place, and a file without its markers is refused', () => {
    assert.equal(withReference(CONFIGURATION, settingsReference(SETTINGS), SETTINGS_BEGIN, SETTINGS_END), CONFIGURATION);
    assert.equal(withReference(CONFIGURATION.replace(SETTINGS_BEGIN, ''), 'x', SETTINGS_BEGIN, SETTINGS_END), undefined);
  });
});
