// The README's command reference and settings table are the declarations' own: this fails when an
// option or a setting, its default or its environment variable changes without `npm run readme`, and
// when the code reads a variable the README never names.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../../src/cli/main';
import { commandReference, REFERENCE_BEGIN, REFERENCE_END, SETTINGS_BEGIN, SETTINGS_END, settingsReference, withReference } from '../../src/cli/reference';
import type { Options } from '../../src/cli/command';
import { SETTINGS } from '../../src/core/settings-table';
import { settingsFileSchema } from '../../src/config/schema';
import { SETTINGS_ENV } from '../../src/config/settings';

const ROOT = path.resolve(__dirname, '../../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('README command reference', function () {
  it('is exactly what the command declarations generate (run `npm run readme` after changing one)', () => {
    const begin = README.indexOf(REFERENCE_BEGIN);
    const end = README.indexOf(REFERENCE_END);
    assert.ok(begin >= 0 && end > begin, 'README.md has the command reference markers');
    const written = README.slice(begin, end + REFERENCE_END.length);
    assert.equal(written, commandReference(COMMANDS));
  });

  it('names every command and every declared option', () => {
    for (const command of COMMANDS) {
      assert.ok(README.includes(`#### \`grantflow ${command.name}\``), `README documents grantflow ${command.name}`);
      for (const name of Object.keys(command.options as Options)) assert.ok(README.includes(`--${name}`), `README names ${command.name} --${name}`);
    }
  });

  it('names every GRANTFLOW_ environment variable the code reads', () => {
    const read = new Set<string>();
    for (const dir of ['src', 'activities', 'workflows', 'bin']) {
      for (const file of sourceFiles(path.join(ROOT, dir)))
        for (const match of fs.readFileSync(file, 'utf8').matchAll(/GRANTFLOW_[A-Z_]+/g)) read.add(match[0]);
    }
    assert.ok(read.has('GRANTFLOW_REVISION_TIME') && read.has('GRANTFLOW_SUBMITTED_BY'));
    const missing = [...read].filter((name) => !README.includes(name));
    assert.deepEqual(missing, [], `README does not mention ${missing.join(', ')}`);
  });

  it('can be rewritten in place, and a README without markers is refused', () => {
    assert.equal(withReference(README, commandReference(COMMANDS)), README);
    assert.equal(withReference('no markers here', 'x'), undefined);
  });
});

describe('README settings table', function () {
  const section = () => {
    const begin = README.indexOf(SETTINGS_BEGIN);
    const end = README.indexOf(SETTINGS_END);
    assert.ok(begin >= 0 && end > begin, 'README.md has the settings table markers');
    return README.slice(begin, end + SETTINGS_END.length);
  };

  it('is exactly what the settings declarations generate (run `npm run readme` after changing one)', () => {
    assert.equal(section(), settingsReference(SETTINGS));
  });

  it('sits under the settings heading', () => {
    const heading = README.indexOf('### Settings: `grantflow.yaml` beside the team folders');
    assert.ok(heading >= 0 && README.indexOf(SETTINGS_BEGIN) > heading);
    assert.ok(README.indexOf(SETTINGS_BEGIN) < README.indexOf('\n### ', heading + 1), 'before the next section');
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

  it('can be rewritten in place, and a README without its markers is refused', () => {
    assert.equal(withReference(README, settingsReference(SETTINGS), SETTINGS_BEGIN, SETTINGS_END), README);
    assert.equal(withReference(README.replace(SETTINGS_BEGIN, ''), 'x', SETTINGS_BEGIN, SETTINGS_END), undefined);
  });
});
