// Guardrails: what the worker's operator decides and no submission can lower. They live in the
// worker's own configuration (flags, environment, its own file), never in the YAML a team submits.
// A team's config that asks for less is refused whole, naming the setting and the fix; the worker
// never quietly strengthens a config, so what the reviewed YAML says is what IAM holds. Pure, so
// `validate` and `plan` (given the same worker configuration) say what the worker will say.
import { boundaryFor, mfaRequired } from './managed-copies';
import type { FileKind, TeamConfig } from './team-config';

export interface Guardrails {
  /** The ceiling on every team's max_temporary_days: a team's own setting applies only below it. */
  maxTemporaryDays: number;
  /** Environments (by name) or accounts (by 12-digit id) where every grant must require MFA. */
  requireMfa?: readonly string[];
  /** The boundary every principal must carry: everywhere, or by environment name or account id. */
  permissionsBoundary?: { all: string } | { byScope: Readonly<Record<string, string>> };
  /** `copy`: temporary grants must copy managed policies (so AWS expires them too), not attach them as they are. */
  temporaryManagedPolicies?: 'copy';
  deployerRole?: string;
  deployerExternalId?: string;
  /** Which accounts each team may manage. When set, a team not listed may manage none. */
  teamAccounts?: Readonly<Record<string, readonly string[]>>;
  /**
   * The worker's IAM Identity Center instance, when it has one (a team that grants to Identity
   * Center users or groups needs it), and whether it may assign in the organisation's management account.
   */
  identityCenter?: { managementAccount?: string; allowManagementAccount: boolean };
}

export const DEFAULT_GUARDRAILS: Guardrails = { maxTemporaryDays: 6 };

/** Where a problem is written in the team's files: grantflow.yaml's settings, an environment of aws-accounts, or an entry (`path`). */
export type GuardrailWhere = { file: 'settings'; key: string } | { file: FileKind; key: string; path?: (string | number)[] };

export interface GuardrailProblem {
  /** The guardrail, as the worker's configuration names it. */
  guardrail: string;
  message: string;
  where: GuardrailWhere;
}

/** Environments of the team in the order written, with their accounts. */
function environments(config: TeamConfig): [string, string][] {
  return Object.entries(config.accounts);
}

/** Whether a guardrail scoped by environment names and account ids covers this environment. */
function inScope(scope: readonly string[], environment: string, account: string): boolean {
  return scope.includes(environment) || scope.includes(account);
}

function requiredBoundary(guardrails: Guardrails, environment: string, account: string): string | undefined {
  const boundary = guardrails.permissionsBoundary;
  if (!boundary) return undefined;
  if ('all' in boundary) return boundary.all;
  return Object.hasOwn(boundary.byScope, environment)
    ? boundary.byScope[environment]
    : Object.hasOwn(boundary.byScope, account)
      ? boundary.byScope[account]
      : undefined;
}

function mfaProblems(config: TeamConfig, guardrails: Guardrails): GuardrailProblem[] {
  const scope = guardrails.requireMfa ?? [];
  return environments(config)
    .filter(([environment, account]) => inScope(scope, environment, account) && !mfaRequired(config.settings, environment))
    .map(([environment, account]) => ({
      guardrail: 'require_mfa',
      message: `require_mfa: the worker requires MFA in environment ${environment} (account ${account}); add ${environment} to require_mfa in grantflow.yaml`,
      where: { file: 'settings', key: 'require_mfa' },
    }));
}

function boundaryProblems(config: TeamConfig, guardrails: Guardrails): GuardrailProblem[] {
  return environments(config).flatMap(([environment, account]): GuardrailProblem[] => {
    const required = requiredBoundary(guardrails, environment, account);
    const asked = boundaryFor(config.settings, environment);
    if (!required || asked === required) return [];
    return [
      {
        guardrail: 'permissions_boundary',
        message:
          `permissions_boundary: the worker requires boundary ${required} in environment ${environment} (account ${account}), ` +
          `but the team's settings ${asked ? `name ${asked}` : 'name none'}; set permissions_boundary to ${required} in grantflow.yaml`,
        where: { file: 'settings', key: 'permissions_boundary' },
      },
    ];
  });
}

