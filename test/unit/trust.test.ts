// Signed submissions: keys in the formats people have (checked against ssh-keygen itself where it is
// installed), and every way a signature must fail to vouch for a submission.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { statementText, type SignedSubmission } from '../../src/core/attestation';
import type { Revision } from '../../src/core/revision';
import { fingerprint, generateSigningKey, KeyFormatError, openSshLine, parsePrivateKey, parsePublicKey } from '../../src/trust/keys';
import { sha256Hex, signSubmission, UNSIGNED_SIGNER, verifySubmission, type SubmissionTrust } from '../../src/trust/submissions';
import { buildTrust, loadSigningKey } from '../../src/trust/worker-trust';

const hasSshKeygen = spawnSync('sh', ['-c', 'command -v ssh-keygen']).status === 0;

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-trust-'));
}

describe('trust: signing keys', function () {
  it('reads a key pair made by ssh-keygen (OpenSSH private key, ssh-ed25519 line) and names it by the fingerprint ssh-keygen prints', function () {
    if (!hasSshKeygen) this.skip();
    const dir = tempDir();
    const file = path.join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ci@example', '-f', file]);
    const printed = execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1];
    const publicKey = parsePublicKey(fs.readFileSync(`${file}.pub`, 'utf8'));
    const privateKey = parsePrivateKey(fs.readFileSync(file, 'utf8'));
    assert.equal(publicKey.id, printed);
    assert.equal(fingerprint(privateKey), printed);
    assert.equal(publicKey.comment, 'ci@example');
    const signature = crypto.sign(null, Buffer.from('statement'), privateKey);
    assert.ok(crypto.verify(null, Buffer.from('statement'), publicKey.key, signature), 'the private key signs for the public one');
  });

  it('writes public keys as OpenSSH lines that ssh-keygen reads, with the fingerprint ssh-keygen prints', function () {
    if (!hasSshKeygen) this.skip();
    const key = generateSigningKey('made-by-grantflow');
    const file = path.join(tempDir(), 'key.pub');
    fs.writeFileSync(file, `${key.publicLine}\n`);
    const printed = execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' }).split(' ')[1];
    assert.equal(printed, key.id);
  });

  it('names a key the same whether it is written as PEM or as an OpenSSH line', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(parsePublicKey(pem).id, parsePublicKey(openSshLine(publicKey)).id);
    assert.equal(fingerprint(parsePrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())), parsePublicKey(pem).id);
  });

  const refusedKeys: [string, () => string, RegExp][] = [
    [
      'an RSA public key',
      () => crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      /rsa key; grantflow signs with ed25519/,
    ],
    ['a line that is not a key', () => 'ssh-rsa AAAAB3NzaC1yc2E', /expected "ssh-ed25519 AAAA…"/],
    ['a truncated key blob', () => `ssh-ed25519 ${Buffer.from([0, 0, 0, 11]).toString('base64')}`, /truncated/],
    [
      'a blob that says another type',
      () => `ssh-ed25519 ${Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-rsa')]).toString('base64')}`,
      /does not say ssh-ed25519/,
    ],
  ];
  for (const [what, text, message] of refusedKeys) {
    it(`refuses ${what} as a trusted key, saying why`, () => {
      assert.throws(
        () => parsePublicKey(text()),
        (error: unknown) => error instanceof KeyFormatError && message.test(error.message),
      );
    });
  }

  it('refuses a passphrase-protected OpenSSH private key, saying to keep an unencrypted one in the CI secret store', function () {
    if (!hasSshKeygen) this.skip();
    const file = path.join(tempDir(), 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret phrase', '-f', file]);
    assert.throws(() => parsePrivateKey(fs.readFileSync(file, 'utf8')), /protected by a passphrase/);
  });

  it('reads the signing key from GRANTFLOW_SIGNING_KEY (the key itself) or a file, and says which could not be used', () => {
    const key = generateSigningKey();
    assert.equal(fingerprint(loadSigningKey({ env: { GRANTFLOW_SIGNING_KEY: key.privatePem } }).key!), key.id);
    const file = path.join(tempDir(), 'ci.pem');
    fs.writeFileSync(file, key.privatePem);
    assert.equal(fingerprint(loadSigningKey({ file, env: {} }).key!), key.id);
    assert.deepEqual(loadSigningKey({ env: {} }), {});
    assert.match(loadSigningKey({ env: { GRANTFLOW_SIGNING_KEY: 'not a key' } }).error!, /in GRANTFLOW_SIGNING_KEY cannot be used/);
    assert.match(loadSigningKey({ file: path.join(tempDir(), 'missing.pem'), env: {} }).error!, /cannot read the signing key/);
  });

  it('builds the worker trust from inline keys and files of keys, skipping repeats and naming bad entries where they were written', () => {
    const a = generateSigningKey('ci-a');
    const b = generateSigningKey('ci-b');
    const file = path.join(tempDir(), 'keys');
    fs.writeFileSync(file, `# the CI keys\n${b.publicLine}\n${a.publicLine}\n`);
    const built = buildTrust({
      keys: [
        { name: 'primary', text: a.publicLine, at: { file: 'worker.yaml', line: 3, col: 5 } },
        { text: file, orFile: true, at: { file: '--trusted-key', line: 1, col: 1 } },
        { name: 'broken', text: 'ssh-ed25519 !!!', at: { file: 'worker.yaml', line: 9, col: 5 } },
      ],
      insecureAcceptUnsigned: false,
    });
    assert.deepEqual(
      built.trust.keys.map((k) => [k.name, k.id]),
      [
        ['primary', a.id],
        ['ci-b', b.id],
      ],
    );
    assert.equal(built.diagnostics.length, 1);
    assert.equal(built.diagnostics[0]!.line, 9);
    assert.match(built.diagnostics[0]!.message, /trusted key "broken"/);
  });
});

