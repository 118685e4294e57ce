// Commands that need no network, run in this process.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprint, parsePrivateKey, parsePublicKey } from '../../../src/trust/keys';
import { runCli } from '../../harness/cli';

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

describe('keygen', function () {
  it('writes a private key only the owner can read, prints the public line that verifies it, and never overwrites a key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-keygen-'));
    try {
      const file = path.join(dir, 'ci.pem');
      const made = await runCli(['keygen', '--out', file, '--comment', 'github-ci'], {});
      assert.equal(made.code, 0, made.stderr);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const publicKey = parsePublicKey(made.stdout.trim());
      assert.equal(publicKey.comment, 'github-ci');
      assert.equal(fingerprint(parsePrivateKey(fs.readFileSync(file, 'utf8'))), publicKey.id);
      assert.match(made.stderr, /keep it secret .*GRANTFLOW_SIGNING_KEY/);
      const again = await runCli(['keygen', '--out', file], {});
      assert.equal(again.code, 1);
      assert.match(again.stderr, /exists; a signing key is never overwritten/);
      assert.equal(fingerprint(parsePrivateKey(fs.readFileSync(file, 'utf8'))), publicKey.id, 'the first key is intact');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('worker without trust', function () {
  it('refuses to start when it trusts no submitter, before connecting anywhere, and says how to fix it', async () => {
    const result = await runCli(['worker'], { GRANTFLOW_CONFIG: os.tmpdir(), TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /the worker trusts no submitter, so it would refuse every submission; list trusted_submitters in --worker-config, pass --trusted-key/,
    );
  });

  it('names a trusted key it cannot read, at the line of the worker configuration, and does not start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-worker-config-'));
    try {
      const file = path.join(dir, 'worker.yaml');
      fs.writeFileSync(file, 'trusted_submitters:\n  - name: ci\n    public_key: ssh-rsa AAAA\n');
      const result = await runCli(['worker', '--worker-config', file], { GRANTFLOW_CONFIG: os.tmpdir(), TEMPORAL_ADDRESS: '127.0.0.1:1' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: error: trusted key "ci": expected "ssh-ed25519 AAAA…"`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validate --worker-config', function () {
  it("reports what the worker's guardrails would refuse at the line that asks for less, and nothing without the file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-guardrails-'));
    try {
      fs.mkdirSync(path.join(dir, 'config', 'aws-accounts'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'config', 'aws-accounts', 'payments.yaml'), 'aws-accounts:\n  dev: "111111111111"\n  prod: "222222222222"\n');
      fs.writeFileSync(path.join(dir, 'config', 'grantflow.yaml'), 'require_mfa: [dev]\n');
      fs.writeFileSync(path.join(dir, 'worker.yaml'), 'guardrails:\n  require_mfa: [prod]\n  team_accounts:\n    payments: ["111111111111"]\n');
      const env = { GRANTFLOW_CONFIG: path.join(dir, 'config') };
      assert.equal((await runCli(['validate', 'payments'], env)).code, 0);
      const checked = await runCli(['validate', 'payments', '--worker-config', path.join(dir, 'worker.yaml')], env);
      assert.equal(checked.code, 1);
      assert.match(
        checked.stderr,
        /aws-accounts\/payments\.yaml:3:3: error: aws-accounts: environment prod names account 222222222222, which the worker gives to no team/,
      );
      assert.match(
        checked.stderr,
        /grantflow\.yaml:1:1: error: require_mfa: the worker requires MFA in environment prod .*\(the worker's guardrail require_mfa\)/,
      );
      const all = await runCli(['validate', '--all', '--worker-config', path.join(dir, 'worker.yaml')], env);
      assert.equal(all.code, 1);
      assert.match(all.stderr, /the worker requires MFA in environment prod/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