function settingProblems(config: TeamConfig, guardrails: Guardrails): GuardrailProblem[] {
  const problems: GuardrailProblem[] = [];
  const { settings } = config;
  const copies = settings.temporaryManagedPolicies ?? 'copy';
  if (guardrails.temporaryManagedPolicies === 'copy' && copies !== 'copy') {
    problems.push({
      guardrail: 'temporary_managed_policies',
      message:
        'temporary_managed_policies: the worker requires copy (temporary grants write expiring copies, so AWS itself ends them); ' +
        `the team's settings say ${copies}; remove the setting or set it to copy`,
      where: { file: 'settings', key: 'temporary_managed_policies' },
    });
  }
  if (guardrails.deployerRole !== undefined && guardrails.deployerRole.toLowerCase() !== settings.deployerRole.toLowerCase()) {
    problems.push({
      guardrail: 'deployer_role',
      message: `deployer_role: the worker acts through role ${guardrails.deployerRole}, but the team's settings name ${settings.deployerRole}; set deployer_role: ${guardrails.deployerRole} in grantflow.yaml`,
      where: { file: 'settings', key: 'deployer_role' },
    });
  }
  if (guardrails.deployerExternalId !== undefined && guardrails.deployerExternalId !== settings.deployerExternalId) {
    problems.push({
      guardrail: 'deployer_external_id',
      message: `deployer_external_id: the team's settings ${settings.deployerExternalId === undefined ? 'give none' : 'give another'}; set it to the external id the worker's configuration names`,
      where: { file: 'settings', key: 'deployer_external_id' },
    });
  }
  return problems;
}

function accountProblems(config: TeamConfig, guardrails: Guardrails): GuardrailProblem[] {
  const owners = guardrails.teamAccounts;
  if (!owners) return [];
  const allowed = new Set(Object.hasOwn(owners, config.team) ? owners[config.team] : []);
  return environments(config)
    .filter(([, account]) => !allowed.has(account))
    .map(([environment, account]) => {
      const others = Object.entries(owners)
        .filter(([team, accounts]) => team !== config.team && accounts.includes(account))
        .map(([team]) => team);
      const whose = others.length ? `which the worker gives to team ${others.join(', ')}` : 'which the worker gives to no team';
      return {
        guardrail: 'team_accounts',
        message:
          `aws-accounts: environment ${environment} names account ${account}, ${whose}; team ${config.team} may manage ` +
          `${allowed.size ? [...allowed].sort().join(', ') : 'no account'} (the worker's team_accounts)`,
        where: { file: 'aws-accounts', key: environment },
      };
    });
}

/**
 * Every way the team's config asks for less than the guardrails allow, or for an account the team
 * may not manage. Empty: the config may be applied. (max_temporary_days is a ceiling the team's own
 * setting lives under, checked with the entries' expiries.)
 */
export function guardrailProblems(config: TeamConfig, guardrails: Guardrails): GuardrailProblem[] {
  return [
    ...accountProblems(config, guardrails),
    ...mfaProblems(config, guardrails),
    ...boundaryProblems(config, guardrails),
    ...settingProblems(config, guardrails),
    ...identityCenterProblems(config, guardrails),
  ];
}

/** Where the team grants to Identity Center users or groups: each entry's file, path and environments. */
function ssoEntries(config: TeamConfig): { file: FileKind; path: (string | number)[]; environments: string[] }[] {
  return [
    ...config.permanent.flatMap((entry, i) =>
      entry.ssoUsers?.length || entry.ssoGroups?.length
        ? [{ file: 'permanent-access' as const, path: ['permanent-access', entry.source.index ?? i], environments: entry.environments }]
        : [],
    ),
    ...config.temporary.flatMap((entry, i) =>
      entry.ssoUser !== undefined || entry.ssoGroup !== undefined
        ? [{ file: 'temporary-access' as const, path: ['temporary-access', entry.source.index ?? i], environments: [entry.environment] }]
        : [],
    ),
  ];
}

/**
 * Identity Center grants need the worker's instance; and none goes to the organisation's management
 * account (only it may manage assignments there, and its roles reach the whole organisation) unless
 * the worker's configuration allows it.
 */
function identityCenterProblems(config: TeamConfig, guardrails: Guardrails): GuardrailProblem[] {
  const entries = ssoEntries(config);
  if (entries.length === 0) return [];
  const ic = guardrails.identityCenter;
  if (!ic) {
    const first = entries[0]!;
    return [
      {
        guardrail: 'identity_center',
        message:
          "the team grants to IAM Identity Center users or groups, but the worker's configuration has no identity_center (its instance, identity store and region); " +
          "add identity_center to the worker's configuration, or grant to IAM users and roles",
        where: { file: first.file, key: String(first.path[1]), path: first.path },
      },
    ];
  }
  if (!ic.managementAccount || ic.allowManagementAccount) return [];
  const granted = new Set(entries.flatMap((e) => e.environments));
  return environments(config)
    .filter(([environment, account]) => account === ic.managementAccount && granted.has(environment))
    .map(([environment, account]) => ({
      guardrail: 'identity_center.allow_management_account',
      message:
        `aws-accounts: environment ${environment} is the organisation's management account ${account}, where the worker assigns no IAM Identity Center permission set ` +
        "(only that account itself may manage its assignments, and its roles reach the whole organisation); grant in another account, or set identity_center.allow_management_account: true in the worker's configuration",
      where: { file: 'aws-accounts', key: environment },
    }));
}

/** The team's max_temporary_days as it applies under the worker's ceiling. */
export function effectiveMaxTemporaryDays(config: TeamConfig, guardrails: Guardrails): number {
  return Math.min(config.settings.maxTemporaryDays, guardrails.maxTemporaryDays);
}