describe('trust: verifying a signed submission', function () {
  const ci = generateSigningKey('ci');
  const stranger = generateSigningKey('stranger');
  const ciKey = parsePrivateKey(ci.privatePem);
  const trust: SubmissionTrust = {
    keys: [{ name: 'ci', id: ci.id, key: parsePublicKey(ci.publicLine).key }],
    insecureAcceptUnsigned: false,
    maxAgeMs: 3_600_000,
  };
  const revision: Revision = { commit: 'abc123', committedAt: '2026-12-01T10:00:00.000Z', submittedAt: '2026-12-01T10:05:00.000Z', submittedBy: 'ci' };
  const configText = JSON.stringify({ team: 'payments', accounts: { prod: '222222222222' } });
  const now = Date.parse('2026-12-01T10:05:30Z');
  const sign = (over: { team?: string; text?: string; key?: crypto.KeyObject; at?: string } = {}): SignedSubmission =>
    signSubmission(
      { team: over.team ?? 'payments', revision, configText: over.text ?? configText, files: { 'aws-accounts/payments.yaml': sha256Hex('aws-accounts: {}') } },
      over.key ?? ciKey,
      new Date(over.at ?? '2026-12-01T10:05:00Z'),
    );
  const expected = { team: 'payments', configText, revision };
  const arriving = { nowMs: now, arriving: true };

  it('vouches for the exact config, team and revision a trusted key signed, naming the signer', () => {
    const verdict = verifySubmission(sign(), expected, trust, arriving);
    assert.ok(verdict.ok);
    assert.equal(verdict.signer, 'ci');
    assert.equal(verdict.statement?.configSha256, sha256Hex(configText));
    assert.deepEqual(Object.keys(verdict.statement?.files ?? {}), ['aws-accounts/payments.yaml']);
  });

  const refusals: [string, () => SignedSubmission | undefined, Partial<typeof expected>, { nowMs: number; arriving: boolean }, RegExp][] = [
    ['an unsigned submission on a worker that accepts only signed ones', () => undefined, {}, arriving, /is not signed.*--insecure-accept-unsigned/],
    [
      'a signature by a key the worker does not trust',
      () => sign({ key: parsePrivateKey(stranger.privatePem) }),
      {},
      arriving,
      /signed by key SHA256:.*which this worker does not trust \(trusted keys: ci/,
    ],
    [
      'a statement changed after signing (another revision written into it)',
      () => {
        const signed = sign();
        return { ...signed, statement: signed.statement.replace('abc123', 'def456') };
      },
      {},
      arriving,
      /does not verify with trusted key ci/,
    ],
    ['a signature copied onto another statement', () => ({ ...sign(), signature: sign({ text: '{}' }).signature }), {}, arriving, /does not verify/],
    [
      'a config changed after signing',
      () => sign(),
      { configText: configText.replace('222222222222', '333333333333') },
      arriving,
      /does not match what ci signed .*changed after signing/,
    ],
    ["another team's signed config", () => sign({ team: 'ledger' }), {}, arriving, /is for team ledger, not payments/],
    ['a revision other than the one signed', () => sign(), { revision: { ...revision, commit: 'ffffff' } }, arriving, /not the revision ci signed/],
    [
      'a signature older than the worker accepts, as it arrives (a replay)',
      () => sign(),
      {},
      { nowMs: now + 2 * 3_600_000, arriving: true },
      /more than 1h ago.*replay/,
    ],
    ['a signature dated ahead of the worker clock', () => sign({ at: '2026-12-01T11:00:00Z' }), {}, arriving, /ahead of the worker's clock/],
  ];
  for (const [what, signed, change, options, message] of refusals) {
    it(`refuses ${what}`, () => {
      const verdict = verifySubmission(signed(), { ...expected, ...change }, trust, options);
      assert.equal(verdict.ok, false);
      assert.match(!verdict.ok ? verdict.reason : '', message);
    });
  }

  it('keeps vouching for an applied config after its signature has aged, since only an arriving submission must be fresh', () => {
    assert.ok(verifySubmission(sign(), expected, trust, { nowMs: now + 30 * 86_400_000, arriving: false }).ok);
  });

  it('accepts an unsigned submission only on a worker told to, and still refuses a bad signature there', () => {
    const insecure = { ...trust, insecureAcceptUnsigned: true };
    const verdict = verifySubmission(undefined, expected, insecure, arriving);
    assert.deepEqual(verdict, { ok: true, signer: UNSIGNED_SIGNER });
    assert.equal(verifySubmission({ ...sign(), signature: 'AAAA' }, expected, insecure, arriving).ok, false);
  });

  it('signs the canonical text of its statement, so the statement reads back to the same text', () => {
    const signed = sign();
    assert.equal(statementText(JSON.parse(signed.statement) as Parameters<typeof statementText>[0]), signed.statement);
  });
});
