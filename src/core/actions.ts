// IAM action patterns and condition operators: what IAM refuses outright (an error), and what the
// offline catalogue does not know (IAM accepts it; it simply matches nothing).
import type { ActionCatalog } from './rules/context';
import { closest } from './suggest';

/** `*` and `?` as IAM reads them in action names and ARNs, case-insensitively. */
export function wildcardRegex(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

export const hasWildcard = (text: string): boolean => text.includes('*') || text.includes('?');

/** IAM's own check of an action's shape; a reason when IAM would refuse the document. */
export function actionShapeProblem(pattern: string): string | undefined {
  if (pattern === '*') return undefined;
  const parts = pattern.split(':');
  if (parts.length === 1) return `action "${pattern}" is not of the form service:Action (e.g. s3:GetObject); IAM refuses an action without its service prefix`;
  if (parts.length > 2) return `action "${pattern}" has more than one ":"; IAM allows exactly one, between the service prefix and the action`;
  const [service, action] = parts as [string, string];
  if (service === '' || action === '') return `action "${pattern}" is not of the form service:Action (e.g. s3:GetObject)`;
  if (service !== '*' && /[^A-Za-z0-9.-]/.test(service)) {
    return `action "${pattern}": the service prefix "${service}" may contain only letters, digits, "-" and "." (IAM refuses wildcards there; write "*" alone for every service)`;
  }
  return undefined;
}

export type ActionLookup =
  | { known: true }
  /** `suggestion`: the action probably meant; `nearPrefix`: a real service prefix close to an unknown one. */
  | { known: false; kind: 'unknown-service' | 'unknown-action'; reason: string; suggestion?: string; nearPrefix?: string };

interface CatalogIndex {
  lower: Map<string, Set<string>>;
  memo: Map<string, ActionLookup>;
}

const indexes = new WeakMap<ActionCatalog, CatalogIndex>();

function indexOf(catalog: ActionCatalog): CatalogIndex {
  let index = indexes.get(catalog);
  if (!index) {
    index = { lower: new Map(), memo: new Map() };
    indexes.set(catalog, index);
  }
  return index;
}

function lowerActions(catalog: ActionCatalog, index: CatalogIndex, service: string): Set<string> | undefined {
  let set = index.lower.get(service);
  if (!set) {
    const actions = catalog.actionsOf(service);
    if (!actions) return undefined;
    set = new Set(actions.map((a) => a.toLowerCase()));
    index.lower.set(service, set);
  }
  return set;
}

/**
 * Whether the catalogue knows what a well-formed pattern stands for (check `actionShapeProblem`
 * first). An unknown one is no error for IAM: it matches nothing, or an action newer than the catalogue.
 */
export function lookupAction(pattern: string, catalog: ActionCatalog): ActionLookup {
  if (pattern === '*') return { known: true };
  const index = indexOf(catalog);
  const key = pattern.toLowerCase();
  const cached = index.memo.get(key);
  if (cached) return cached;
  const result = lookupUncached(pattern, catalog, index);
  index.memo.set(key, result);
  return result;
}

function lookupUncached(pattern: string, catalog: ActionCatalog, index: CatalogIndex): ActionLookup {
  const colon = pattern.indexOf(':');
  const service = pattern.slice(0, colon).toLowerCase();
  const action = pattern.slice(colon + 1);
  const services = service === '*' ? catalog.services() : [service];
  if (service !== '*' && !catalog.actionsOf(service)) {
    const near = closest(service, catalog.services());
    // Suggest the action under the nearest prefix only where that service has it.
    const nearHasAction = near !== undefined && (hasWildcard(action) || lowerActions(catalog, index, near)?.has(action.toLowerCase()));
    return {
      known: false,
      kind: 'unknown-service',
      reason: `action "${pattern}": no AWS service has the prefix "${service}"`,
      ...(near ? (nearHasAction ? { suggestion: `${near}:${action}` } : { nearPrefix: near }) : {}),
    };
  }
  if (hasWildcard(action)) {
    const regex = wildcardRegex(action);
    for (const s of services) {
      if ((catalog.actionsOf(s) ?? []).some((a) => regex.test(a))) return { known: true };
    }
    return {
      known: false,
      kind: 'unknown-action',
      reason: `action "${pattern}" matches no action in ${service === '*' ? 'any service' : `service "${service}"`}`,
    };
  }
  const lower = action.toLowerCase();
  if (services.some((s) => lowerActions(catalog, index, s)?.has(lower))) return { known: true };
  const near = service === '*' ? undefined : closest(action, catalog.actionsOf(service) ?? []);
  return {
    known: false,
    kind: 'unknown-action',
    reason: `action "${pattern}" does not exist in ${service === '*' ? 'any service' : `service "${service}"`}`,
    ...(near ? { suggestion: `${service}:${near}` } : {}),
  };
}

const OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
];

