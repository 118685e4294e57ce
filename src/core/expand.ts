// Expansion of a team's entries into atomic grants: one per principal × environment × policy for a
// permanent entry, exactly one for a temporary entry. Deterministic: the same config gives the same
// grants, ids, names and documents in the same order, whatever the order of keys in the YAML.
import type { GrantSpec, PermissionSetSync, PolicySync } from './grant';
import { deployerFor } from './grant-derived';
import { grantWorkflowId, type PrincipalType } from './ids';
import { isSsoPrincipal, type SsoPrincipalType } from './identity-center';
import {
  canonicalPrincipal,
  copyPolicyArn,
  copyPolicyName,
  customPolicyArn,
  customPolicyName,
  inlinePolicyName,
  permissionSetDescription,
  permissionSetName,
} from './names';
import { conditionAllows, renderDocument } from './documents';
import { boundaryFor, decideManagedParts, mfaRequired } from './managed-copies';
import type { Policy, SourceRef, TeamConfig, TemporaryGrantEntry } from './team-config';

export interface SkippedGrant {
  id: string;
  reason: 'expired';
  expiresAt: string;
  source: SourceRef;
}

export interface Expansion {
  /** Grants to hold now or later (a future `start_date` included), sorted by id, duplicates merged. */
  grants: GrantSpec[];
  /** Temporary entries already past their expiry. */
  skipped: SkippedGrant[];
  /** Customer-managed policies that must exist, per account, sorted by account then name. */
  policies: PolicySync[];
  /** Permission sets grantflow owns that the Identity Center grants assign, sorted by name. */
  permissionSets: PermissionSetSync[];
  /** Ids that more than one entry produced (first source kept). */
  duplicates: { id: string; first: SourceRef; again: SourceRef }[];
}

export function expandTeam(config: TeamConfig, nowMs: number): Expansion {
  const { team, settings } = config;
  const deployer = deployerFor(settings);
  const byId = new Map<string, GrantSpec>();
  const duplicates: Expansion['duplicates'] = [];
  const skipped: SkippedGrant[] = [];
  const add = (grant: GrantSpec) => {
    const first = byId.get(grant.id);
    if (first) duplicates.push({ id: grant.id, first: first.source, again: grant.source });
    else byId.set(grant.id, grant);
  };
  // IAM names ignore case: `Bob` and `bob` are one user, called by the spelling the team wrote first.
  const spellings = principalSpellings(config);
  const iamName = (type: PrincipalType, name: string) => spellings.get(`${type}/${canonicalPrincipal(name)}`) ?? name;

  for (const entry of config.permanent) {
    const principals: { type: PrincipalType; name: string; written: string }[] = [
      ...entry.users.map((user) => ({ type: 'user' as const, name: iamName('user', user.name), written: user.written })),
      ...entry.roles.map((role) => ({ type: 'role' as const, name: iamName('role', role), written: role })),
      ...(entry.ssoUsers ?? []).map((user) => ({ type: 'sso-user' as const, name: iamName('sso-user', user), written: user })),
      ...(entry.ssoGroups ?? []).map((group) => ({ type: 'sso-group' as const, name: iamName('sso-group', group), written: group })),
    ];
    for (const principal of principals) {
      for (const environment of entry.environments) {
        for (const policyName of entry.grants) {
          const account = Object.hasOwn(config.accounts, environment) ? config.accounts[environment] : undefined;
          const policy = Object.hasOwn(config.policies, policyName) ? config.policies[policyName] : undefined;
          if (account === undefined || policy === undefined) continue; // reported by the reference rules
          const { type } = principal;
          if (isSsoPrincipal(type)) {
            add(
              ssoGrant(config, {
                kind: 'permanent',
                type,
                name: principal.name,
                written: principal.written,
                environment,
                account,
                policyName,
                policy,
                deployer,
                description: entry.description,
                source: entry.source,
              }),
            );
            continue;
          }
          if (policy.permissionSet !== undefined) continue; // an IAM principal cannot take a permission set: reported by the rules
          add({
            id: grantWorkflowId({ team, kind: 'permanent', account, principalType: principal.type, principal: principal.name, policy: policyName }),
            team,
            kind: 'permanent',
            principalType: type,
            principal: principal.name,
            principalWritten: principal.written,
            environment,
            account,
            policy: policyName,
            ...(policy.statements.length > 0 ? { customPolicyArn: customPolicyArn(settings.partition, account, team, policyName) } : {}),
            managedPolicyArns: [...policy.managedPolicyArns],
            ...(policy.replacesInline && policy.statements.length > 0
              ? { inlineOriginal: { name: policy.replacesInline, document: renderDocument(policy.statements) } }
              : {}),
            ...(entry.adopt ? { adopt: true } : {}),
            ...(mfaRequired(settings, environment) ? { mfa: true } : {}),
            ...withBoundary(settings, environment),
            deployer,
            description: entry.description,
            source: entry.source,
            revokeMaxBackoffMs: settings.revokeMaxBackoffMs,
            propagationWaitMs: settings.iamPropagationWaitMs,
          });
        }
      }
    }
  }

  for (const entry of config.temporary) {
    const grant = entry.user
      ? temporaryGrant(config, { ...entry, user: { ...entry.user, name: iamName('user', entry.user.name) } }, deployer)
      : temporarySsoGrant(config, entry, iamName, deployer);
    if (!grant) continue;
    if (Date.parse(entry.expiresAt) <= nowMs) {
      skipped.push({ id: grant.id, reason: 'expired', expiresAt: entry.expiresAt, source: entry.source });
      continue;
    }
    add(grant);
  }

  const grants = [...byId.values()].sort((a, b) => compare(a.id, b.id));
  return {
    grants,
    skipped: skipped.sort((a, b) => compare(a.id, b.id)),
    policies: policySyncs(config, grants),
    permissionSets: permissionSetSyncs(config, grants),
    duplicates,
  };
}

