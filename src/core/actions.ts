// IAM action patterns: checking them against the catalogue, and spotting the dangerous ones.
import type { ActionCatalog } from './rules/context';

export type ActionCheck = { ok: true; matches: string[] } | { ok: false; reason: string };

function wildcardRegex(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Every `service:Action` the pattern stands for; an error when it names nothing that exists. */
export function matchActions(pattern: string, catalog: ActionCatalog): ActionCheck {
  if (pattern === '*') return { ok: true, matches: ['*'] };
  const colon = pattern.indexOf(':');
  if (colon <= 0 || colon === pattern.length - 1) {
    return { ok: false, reason: `action "${pattern}" is not of the form service:Action (e.g. s3:GetObject)` };
  }
  const servicePattern = pattern.slice(0, colon).toLowerCase();
  const actionPattern = pattern.slice(colon + 1);
  const services = /[*?]/.test(servicePattern)
    ? catalog.services().filter((s) => wildcardRegex(servicePattern).test(s))
    : catalog.actionsOf(servicePattern)
      ? [servicePattern]
      : [];
  if (services.length === 0) {
    return { ok: false, reason: `action "${pattern}": no AWS service has the prefix "${servicePattern}"` };
  }
  const regex = wildcardRegex(actionPattern);
  const matches: string[] = [];
  for (const service of services) {
    for (const action of catalog.actionsOf(service) ?? []) {
      if (regex.test(action)) matches.push(`${service}:${action}`);
    }
  }
  if (matches.length === 0) {
    const what = /[*?]/.test(actionPattern) ? 'matches no action' : 'does not exist';
    return { ok: false, reason: `action "${pattern}" ${what} in ${services.length === 1 ? `service "${services[0]}"` : 'those services'}` };
  }
  return { ok: true, matches };
}

/**
 * Actions that let a principal raise its own privileges (after Rhino Security Labs' list and
 * AWS's guidance). Lower case, `service:action`.
 */
export const ESCALATION_ACTIONS = [
  'iam:passrole',
  'iam:createpolicyversion',
  'iam:setdefaultpolicyversion',
  'iam:attachuserpolicy',
  'iam:attachrolepolicy',
  'iam:attachgrouppolicy',
  'iam:putuserpolicy',
  'iam:putrolepolicy',
  'iam:putgrouppolicy',
  'iam:createaccesskey',
  'iam:createloginprofile',
  'iam:updateloginprofile',
  'iam:updateassumerolepolicy',
  'iam:addusertogroup',
  'iam:putuserpermissionsboundary',
  'iam:deleteuserpermissionsboundary',
  'iam:putrolepermissionsboundary',
  'iam:deleterolepermissionsboundary',
  'lambda:updatefunctioncode',
  'sts:assumerole',
] as const;

/** Escalation actions a pattern stands for, without needing the catalogue. */
export function escalationsIn(pattern: string): string[] {
  const regex = wildcardRegex(pattern);
  return ESCALATION_ACTIONS.filter((action) => pattern === '*' || regex.test(action));
}

/** AWS managed policies that amount to administrator or IAM-administrator access. */
export const ADMIN_MANAGED_POLICIES = ['AdministratorAccess', 'IAMFullAccess', 'PowerUserAccess'];

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

/** IAM's condition operators, with their `ForAllValues:`/`ForAnyValue:` prefixes and `IfExists` suffix. */
export function isConditionOperator(operator: string): boolean {
  const bare = operator.replace(/^(ForAllValues|ForAnyValue):/, '').replace(/IfExists$/, '');
  return OPERATORS.includes(bare) && !(operator.endsWith('IfExists') && bare === 'Null');
}

export function knownOperators(): readonly string[] {
  return OPERATORS;
}
