// An inline policy's document, as IAM holds it, turned into grantflow's statements: a `Statement`
// object or list, strings or lists, any key order, all become the one shape the team files write
// (lists everywhere), so that importing again gives the same bytes and `holdsStatements` recognises the
// original. What grantflow's schema cannot hold, or whose meaning would change under grantflow's
// policy version, is refused with the reason.
import { meaningChangesUnder2012, OLDEST_POLICY_VERSION, POLICY_VERSION } from '../documents';
import type { IamStatement } from '../team-config';

export type ImportedStatements = { ok: true; statements: IamStatement[] } | { ok: false; reason: string };

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

type Scalar = string | number | boolean;

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** A string or a list of strings, as a list; undefined when absent; a reason when it is neither. */
function stringList(value: unknown, key: string): string[] | undefined | { reason: string } {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string')) {
    return { reason: `its ${key} is not a string or a non-empty list of strings` };
  }
  // The team files trim what they read: a value with spaces around it would not read back the same.
  const odd = list.find((item) => item.trim() === '' || item.trim() !== item);
  if (odd !== undefined) return { reason: `its ${key} holds ${JSON.stringify(odd)}, blank or with spaces around it` };
  return list;
}

function condition(value: unknown): IamStatement['Condition'] | { reason: string } {
  const refused = { reason: 'its Condition is not a map of operators to maps of keys to values' };
  if (!value || typeof value !== 'object' || Array.isArray(value)) return refused;
  const out: NonNullable<IamStatement['Condition']> = {};
  for (const [operator, keys] of Object.entries(value as Record<string, unknown>)) {
    if (operator === '' || !keys || typeof keys !== 'object' || Array.isArray(keys)) return refused;
    const block: Record<string, Scalar | Scalar[]> = {};
    for (const [key, given] of Object.entries(keys as Record<string, unknown>)) {
      if (key === '') return refused;
      if (isScalar(given)) block[key] = given;
      else if (Array.isArray(given) && given.length > 0 && given.every(isScalar)) block[key] = given;
      else return { reason: `its Condition ${operator} ${key} is not a value or a non-empty list of values` };
    }
    out[operator] = block;
  }
  return out;
}

function statementOf(raw: unknown, index: number): IamStatement | { reason: string } {
  const at = (reason: string) => ({ reason: `statement ${index + 1}: ${reason}` });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return at('it is not an object');
  const s = raw as Record<string, unknown>;
  if ('Principal' in s || 'NotPrincipal' in s) return at('it names a Principal, which an identity policy does not take');
  const unknown = Object.keys(s).find((key) => !STATEMENT_KEYS.has(key));
  if (unknown !== undefined) return at(`it has ${JSON.stringify(unknown)}, which grantflow's statements do not hold`);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return at(`its Effect is ${JSON.stringify(s.Effect)}, not "Allow" or "Deny"`);
  if (s.Sid !== undefined && (typeof s.Sid !== 'string' || !/^[A-Za-z0-9]*$/.test(s.Sid))) return at('its Sid holds characters other than letters and digits');
  const lists: Partial<Record<'Action' | 'NotAction' | 'Resource' | 'NotResource', string[]>> = {};
  for (const key of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
    const list = stringList(s[key], key);
    if (list && !Array.isArray(list)) return at(list.reason);
    if (list) lists[key] = list;
  }
  if ((lists.Action === undefined) === (lists.NotAction === undefined)) return at('it needs exactly one of Action and NotAction');
  if ((lists.Resource === undefined) === (lists.NotResource === undefined)) return at('it needs exactly one of Resource and NotResource');
  const conditions = s.Condition === undefined ? undefined : condition(s.Condition);
  if (conditions && 'reason' in conditions && typeof conditions.reason === 'string') return at(conditions.reason);
  return {
    ...(s.Sid !== undefined ? { Sid: s.Sid as string } : {}),
    Effect: s.Effect,
    ...lists,
    ...(conditions ? { Condition: conditions as NonNullable<IamStatement['Condition']> } : {}),
  };
}

/** The statements of an inline policy's document, in grantflow's shape, or why they cannot be imported. */
export function importStatements(document: string): ImportedStatements {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return { ok: false, reason: 'its document is not JSON' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, reason: 'its document is not a JSON object' };
  const { Version, Statement, Id: _id, ...rest } = parsed as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) return { ok: false, reason: `its document has ${JSON.stringify(extra)}, which an IAM policy does not` };
  if (Version !== undefined && Version !== POLICY_VERSION && Version !== OLDEST_POLICY_VERSION) {
    return { ok: false, reason: `its Version is ${JSON.stringify(Version)}, not ${POLICY_VERSION} or ${OLDEST_POLICY_VERSION}` };
  }
  if (meaningChangesUnder2012(Version, Statement)) {
    return {
      ok: false,
      reason:
        `its Version is ${Version === undefined ? `unset (read as ${OLDEST_POLICY_VERSION})` : OLDEST_POLICY_VERSION} and it uses \${...} policy variables, ` +
        `which that version reads as literal text; grantflow writes ${POLICY_VERSION}, where they are substituted, so its meaning would change`,
    };
  }
  const raws = Array.isArray(Statement) ? Statement : Statement !== undefined ? [Statement] : [];
  if (raws.length === 0) return { ok: false, reason: 'its document has no statements' };
  const statements: IamStatement[] = [];
  for (const [index, raw] of raws.entries()) {
    const statement = statementOf(raw, index);
    if ('reason' in statement) return { ok: false, reason: statement.reason };
    statements.push(statement);
  }
  return { ok: true, statements };
}