/**
 * The grant one temporary entry gives, exactly as expandTeam would give it were the entry written in
 * the team's temporary-access file (the same id, name spelling and documents): a break-glass grant is
 * this, so the entry that later records it in git maps to the same grant.
 */
export function temporaryGrantOf(config: TeamConfig, entry: TemporaryGrantEntry): GrantSpec | undefined {
  if (!entry.user) return undefined; // break-glass grants are IAM users'
  const spelled = principalSpellings(config).get(`user/${canonicalPrincipal(entry.user.name)}`) ?? entry.user.name;
  return temporaryGrant(config, { ...entry, user: { ...entry.user, name: spelled } }, deployerFor(config.settings));
}

interface SsoGrantInput {
  kind: GrantSpec['kind'];
  type: SsoPrincipalType;
  name: string;
  written: string;
  environment: string;
  account: string;
  policyName: string;
  policy: Policy;
  deployer: GrantSpec['deployer'];
  description: string;
  source: SourceRef;
}

/**
 * An Identity Center grant: the assignment of the policy's permission set (grantflow's own for the
 * policy, or the existing one it names) to the user or group in the account. It carries no
 * condition: the workflow alone ends it.
 */
function ssoGrant(config: TeamConfig, input: SsoGrantInput, temporary?: TemporaryGrantEntry): GrantSpec {
  const { team, settings } = config;
  const id = grantWorkflowId({
    team,
    kind: input.kind,
    account: input.account,
    principalType: input.type,
    principal: input.name,
    policy: input.policyName,
    ...(temporary ? { expiresAt: temporary.expiresAt } : {}),
  });
  const permissionSet =
    input.policy.permissionSet !== undefined
      ? { name: input.policy.permissionSet, owned: false }
      : { name: permissionSetName(team, input.policyName), owned: true };
  return {
    id,
    team,
    kind: input.kind,
    principalType: input.type,
    principal: input.name,
    principalWritten: input.written,
    environment: input.environment,
    account: input.account,
    policy: input.policyName,
    managedPolicyArns: [],
    permissionSet,
    ...(temporary?.startsAt ? { startsAt: temporary.startsAt } : {}),
    ...(temporary ? { expiresAt: temporary.expiresAt } : {}),
    deployer: input.deployer,
    description: input.description,
    source: input.source,
    revokeMaxBackoffMs: settings.revokeMaxBackoffMs,
    propagationWaitMs: settings.iamPropagationWaitMs,
    ...(temporary?.reason ? { reason: temporary.reason } : {}),
    ...(temporary?.ticket ? { ticket: temporary.ticket } : {}),
  };
}

