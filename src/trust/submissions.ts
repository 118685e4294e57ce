// Signing a submission (CI, with its private key) and verifying one (the worker, with the public keys
// it trusts). The signature covers a statement (src/core/attestation.ts) naming the team, the
// revision, each YAML file's SHA-256 and the SHA-256 of the exact config text staged in Temporal; the
// worker refuses a config whose text, team or revision differs from what was signed, a signature by a
// key it does not trust, and (at submission) a signature too old to be the submission just made.
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseStatement, sameRevision, statementText, SUBMISSION_STATEMENT_FORMAT, type SignedSubmission, type SubmissionStatement } from '../core/attestation';
import type { Revision } from '../core/revision';
import { formatDuration } from '../core/time';
import { fingerprint } from './keys';

export interface TrustedKey {
  /** What operators call it (`github-ci`); shown in the reconcile workflow's state and in refusals. */
  name: string;
  id: string;
  key: KeyObject;
}

/** What the worker accepts submissions from. */
export interface SubmissionTrust {
  keys: readonly TrustedKey[];
  /** Accept submissions that carry no signature (a signed one must still verify). Off unless the operator says so. */
  insecureAcceptUnsigned: boolean;
  /** A submission signed longer ago than this is refused when it arrives (a replayed old submission, say). */
  maxAgeMs: number;
}

export const DEFAULT_SUBMISSION_MAX_AGE_MS = 60 * 60 * 1000;
/** How far a signature's time may lie ahead of the worker's clock (clocks differ a little). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export const UNSIGNED_SIGNER = 'unsigned (worker accepts unsigned submissions)';

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function signSubmission(
  input: { team: string; revision: Revision; configText: string; files: Record<string, string> },
  privateKey: KeyObject,
  now = new Date(),
): SignedSubmission {
  const statement: SubmissionStatement = {
    format: SUBMISSION_STATEMENT_FORMAT,
    team: input.team,
    revision: input.revision,
    configSha256: sha256Hex(input.configText),
    files: input.files,
    signedAt: now.toISOString(),
  };
  const text = statementText(statement);
  return { statement: text, signature: crypto.sign(null, Buffer.from(text), privateKey).toString('base64'), keyId: fingerprint(privateKey) };
}

/** What `submitTeam` calls to sign the exact config text it stages; `files`: the YAML files' digests it was read from. */
export function signerFor(
  privateKey: KeyObject,
  files: Record<string, string> = {},
): (input: { team: string; revision: Revision; configText: string }) => SignedSubmission {
  return (input) => signSubmission({ ...input, files }, privateKey);
}

/** SHA-256 of each file, by its path relative to `dir` (forward slashes), as a signed statement lists them. */
export function fileDigests(dir: string, files: readonly string[]): Record<string, string> {
  return Object.fromEntries([...files].sort().map((file) => [path.relative(dir, file).split(path.sep).join('/'), sha256Hex(fs.readFileSync(file))]));
}

export type Verdict = { ok: true; signer: string; statement?: SubmissionStatement } | { ok: false; reason: string };

function trustedList(trust: SubmissionTrust): string {
  return trust.keys.length ? trust.keys.map((k) => `${k.name} (${k.id})`).join(', ') : 'none';
}

/**
 * Whether `signed` vouches for this config of this team. `arriving`: the submission is being
 * accepted now, so its signature must be recent and its revision the one the submitter sent.
 */
export function verifySubmission(
  signed: SignedSubmission | undefined,
  expected: { team: string; configText: string; revision?: Revision },
  trust: SubmissionTrust,
  options: { nowMs: number; arriving: boolean },
): Verdict {
  if (!signed) {
    if (trust.insecureAcceptUnsigned) return { ok: true, signer: UNSIGNED_SIGNER };
    return {
      ok: false,
      reason:
        `the submission of team ${expected.team} is not signed, and this worker accepts only signed submissions (trusted keys: ${trustedList(trust)}); ` +
        'submit from CI with its signing key (GRANTFLOW_SIGNING_KEY), or start the worker with --insecure-accept-unsigned on a test stack',
    };
  }
  const trusted = trust.keys.find((k) => k.id === signed.keyId);
  if (!trusted) {
    return {
      ok: false,
      reason: `the submission of team ${expected.team} is signed by key ${signed.keyId}, which this worker does not trust (trusted keys: ${trustedList(trust)})`,
    };
  }
  let valid = false;
  try {
    valid = crypto.verify(null, Buffer.from(signed.statement), trusted.key, Buffer.from(signed.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) {
    return {
      ok: false,
      reason: `the signature on the submission of team ${expected.team} does not verify with trusted key ${trusted.name} (${trusted.id}): the statement was changed after signing`,
    };
  }
  const statement = parseStatement(signed.statement);
  if (!statement) return { ok: false, reason: `the signed statement for team ${expected.team} is not a ${SUBMISSION_STATEMENT_FORMAT} statement` };
  if (statement.team !== expected.team) {
    return { ok: false, reason: `the signature by ${trusted.name} is for team ${statement.team}, not ${expected.team}` };
  }
  const received = sha256Hex(expected.configText);
  if (received !== statement.configSha256) {
    return {
      ok: false,
      reason:
        `the config of team ${expected.team} does not match what ${trusted.name} signed (SHA-256 ${statement.configSha256.slice(0, 12)}… signed, ` +
        `${received.slice(0, 12)}… received): it was changed after signing`,
    };
  }
  if (expected.revision && !sameRevision(expected.revision, statement.revision)) {
    return { ok: false, reason: `the revision submitted for team ${expected.team} is not the revision ${trusted.name} signed` };
  }
  if (options.arriving) {
    const signedMs = Date.parse(statement.signedAt);
    if (!Number.isFinite(signedMs)) return { ok: false, reason: `the signature's time "${statement.signedAt}" cannot be read` };
    if (signedMs > options.nowMs + CLOCK_SKEW_MS) {
      return {
        ok: false,
        reason: `the submission of team ${expected.team} was signed at ${statement.signedAt}, ahead of the worker's clock; check the signer's clock`,
      };
    }
    if (options.nowMs - signedMs > trust.maxAgeMs) {
      return {
        ok: false,
        reason:
          `the submission of team ${expected.team} was signed at ${statement.signedAt}, more than ${formatDuration(trust.maxAgeMs)} ago; ` +
          'a signature is accepted only fresh (an old one may be a replay): submit again from CI',
      };
    }
  }
  return { ok: true, signer: trusted.name, statement };
}
