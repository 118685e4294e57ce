// What a trusted submitter (the organisation's CI) signs when it submits a team: the team, the git
// revision, the SHA-256 of every YAML file it read and of the exact config it hands over. The worker
// applies a config only when such a statement, signed by a key it trusts, matches it (src/trust/).
// Pure: the statement's shape and text; hashing and signatures live in src/trust/.
import { z } from 'zod';
import { canonicalJson } from './canonical-json';
import type { Revision } from './revision';

/** Names the statement's format inside the signed text, so a signature over anything else never verifies as one. */
export const SUBMISSION_STATEMENT_FORMAT = 'grantflow-submission/1';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest in lower-case hex');

export const revisionSchema = z.object({
  commit: z.string().optional(),
  committedAt: z.string().optional(),
  submittedAt: z.string(),
  submittedBy: z.string(),
});

export const submissionStatementSchema = z.object({
  format: z.literal(SUBMISSION_STATEMENT_FORMAT),
  team: z.string(),
  revision: revisionSchema,
  /** SHA-256 of the config text the submission stages (the normalised team, as JSON). */
  configSha256: sha256Hex,
  /** SHA-256 of each YAML file the config was read from, by its path relative to the config folder. */
  files: z.record(z.string(), sha256Hex),
  signedAt: z.string(),
});

export type SubmissionStatement = z.infer<typeof submissionStatementSchema>;

/** A statement as it travels: the exact text that was signed, the signature, and which key signed it. */
export const signedSubmissionSchema = z.object({
  /** The statement as canonical JSON: the bytes the signature covers. */
  statement: z.string(),
  /** ed25519 signature over the statement's UTF-8 bytes, base64. */
  signature: z.string(),
  /** The signing key's fingerprint (`SHA256:…`, as ssh-keygen -l prints it). */
  keyId: z.string(),
});

export type SignedSubmission = z.infer<typeof signedSubmissionSchema>;

export function statementText(statement: SubmissionStatement): string {
  return canonicalJson(statement);
}

/** Reads a signed statement's text back; undefined when it is not one (the caller says why it refuses). */
export function parseStatement(text: string): SubmissionStatement | undefined {
  try {
    const parsed = submissionStatementSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Two revisions name the same submission: every field equal. */
export function sameRevision(a: Revision, b: Revision): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