function temporarySsoGrant(
  config: TeamConfig,
  entry: TemporaryGrantEntry,
  spelling: (type: PrincipalType, name: string) => string,
  deployer: GrantSpec['deployer'],
): GrantSpec | undefined {
  const principal =
    entry.ssoUser !== undefined
      ? { type: 'sso-user' as const, written: entry.ssoUser }
      : entry.ssoGroup !== undefined
        ? { type: 'sso-group' as const, written: entry.ssoGroup }
        : undefined;
  const account = Object.hasOwn(config.accounts, entry.environment) ? config.accounts[entry.environment] : undefined;
  const policy = Object.hasOwn(config.policies, entry.grant) ? config.policies[entry.grant] : undefined;
  if (!principal || account === undefined || policy === undefined) return undefined;
  const input: SsoGrantInput = {
    kind: 'temporary',
    type: principal.type,
    name: spelling(principal.type, principal.written),
    written: principal.written,
    environment: entry.environment,
    account,
    policyName: entry.grant,
    policy,
    deployer,
    description: entry.description,
    source: entry.source,
  };
  return ssoGrant(config, input, entry);
}

function temporaryGrant(
  config: TeamConfig,
  entry: TemporaryGrantEntry & { user: NonNullable<TemporaryGrantEntry['user']> },
  deployer: GrantSpec['deployer'],
): GrantSpec | undefined {
  const { team } = config;
  const account = Object.hasOwn(config.accounts, entry.environment) ? config.accounts[entry.environment] : undefined;
  const policy = Object.hasOwn(config.policies, entry.grant) ? config.policies[entry.grant] : undefined;
  if (account === undefined || policy === undefined || policy.permissionSet !== undefined) return undefined;
  const settings = config.settings;
  const mfa = mfaRequired(settings, entry.environment);
  const conditions = { expiresAt: entry.expiresAt, mfa };
  const id = grantWorkflowId({
    team,
    kind: 'temporary',
    account,
    principalType: 'user',
    principal: entry.user.name,
    policy: entry.grant,
    expiresAt: entry.expiresAt,
  });
  const parts = decideManagedParts(policy.managedPolicyArns, { mode: settings.temporaryManagedPolicies ?? 'copy', conditions });
  const copies = parts
    .filter((p) => p.mode === 'copy')
    .map((p) => {
      const name = copyPolicyName(team, id, p.arn, entry.user.name, entry.expiresAt);
      return { sourceArn: p.arn, name, arn: copyPolicyArn(settings.partition, account, team, name) };
    });
  const asIs = parts.flatMap((p) => (p.mode === 'attach' ? [{ arn: p.arn, reason: p.reason }] : []));
  return {
    id,
    team,
    kind: 'temporary',
    principalType: 'user',
    principal: entry.user.name,
    principalWritten: entry.user.written,
    environment: entry.environment,
    account,
    policy: entry.grant,
    managedPolicyArns: asIs.map((p) => p.arn),
    ...(copies.length > 0 ? { expiringCopies: copies } : {}),
    ...(asIs.length > 0 ? { attachedAsIs: asIs } : {}),
    ...(mfa ? { mfa: true } : {}),
    ...withBoundary(settings, entry.environment),
    ...(policy.statements.length > 0
      ? {
          inlinePolicy: {
            name: inlinePolicyName(team, entry.grant, entry.expiresAt),
            document: renderDocument(conditionAllows(policy.statements, conditions)),
          },
        }
      : {}),
    ...(entry.startsAt ? { startsAt: entry.startsAt } : {}),
    expiresAt: entry.expiresAt,
    deployer,
    description: entry.description,
    source: entry.source,
    revokeMaxBackoffMs: config.settings.revokeMaxBackoffMs,
    propagationWaitMs: config.settings.iamPropagationWaitMs,
    ...(entry.reason ? { reason: entry.reason } : {}),
    ...(entry.ticket ? { ticket: entry.ticket } : {}),
  };
}

