// ed25519 keys for signed submissions, in the formats people already have: a public key as an
// OpenSSH line (`ssh-ed25519 AAAA… comment`) or a PEM block, a private key as PEM (PKCS#8) or an
// unencrypted OpenSSH private key (what `ssh-keygen -t ed25519 -N ''` writes). A key is named by its
// fingerprint as `ssh-keygen -l` prints it (`SHA256:…`), whatever format it came in.
import crypto, { type KeyObject } from 'node:crypto';

export interface PublicKey {
  key: KeyObject;
  /** `SHA256:<base64>` of the OpenSSH key blob. */
  id: string;
  comment?: string;
}

export class KeyFormatError extends Error {}

/** An OpenSSH private key protected by a passphrase: grantflow does not prompt for it (ssh-agent can sign instead). */
export class EncryptedKeyError extends KeyFormatError {}

const SSH_ED25519 = 'ssh-ed25519';

/** An SSH wire-format string: uint32 length, then the bytes. */
function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** Reads SSH wire-format strings one after another. */
class SshReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}
  string(): Buffer {
    if (this.offset + 4 > this.buffer.length) throw new KeyFormatError('the key is truncated');
    const length = this.buffer.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + length > this.buffer.length) throw new KeyFormatError('the key is truncated');
    this.offset = start + length;
    return this.buffer.subarray(start, start + length);
  }
  uint32(): number {
    if (this.offset + 4 > this.buffer.length) throw new KeyFormatError('the key is truncated');
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
}

function rawPublic(key: KeyObject): Buffer {
  if (key.type === 'private') key = crypto.createPublicKey(key);
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new KeyFormatError('not an ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

function fromRawPublic(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new KeyFormatError(`an ed25519 public key has 32 bytes, this one ${raw.length}`);
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** The OpenSSH blob of a public key: string("ssh-ed25519"), string(32 raw bytes). What ssh-agent names a key by. */
export function sshBlob(key: KeyObject): Buffer {
  return Buffer.concat([sshString(Buffer.from(SSH_ED25519)), sshString(rawPublic(key))]);
}

export function fingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return `SHA256:${crypto.createHash('sha256').update(sshBlob(publicKey)).digest('base64').replace(/=+$/, '')}`;
}

/** The key as one OpenSSH line, for a worker's list of trusted keys. */
export function openSshLine(key: KeyObject, comment?: string): string {
  const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return `${SSH_ED25519} ${sshBlob(publicKey).toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** A public key from an OpenSSH line or a PEM block. */
export function parsePublicKey(text: string): PublicKey {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) {
    let key: KeyObject;
    try {
      key = crypto.createPublicKey(trimmed);
    } catch (error) {
      throw new KeyFormatError(`not a PEM public key (${(error as Error).message})`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new KeyFormatError(`a ${key.asymmetricKeyType} key; grantflow signs with ed25519 keys`);
    return { key, id: fingerprint(key) };
  }
  const [type, blob, ...comment] = trimmed.split(/\s+/);
  if (type !== SSH_ED25519 || !blob) {
    throw new KeyFormatError(`expected "ssh-ed25519 AAAA…" or a PEM public key, got "${trimmed.slice(0, 40)}${trimmed.length > 40 ? '…' : ''}"`);
  }
  const reader = new SshReader(Buffer.from(blob, 'base64'));
  if (reader.string().toString() !== SSH_ED25519) throw new KeyFormatError('the key blob does not say ssh-ed25519');
  const key = fromRawPublic(reader.string());
  return { key, id: fingerprint(key), ...(comment.length ? { comment: comment.join(' ') } : {}) };
}

const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0');

/** An unencrypted OpenSSH ed25519 private key (the format of `ssh-keygen -t ed25519 -N ''`). */
function parseOpenSshPrivate(pem: string): KeyObject {
  const body = pem.replace(/-----(BEGIN|END) OPENSSH PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  const data = Buffer.from(body, 'base64');
  if (!data.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) throw new KeyFormatError('not an OpenSSH private key');
  const reader = new SshReader(data.subarray(OPENSSH_MAGIC.length));
  const cipher = reader.string().toString();
  reader.string(); // kdf name
  reader.string(); // kdf options
  if (cipher !== 'none') throw new EncryptedKeyError('the OpenSSH key is protected by a passphrase; keep an unencrypted key in the CI secret store instead');
  if (reader.uint32() !== 1) throw new KeyFormatError('the OpenSSH file holds more than one key');
  reader.string(); // public key blob
  const secret = new SshReader(reader.string());
  if (secret.uint32() !== secret.uint32()) throw new KeyFormatError('the OpenSSH key failed its check (corrupt)');
  if (secret.string().toString() !== SSH_ED25519) throw new KeyFormatError('the OpenSSH key is not ed25519');
  const publicRaw = secret.string();
  const privateRaw = secret.string(); // 32-byte seed, then the 32-byte public key
  if (privateRaw.length !== 64) throw new KeyFormatError('the OpenSSH ed25519 key has the wrong length');
  return crypto.createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: privateRaw.subarray(0, 32).toString('base64url'), x: publicRaw.toString('base64url') },
    format: 'jwk',
  });
}

/** A private key from PEM (PKCS#8) or an unencrypted OpenSSH private key. */
export function parsePrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----')) return parseOpenSshPrivate(trimmed);
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey(trimmed);
  } catch (error) {
    throw new KeyFormatError(`not a private key in PEM or OpenSSH format (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyFormatError(`a ${key.asymmetricKeyType} key; grantflow signs with ed25519 keys`);
  return key;
}

/** A new key pair: the private key as PKCS#8 PEM, the public key as an OpenSSH line. */
export function generateSigningKey(comment = 'grantflow-submitter'): { privatePem: string; publicLine: string; id: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicLine: openSshLine(publicKey, comment),
    id: fingerprint(publicKey),
  };
}
