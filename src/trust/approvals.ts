// Approvals of break-glass requests: an approver signs the request's exact terms with their SSH
// ed25519 key (a key file, or ssh-agent), and the worker counts the approval only when a key the
// rule in force names made the signature, over exactly those terms, recently, and self-approval is
// allowed where it is one. The same check runs again whenever the grant applies.
import crypto from 'node:crypto';
import fs from 'node:fs';
import {
  approvalStatement,
  approvalText,
  APPROVAL_FORMAT,
  ruleDigest,
  termsMismatch,
  type ApprovalStatement,
  type RequestTerms,
  type SignedApproval,
} from '../core/break-glass';
import { canonicalPrincipal } from '../core/names';
import type { BreakGlassRule, UserRef } from '../core/team-config';
import { agentSign } from './ssh-agent';
import { EncryptedKeyError, fingerprint, KeyFormatError, parsePrivateKey, parsePublicKey, sshBlob } from './keys';

export type { SignedApproval } from '../core/break-glass';

/** Something that signs with one ed25519 key. */
export interface ApprovalSigner {
  keyId: string;
  /** How it signs, for the approver's progress line: the key file, or ssh-agent. */
  via: string;
  sign(data: Buffer): Promise<Buffer>;
}

/** How far a signature's time may lie from the worker's clock when it arrives. */
export const APPROVAL_CLOCK_SKEW_MS = 5 * 60 * 1000;

export class ApprovalKeyError extends Error {}

/**
 * The signer for the key at `file`: an unencrypted private key signs itself; a public key line (or a
 * passphrase-protected key, through its `.pub` beside it) is handed to ssh-agent at SSH_AUTH_SOCK.
 */
export function approvalSigner(file: string, env: Record<string, string | undefined>): ApprovalSigner {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ApprovalKeyError(`cannot read the key ${file}: ${(error as Error).message}; pass your SSH ed25519 key with --key`);
  }
  const viaAgent = (publicText: string, from: string): ApprovalSigner => {
    const socket = env.SSH_AUTH_SOCK;
    if (!socket) throw new ApprovalKeyError(`${from}: ssh-agent must sign with it, but SSH_AUTH_SOCK is not set; start ssh-agent and ssh-add the key`);
    const key = parsePublicKey(publicText);
    return { keyId: key.id, via: `ssh-agent (${key.id})`, sign: (data) => agentSign(socket, sshBlob(key.key), data) };
  };
  try {
    if (text.trim().startsWith('ssh-ed25519 ')) return viaAgent(text, `${file} is a public key`);
    const key = parsePrivateKey(text);
    return { keyId: fingerprint(key), via: file, sign: async (data) => crypto.sign(null, data, key) };
  } catch (error) {
    if (error instanceof EncryptedKeyError) {
      const pub = `${file}.pub`;
      if (!fs.existsSync(pub))
        throw new ApprovalKeyError(`${file} is protected by a passphrase and has no ${pub} beside it: ssh-add it and pass the .pub with --key`);
      return viaAgent(fs.readFileSync(pub, 'utf8'), `${file} is protected by a passphrase`);
    }
    if (error instanceof KeyFormatError) throw new ApprovalKeyError(`${file}: ${error.message}`);
    throw error;
  }
}

export async function signApproval(terms: RequestTerms, signer: ApprovalSigner, options: { now?: Date; selfReason?: string } = {}): Promise<SignedApproval> {
  const text = approvalText(approvalStatement(terms, (options.now ?? new Date()).toISOString(), options.selfReason));
  const signature = await signer.sign(Buffer.from(text));
  return { statement: text, signature: signature.toString('base64'), keyId: signer.keyId };
}

export type ApprovalVerdict = { ok: true; approver: UserRef; statement: ApprovalStatement; self: boolean } | { ok: false; reason: string };

/** The rule's approvers with their keys' fingerprints (a key that cannot be read names no one). */
export function approverKeys(rule: BreakGlassRule): { user: UserRef; id: string; key: crypto.KeyObject }[] {
  return rule.approvers.flatMap((approver) => {
    try {
      const key = parsePublicKey(approver.key);
      return [{ user: approver.user, id: key.id, key: key.key }];
    } catch {
      return [];
    }
  });
}

function parseApproval(text: string): ApprovalStatement | undefined {
  try {
    const value = JSON.parse(text) as ApprovalStatement;
    return value && value.format === APPROVAL_FORMAT && typeof value.signedAt === 'string' && value.request && typeof value.request === 'object'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `signed` approves the request with these terms under `rule` (the rule in force, named
 * `ruleName`). `arriving`: the approval is being accepted now, so it must be recent and the rule
 * exactly the one the request was checked against; when the grant applies later, the rule must
 * still list the approver's key.
 */
export function verifyApproval(signed: SignedApproval, terms: RequestTerms, rule: BreakGlassRule, options: { arrivingAtMs?: number }): ApprovalVerdict {
  const refuse = (reason: string) => ({ ok: false as const, reason });
  const where = `rule ${terms.rule} (${rule.source.file}:${rule.source.line})`;
  if (options.arrivingAtMs !== undefined && ruleDigest(rule) !== terms.ruleDigest) {
    return refuse(`${where} changed since the request was made; the request must be made again under the rule as it stands`);
  }
  const keys = approverKeys(rule);
  const approver = keys.find((k) => k.id === signed.keyId);
  if (!approver) {
    return refuse(
      `key ${signed.keyId} is not the key of an approver of ${where}; its approvers are ${keys.map((k) => `${k.user.written} (${k.id})`).join(', ')}`,
    );
  }
  let valid = false;
  try {
    valid = crypto.verify(null, Buffer.from(signed.statement), approver.key, Buffer.from(signed.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid)
    return refuse(
      `the signature does not verify with the key of ${approver.user.written} (${approver.id}): the approval was altered after signing, or signed with another key`,
    );
  const statement = parseApproval(signed.statement);
  if (!statement) return refuse(`what ${approver.user.written} signed is not a ${APPROVAL_FORMAT} statement`);
  const differs = termsMismatch(statement.request, terms);
  if (differs.length > 0) {
    return refuse(`${approver.user.written} signed other terms than this request's (they differ in ${differs.join(', ')}): approve the request as it stands`);
  }
  if (options.arrivingAtMs !== undefined) {
    const signedMs = Date.parse(statement.signedAt);
    if (!Number.isFinite(signedMs) || Math.abs(signedMs - options.arrivingAtMs) > APPROVAL_CLOCK_SKEW_MS) {
      return refuse(
        `${approver.user.written}'s approval was signed at ${statement.signedAt}, more than ${APPROVAL_CLOCK_SKEW_MS / 60_000} minutes from the worker's clock: check the approver's clock and approve again`,
      );
    }
  }
  const self = canonicalPrincipal(approver.user.name) === canonicalPrincipal(terms.principal);
  if (self && !rule.selfApproval) {
    const others = rule.approvers.filter((a) => canonicalPrincipal(a.user.name) !== canonicalPrincipal(terms.principal)).map((a) => a.user.written);
    return refuse(
      `${approver.user.written} may not approve their own request: ${where} does not allow self-approval; ask ${others.join(' or ') || 'another approver'}`,
    );
  }
  if (self && !statement.selfReason) return refuse(`a self-approval needs a reason: approve again with --reason (every approver of ${where} is told)`);
  return { ok: true, approver: approver.user, statement, self };
}