function withBoundary(settings: TeamConfig['settings'], environment: string): { permissionsBoundary?: string } {
  const boundary = boundaryFor(settings, environment);
  return boundary ? { permissionsBoundary: boundary } : {};
}

/** The first spelling of each principal in the team's files, by `type/lower-case name`. */
export function principalSpellings(config: TeamConfig): Map<string, string> {
  const spellings = new Map<string, string>();
  const see = (type: PrincipalType, name: string) => {
    const key = `${type}/${canonicalPrincipal(name)}`;
    if (!spellings.has(key)) spellings.set(key, name);
  };
  for (const entry of config.permanent) {
    for (const user of entry.users) see('user', user.name);
    for (const role of entry.roles) see('role', role);
    for (const user of entry.ssoUsers ?? []) see('sso-user', user);
    for (const group of entry.ssoGroups ?? []) see('sso-group', group);
  }
  for (const entry of config.temporary) {
    if (entry.user) see('user', entry.user.name);
    if (entry.ssoUser !== undefined) see('sso-user', entry.ssoUser);
    if (entry.ssoGroup !== undefined) see('sso-group', entry.ssoGroup);
  }
  return spellings;
}

/** The permission sets grantflow owns that the grants assign: one per policy, whatever the account. */
function permissionSetSyncs(config: TeamConfig, grants: readonly GrantSpec[]): PermissionSetSync[] {
  const syncs = new Map<string, PermissionSetSync>();
  for (const grant of grants) {
    if (!grant.permissionSet?.owned || syncs.has(grant.permissionSet.name)) continue;
    const policy = config.policies[grant.policy]!;
    syncs.set(grant.permissionSet.name, {
      team: config.team,
      policy: grant.policy,
      name: grant.permissionSet.name,
      description: permissionSetDescription(config.team, grant.policy, policy.description),
      managedPolicyArns: [...policy.managedPolicyArns],
      // No grant condition: the permission set serves permanent and temporary grants alike, and
      // Identity Center sessions are federated (MFA is its sign-in's to require).
      ...(policy.statements.length > 0 ? { inlinePolicy: renderDocument(policy.statements) } : {}),
    });
  }
  return [...syncs.values()].sort((a, b) => compare(a.name, b.name));
}

/** The customer-managed policies the permanent grants attach, one per (account, policy). */
function policySyncs(config: TeamConfig, grants: readonly GrantSpec[]): PolicySync[] {
  const syncs = new Map<string, PolicySync>();
  for (const grant of grants) {
    if (!grant.customPolicyArn || syncs.has(grant.customPolicyArn)) continue;
    const policy = config.policies[grant.policy]!;
    // One policy per account: MFA is required when any environment naming the account requires it.
    const mfa = Object.entries(config.accounts).some(([environment, account]) => account === grant.account && mfaRequired(config.settings, environment));
    syncs.set(grant.customPolicyArn, {
      account: grant.account,
      environment: grant.environment,
      team: config.team,
      policy: grant.policy,
      name: customPolicyName(config.team, grant.policy),
      arn: grant.customPolicyArn,
      document: renderDocument(conditionAllows(policy.statements, { mfa })),
      description: policy.description,
    });
  }
  return [...syncs.values()].sort((a, b) => compare(a.account, b.account) || compare(a.name, b.name));
}

/** Code-unit order, independent of the locale of the machine running it. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