/** An operator without its `ForAllValues:`/`ForAnyValue:` prefix and `IfExists` suffix. */
export function bareOperator(operator: string): string {
  return operator.replace(/^(ForAllValues|ForAnyValue):/, '').replace(/IfExists$/, '');
}

/** IAM's condition operators, with their `ForAllValues:`/`ForAnyValue:` prefixes and `IfExists` suffix. */
export function isConditionOperator(operator: string): boolean {
  const bare = bareOperator(operator);
  return OPERATORS.includes(bare) && !(operator.endsWith('IfExists') && bare === 'Null');
}

export function knownOperators(): readonly string[] {
  return OPERATORS;
}

const ISO_DATE = /^-?\d{1,9}(-\d{1,2}(-\d{1,2})?)?([Tt](\d{1,2}(:\d{1,2}(:\d{1,2}(\.\d{1,9})?)?)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?)?$/;

/** A value a `Date…` operator can compare: an ISO 8601 date or time, epoch seconds, or a policy variable. */
export function isDateConditionValue(value: string | number | boolean): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0;
  if (typeof value !== 'string') return false;
  if (value.includes('${')) return true;
  return /^\d+$/.test(value) || ISO_DATE.test(value);
}

/**
 * Global condition keys AWS uses in its own managed policies that the catalogue's list of global
 * keys lacks; they are real keys, so they must not draw an "unknown key" warning.
 */
const GLOBAL_KEYS_BEYOND_CATALOGUE = ['aws:PrincipalOrgMasterAccountId', 'aws:RequestTag/', 'aws:ResourceTag/', 'aws:PrincipalTag/', 'aws:TagKeys'];

interface GlobalKeys {
  exact: Set<string>;
  prefixes: string[];
  names: string[];
}

const globalKeyIndexes = new WeakMap<ActionCatalog, GlobalKeys>();

function globalKeys(catalog: ActionCatalog): GlobalKeys {
  let keys = globalKeyIndexes.get(catalog);
  if (!keys) {
    keys = { exact: new Set(), prefixes: [], names: [] };
    for (const key of [...catalog.globalConditionKeys(), ...GLOBAL_KEYS_BEYOND_CATALOGUE]) {
      const slash = key.indexOf('/');
      // The catalogue writes tag keys as `aws:RequestTag/tag-key`: anything after the slash.
      if (slash > 0) keys.prefixes.push(key.slice(0, slash + 1).toLowerCase());
      else {
        keys.exact.add(key.toLowerCase());
        keys.names.push(key);
      }
    }
    globalKeyIndexes.set(catalog, keys);
  }
  return keys;
}

export type GlobalKeyCheck = { known: true } | { known: false; suggestion?: string };

/** Whether an `aws:` condition key is one of AWS's global keys (keys compare case-insensitively). */
export function checkGlobalConditionKey(key: string, catalog: ActionCatalog): GlobalKeyCheck {
  const keys = globalKeys(catalog);
  const lower = key.toLowerCase();
  if (keys.exact.has(lower) || keys.prefixes.some((p) => lower.startsWith(p) && lower.length > p.length)) return { known: true };
  const near = closest(key, keys.names);
  return near ? { known: false, suggestion: near } : { known: false };
}
