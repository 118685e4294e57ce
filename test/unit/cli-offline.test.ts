// Commands that need no network, run in this process.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli';

describe('deployer-policy --out', function () {
  it('writes the three documents --json prints, as files', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-deployer-')), 'out');
    try {
      const env = { GRANTFLOW_CONFIG: path.join(dir, 'no-config') };
      const json = JSON.parse((await runCli(['deployer-policy', '--json'], env)).stdout) as { permissions: unknown; trust: unknown; caller: unknown };
      const written = await runCli(['deployer-policy', '--out', dir], env);
      assert.equal(written.code, 0, written.stderr);
      const read = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as unknown;
      assert.deepEqual(read('deployer-policy.json'), json.permissions);
      assert.deepEqual(read('trust-policy.json'), json.trust);
      assert.deepEqual(read('caller-policy.json'), json.caller);
      assert.match(written.stdout, /wrote .*trust-policy\.json/);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
