// The README's command reference is the declarations' own: this fails when an option, its default or
// its environment variable changes without `npm run readme`, and when the code reads a variable the
// README never names.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../../src/cli/main';
import { commandReference, REFERENCE_BEGIN, REFERENCE_END, withReference } from '../../src/cli/reference';
import type { Options } from '../../src/cli/command';

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
