// `npm run demo` as a user runs it, in a folder of its own: the embedded stack comes up, the example
// team and the demo grant are granted, the demo grant expires and is revoked, and the local
// notification sink the demo starts prints what a team's Slack channel would get.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBin } from '../harness/cli';

describe('npm run demo (the embedded stack as a child process)', function () {
  this.timeout(6 * 60_000);
  let stateDir: string;
  before(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-demo-'));
  });
  after(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  it('grants, revokes the demo grant at its expiry, and prints the notifications for it', async () => {
    const result = await runBin(['demo', '--expire-in', '40s', '--exit-when-revoked', '--state-dir', stateDir], {}, 5 * 60_000);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const granted = at(/notification: .*Granted/);
    const expiring = at(/notification: .*Expiring/);
    const revoked = at(/notification: .*Revoked \(expired\)/);
    assert.ok(granted >= 0 && expiring >= 0 && revoked >= 0, `granted, expiring and revoked notifications:\n${result.stdout}`);
    assert.ok(granted < expiring && expiring < revoked, `in the order they happen:\n${result.stdout}`);
    assert.match(lines[revoked]!, /developer/, 'the notification names the principal');
    assert.match(result.stdout, /the demo grant expired and was revoked; IAM in prod no longer holds its inline policy/);
    assert.ok(fs.existsSync(path.join(stateDir, 'temporal')), 'the state went to --state-dir');
  });
});
