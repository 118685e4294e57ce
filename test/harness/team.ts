// Team configs for tests, built in code (the YAML path is covered by the config tests), expanded by
// the real pure core.
import { expandTeam } from '../../src/core/expand';
import type { Revision } from '../../src/core/revision';
import type { GrantSpec } from '../../src/core/grant';
import { DEFAULT_SETTINGS, type BreakGlassRule, type Policy, type Settings, type TeamConfig, type TemporaryGrantEntry } from '../../src/core/team-config';

export const ACCOUNTS = { nonprod: '111111111111', prod: '222222222222' } as const;

export const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
export const VIEW_ONLY = 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess';
export const SECURITY_AUDIT = 'arn:aws:iam::aws:policy/SecurityAudit';

/** A temporary entry: `user` an IAM user, or `ssoUser` / `ssoGroup` an Identity Center principal. */
export type TemporaryInput = Omit<TemporaryGrantEntry, 'source' | 'description' | 'user'> & { user?: string; description?: string };

export function policy(managed: string[], actions: string[] = [], description = 'test policy'): Policy {
  return {
    description,
    managedPolicyArns: managed,
    statements: actions.length ? [{ Effect: 'Allow', Action: actions, Resource: ['*'] }] : [],
    source: { file: 'aws-policies/test.yaml', line: 1 },
  };
}

export function team(parts: {
  name?: string;
  policies: Record<string, Policy>;
  permanent?: { users?: string[]; roles?: string[]; ssoUsers?: string[]; ssoGroups?: string[]; environments: string[]; grants: string[]; adopt?: boolean }[];
  temporary?: TemporaryInput[];
  settings?: Partial<Settings>;
  accounts?: Record<string, string>;
  breakGlass?: Record<string, BreakGlassRule>;
}): TeamConfig {
  return {
    team: parts.name ?? 'test-team',
    accounts: parts.accounts ?? { ...ACCOUNTS },
    policies: parts.policies,
    permanent: (parts.permanent ?? []).map((entry, index) => ({
      description: `permanent ${index}`,
      users: (entry.users ?? []).map((u) => ({ written: u, name: u.replace(/@.*/, '') })),
      roles: entry.roles ?? [],
      ...(entry.ssoUsers ? { ssoUsers: entry.ssoUsers } : {}),
      ...(entry.ssoGroups ? { ssoGroups: entry.ssoGroups } : {}),
      environments: entry.environments,
      grants: entry.grants,
      ...(entry.adopt ? { adopt: true } : {}),
      source: { file: 'permanent-access/test.yaml', line: 2 + index, index },
    })),
    temporary: (parts.temporary ?? []).map(({ user, ...entry }, index) => ({
      ...entry,
      description: entry.description ?? `temporary ${index}`,
      ...(user !== undefined ? { user: { written: user, name: user.replace(/@.*/, '') } } : {}),
      source: { file: 'temporary-access/test.yaml', line: 2 + index, index },
    })),
    settings: { ...DEFAULT_SETTINGS, ...parts.settings },
    ...(parts.breakGlass ? { breakGlass: parts.breakGlass } : {}),
  };
}

export function grantsOf(config: TeamConfig, nowMs = Date.now()): GrantSpec[] {
  return expandTeam(config, nowMs).grants;
}

export function inHours(hours: number, from = Date.now()): string {
  return new Date(Math.floor((from + hours * 3600 * 1000) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Revisions in commit order, one minute apart from `start`, as CI would submit them. */
export function revisionSequence(prefix: string, start: string): (commit?: string) => Revision {
  let clock = Date.parse(start);
  return (commit) => {
    clock += 60_000;
    return { commit: commit ?? `${prefix}${clock}`, committedAt: new Date(clock).toISOString(), submittedAt: new Date().toISOString(), submittedBy: prefix };
  };
}

/** A break-glass rule as the loader normalises one: `on-call` in nonprod, one approval, an hour open; override what a test needs. */
export function breakGlassRule(parts: {
  requesters?: string[];
  environments?: string[];
  grants?: string[];
  maxDurationMs?: number;
  approvers?: { user: string; key: string }[];
  approvals?: number;
  openForMs?: number;
  selfApproval?: boolean;
  requireTicket?: boolean;
  ratifyWithinMs?: number;
  line?: number;
}): BreakGlassRule {
  const user = (written: string) => ({ written, name: written.replace(/@.*/, '') });
  return {
    description: 'on call',
    requesters: (parts.requesters ?? ['alice']).map(user),
    environments: parts.environments ?? ['nonprod'],
    grants: parts.grants ?? ['reader'],
    maxDurationMs: parts.maxDurationMs ?? 4 * 3600_000,
    approvers: (parts.approvers ?? []).map((a) => ({ user: user(a.user), key: a.key })),
    approvals: parts.approvals ?? 1,
    openForMs: parts.openForMs ?? 3600_000,
    selfApproval: parts.selfApproval ?? false,
    requireTicket: parts.requireTicket ?? false,
    ratifyWithinMs: parts.ratifyWithinMs ?? 3 * 86_400_000,
    source: { file: 'break-glass/test-team.yaml', line: parts.line ?? 2 },
  };
}
