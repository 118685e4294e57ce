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
}

export const DEFAULT_GUARDRAILS: Guardrails = { maxTemporaryDays: 6 };

/** Where a problem is written in the team's files: grantflow.yaml's settings, or an environment of aws-accounts. */
export type GuardrailWhere = { file: 'settings'; key: string } | { file: FileKind; key: string };

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
  ];
}

/** The team's max_temporary_days as it applies under the worker's ceiling. */
export function effectiveMaxTemporaryDays(config: TeamConfig, guardrails: Guardrails): number {
  return Math.min(config.settings.maxTemporaryDays, guardrails.maxTemporaryDays);
}
