// Policy documents: rendering, the conditions a grant adds to Allow statements, canonical comparison
// and IAM's size count.
import { sortKeys } from './canonical-json';
import type { IamStatement } from './team-config';
import { toIamTime } from './time';

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: IamStatement[];
}

export const POLICY_VERSION = '2012-10-17';

/** IAM's limits, counted as non-whitespace characters of the document. */
export const LIMITS = {
  managedPolicyChars: 6144,
  userInlineChars: 2048,
  roleInlineChars: 10240,
  policyVersions: 5,
} as const;

/** The statement in IAM's usual key order, with its condition maps sorted. */
function orderStatement(statement: IamStatement): IamStatement {
  return {
    ...(statement.Sid !== undefined ? { Sid: statement.Sid } : {}),
    Effect: statement.Effect,
    ...(statement.Action ? { Action: statement.Action } : {}),
    ...(statement.NotAction ? { NotAction: statement.NotAction } : {}),
    ...(statement.Resource ? { Resource: statement.Resource } : {}),
    ...(statement.NotResource ? { NotResource: statement.NotResource } : {}),
    ...(statement.Condition ? { Condition: sortKeys(statement.Condition) as IamStatement['Condition'] } : {}),
  };
}

export function renderDocument(statements: readonly IamStatement[]): string {
  const document: PolicyDocument = { Version: POLICY_VERSION, Statement: statements.map(orderStatement) };
  return JSON.stringify(document);
}

/** A date condition value as IAM reads it: an ISO 8601 time, or seconds since the epoch. */
function conditionTimeMs(value: unknown): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value !== 'string') return NaN;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  return Date.parse(value);
}

type Condition = NonNullable<IamStatement['Condition']>;

/**
 * The conditions a grant adds to each Allow statement it writes: its expiry, and MFA where the
 * environment requires it. Deny statements never take them (see takesGrantConditions).
 */
export interface GrantConditions {
  expiresAt?: string;
  mfa?: boolean;
}

/**
 * A statement's own conditions with the grant's merged in. IAM ANDs the operators and keys of a
 * condition block, so adding keys only narrows when the statement applies. A statement that
 * already limits `aws:CurrentTime` keeps whichever limit is stricter (IAM ORs the values of one key,
 * so a list of times applies until its latest; that latest is what is compared). MFA is set to
 * "true", the stricter of the two values a statement could carry.
 */
export function mergeConditions(own: Condition | undefined, add: GrantConditions): Condition {
  const condition: Condition = { ...(own ?? {}) };
  if (add.expiresAt !== undefined) {
    const expiryMs = Date.parse(add.expiresAt);
    const dateLessThan = { ...(condition.DateLessThan ?? {}) };
    const existing = dateLessThan['aws:CurrentTime'];
    const values = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
    const ownMs = values.length > 0 ? Math.max(...values.map(conditionTimeMs)) : NaN;
    dateLessThan['aws:CurrentTime'] = Number.isFinite(ownMs) && ownMs < expiryMs ? toIamTime(ownMs) : add.expiresAt;
    condition.DateLessThan = dateLessThan;
  }
  if (add.mfa) condition.Bool = { ...(condition.Bool ?? {}), 'aws:MultiFactorAuthPresent': 'true' };
  return condition;
}

/**
 * Whether grantflow adds its conditions to this statement: Allow statements only (IAM's Effect is
 * case-sensitive). A condition narrows the statement it is on, which for an Allow narrows what is
 * allowed but for a Deny narrows what is denied: MFA on "Deny s3:DeleteBucket" would deny only
 * callers with MFA and let every access key through, and an expiry would lift the Deny while
 * policies attached as they are still allow. A Deny is written with exactly its own conditions.
 */
export function takesGrantConditions(statement: { Effect?: unknown }): boolean {
  return statement.Effect === 'Allow';
}

/** The statements with the grant's conditions merged into each Allow; Deny statements as written. */
export function conditionAllows(statements: readonly IamStatement[], add: GrantConditions): IamStatement[] {
  if (add.expiresAt === undefined && !add.mfa) return [...statements];
  return statements.map((statement) => (takesGrantConditions(statement) ? { ...statement, Condition: mergeConditions(statement.Condition, add) } : statement));
}

/**
 * Every Allow statement gains `DateLessThan aws:CurrentTime <expiry>`, merged with its own
 * conditions, so AWS itself stops honouring what the policy allows at expiry even if nothing else
 * runs. Its Deny statements keep denying until the policy is removed.
 */
