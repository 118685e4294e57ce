// Signing keys in the formats people have (checked against ssh-keygen itself where it is installed),
// the signing key a submitter reads, and the worker's trust built from keys and files of keys.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprint, generateSigningKey, KeyFormatError, openSshLine, parsePrivateKey, parsePublicKey } from '../../../src/trust/keys';
import { buildTrust, loadSigningKey } from '../../../src/trust/worker-trust';

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
