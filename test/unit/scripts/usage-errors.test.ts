// The usage errors of the test runner and the bootstrap script (no tool is started).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../../../..');

describe('usage errors of the test runner and the bootstrap script', function () {
  const run = (script: string, args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'scripts', script), ...args], { cwd: REPO, encoding: 'utf8' });

  it('npm test -- --only without a group says which groups there are, and starts nothing', () => {
    const result = run('test.js', ['--only']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--only needs a group \(unit, integration, workflows, e2e, proof; several with commas\), as in `npm test -- --only unit`/);
    assert.doesNotMatch(result.stderr, /npm ci|tools|tsc/);
  });

  it('npm test -- --only with an unknown group, or --grep without a pattern, is a usage error', () => {
    const unknown = run('test.js', ['--only', 'units']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown group units; groups are unit, integration, workflows, e2e, proof/);
    const grep = run('test.js', ['--grep']);
    assert.equal(grep.status, 2);
    assert.match(grep.stderr, /--grep needs a pattern/);
  });

  it('npm test -- --quick (npm run test:unit) with a group other than unit is a usage error, and starts nothing', () => {
    const result = run('test.js', ['--only', 'unit,workflows', '--quick']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--quick runs the unit group alone, as in `npm run test:unit`/);
    assert.doesNotMatch(result.stderr, /npm ci|tools|tsc/);
  });

  it('bootstrap refuses a tool it does not know', () => {
    const result = run('bootstrap.js', ['go']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown tool go; the tools are temporal, moto and test-server/);
  });
});