export function withExpiry(statements: readonly IamStatement[], expiresAt: string): IamStatement[] {
  return conditionAllows(statements, { expiresAt });
}

/**
 * The expiring copy of a managed policy: the statements of its document (as IAM returned it), each
 * Allow with the grant's conditions merged into its own, each Deny exactly as the source wrote it;
 * everything else in a statement is kept as written. Throws on a document that is not a policy (the
 * caller attaches the original instead).
 */
export function renderExpiringCopy(sourceDocument: string, add: GrantConditions): string {
  const parsed = JSON.parse(sourceDocument) as { Version?: string; Statement?: unknown };
  const statements = Array.isArray(parsed.Statement)
    ? parsed.Statement
    : parsed.Statement && typeof parsed.Statement === 'object'
      ? [parsed.Statement]
      : undefined;
  if (!statements || statements.length === 0) throw new Error('the managed policy document has no statements');
  return JSON.stringify({
    Version: parsed.Version ?? POLICY_VERSION,
    Statement: statements.map((statement) => {
      if (!statement || typeof statement !== 'object') throw new Error('a statement of the managed policy document is not an object');
      const s = statement as IamStatement;
      return takesGrantConditions(s) ? { ...s, Condition: sortKeys(mergeConditions(s.Condition, add)) } : s;
    }),
  });
}

/**
 * The most a copy can grow over its source per statement, in IAM's count: a whole new condition
 * block with the expiry and (if required) MFA. Only Allow statements grow and a Deny grows by
 * nothing, so this times the number of statements is an upper bound: a copy judged to fit does.
 */
export function copyOverheadPerStatement(add: GrantConditions): number {
  const condition = mergeConditions(undefined, { expiresAt: add.expiresAt ?? '2000-01-01T00:00:00Z', mfa: add.mfa ?? false });
  return policySize(`,"Condition":${JSON.stringify(condition)}`);
}

/** IAM counts every character except whitespace. */
export function policySize(document: string): number {
  let size = 0;
  for (let i = 0; i < document.length; i++) {
    const c = document.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) size++;
  }
  return size;
}

/**
 * A form of a policy document that ignores what IAM ignores: whitespace, key order, and a single
 * value written as a string or as a one-element list. Used to decide whether a new version is needed.
 */
export function canonicalDocument(document: string): string {
  const parsed = JSON.parse(document) as unknown;
  const normalise = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) {
      const items = value.map((item) => normalise(item));
      return key !== 'Statement' && items.length === 1 ? items[0] : items;
    }
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value).sort()) out[k] = normalise((value as Record<string, unknown>)[k], k);
      return out;
    }
    return value;
  };
  const normalised = normalise(parsed) as Record<string, unknown>;
  if (normalised.Statement && !Array.isArray(normalised.Statement)) normalised.Statement = [normalised.Statement];
  return JSON.stringify(normalised);
}

export function sameDocument(a: string, b: string): boolean {
  try {
    return canonicalDocument(a) === canonicalDocument(b);
  } catch {
    return false;
  }
}

/** The version IAM reads a document as when it names none. */
export const OLDEST_POLICY_VERSION = '2008-10-17';

/**
 * Whether statements written under `version` would mean something else under grantflow's
 * 2012-10-17: a `${...}` policy variable is literal text in 2008-10-17 (or no version, which IAM
 * reads as that), and substituted in 2012-10-17.
 */
export function meaningChangesUnder2012(version: unknown, statements: unknown): boolean {
  return version !== POLICY_VERSION && JSON.stringify(statements ?? null).includes('${');
}

/**
 * Whether a document as IAM holds it (a `Statement` object or list, a string or a one-element list,
 * any key order, an `Id`) holds exactly these statements, with the same meaning: the same statements
 * in the same order, and no policy variable whose meaning the version changes. `plan` asks it of an
 * inline policy a grant names as its original; adoption deletes that inline policy only when it holds.
 */
export function holdsStatements(document: string, statements: readonly IamStatement[]): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return false;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
  const { Version, Statement, Id: _id, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || Statement === undefined) return false;
  if (Version !== undefined && Version !== POLICY_VERSION && Version !== OLDEST_POLICY_VERSION) return false;
  if (meaningChangesUnder2012(Version, Statement)) return false;
  try {
    return canonicalDocument(JSON.stringify({ Statement })) === canonicalDocument(JSON.stringify({ Statement: statements.map(orderStatement) }));
  } catch {
    return false;
  }
}
