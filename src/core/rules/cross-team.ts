// Checks no single team can make, over every team of a config folder: two teams that would write
// the same IAM object (an error: each submission would overwrite the other's), one environment name
// meaning different accounts (a warning), and two teams granting one principal the same managed
// policy (a note: it stays attached while either grant lives). Names come from the expansion, which
// builds them with names.ts, so this check follows whatever naming scheme names.ts implements.
import { compare, type Expansion } from '../expand';
import { error, note, warning, type Diagnostic, type Position } from '../diagnostics';
import type { GrantSpec } from '../grant';
import type { TeamConfig } from '../team-config';
import type { Locate } from './context';

export interface CheckedTeam {
  config: TeamConfig;
  expansion: Expansion;
  locate: Locate;
}

const where = (p: Position) => `${p.file}:${p.line}`;

function grantPosition(team: CheckedTeam, grant: GrantSpec): Position {
  const kind = grant.kind === 'permanent' ? 'permanent-access' : 'temporary-access';
  return team.locate(kind, [kind, grant.source.index ?? 0]);
}

interface Claim {
  team: string;
  policy: string;
  at: Position;
}

/** Groups claims by key; yields the groups in which more than one team has a claim. */
function contested<T extends Claim>(claims: Map<string, T[]>): T[][] {
  return [...claims.values()].filter((group) => new Set(group.map((c) => c.team)).size > 1);
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** One claim per team (its first), in team order. */
function perTeam<T extends Claim>(group: readonly T[]): T[] {
  const seen = new Set<string>();
  return [...group]
    .sort((a, b) => compare(a.team, b.team))
    .filter((c) => {
      if (seen.has(c.team)) return false;
      seen.add(c.team);
      return true;
    });
}

function objectCollisions(teams: readonly CheckedTeam[]): Diagnostic[] {
  // IAM names are unique per account and compare case-insensitively; a policy's path does not count.
  const claims = new Map<string, (Claim & { object: string; account: string; environment: string })[]>();
  for (const team of teams) {
    const { config, expansion, locate } = team;
    for (const sync of expansion.policies) {
      push(claims, `${sync.account}|policy|${sync.name.toLowerCase()}`, {
        team: config.team,
        policy: sync.policy,
        at: locate('aws-policies', ['aws-policies', sync.policy], { key: true }),
        object: `customer-managed policy "${sync.name}"`,
        account: sync.account,
        environment: sync.environment,
      });
    }
    for (const grant of expansion.grants) {
      if (!grant.inlinePolicy) continue;
      push(claims, `${grant.account}|${grant.principalType}/${grant.principal.toLowerCase()}|inline|${grant.inlinePolicy.name.toLowerCase()}`, {
        team: config.team,
        policy: grant.policy,
        at: grantPosition(team, grant),
        object: `inline policy "${grant.inlinePolicy.name}" of ${grant.principalType} ${grant.principal}`,
        account: grant.account,
        environment: grant.environment,
      });
    }
  }
  // The same clash in several accounts is one message.
  const clashes = new Map<string, { claims: (Claim & { object: string })[]; accounts: string[] }>();
  for (const group of contested(claims)) {
    const parties = perTeam(group);
    const key = `${parties.map((c) => `${c.team}/${c.policy}`).join('|')}|${parties[0]!.object.toLowerCase()}`;
    const clash = clashes.get(key) ?? { claims: parties, accounts: [] };
    clash.accounts.push(`${group[0]!.account} (${group[0]!.environment})`);
    clashes.set(key, clash);
  }
  const out: Diagnostic[] = [];
  for (const { claims: parties, accounts } of clashes.values()) {
    for (const claim of parties) {
      const others = parties.filter((c) => c !== claim).map((c) => `team "${c.team}" policy "${c.policy}" (${where(c.at)})`);
      out.push(
        error(
          claim.at,
          `team "${claim.team}" policy "${claim.policy}" and ${others.join(' and ')} would both write the ${claim.object} in ` +
            `account${accounts.length > 1 ? 's' : ''} ${accounts.join(', ')}; each team's submission would overwrite the other's. ` +
            'Rename one of the policies',
          'iam-object-collision',
        ),
      );
    }
  }
  return out;
}

function environmentMismatches(teams: readonly CheckedTeam[]): Diagnostic[] {
  const byEnvironment = new Map<string, (Claim & { account: string })[]>();
  for (const { config, locate } of teams) {
    for (const [environment, account] of Object.entries(config.accounts)) {
      push(byEnvironment, environment, { team: config.team, policy: '', account, at: locate('aws-accounts', ['aws-accounts', environment]) });
    }
  }
  const out: Diagnostic[] = [];
  for (const [environment, claims] of byEnvironment) {
    if (new Set(claims.map((c) => c.account)).size < 2) continue;
    for (const claim of claims) {
      const others = claims.filter((c) => c.account !== claim.account);
      const listed = others.slice(0, 3).map((c) => `team "${c.team}" has ${c.account} (${where(c.at)})`);
      out.push(
        warning(
          claim.at,
          `environment "${environment}" is account ${claim.account} in team "${claim.team}", but ${listed.join(', ')}` +
            `${others.length > 3 ? `, and ${others.length - 3} more` : ''}; if they mean the same environment, one account id is wrong`,
          'environment-account-mismatch',
        ),
      );
    }
  }
  return out;
}

function sharedManagedPolicies(teams: readonly CheckedTeam[]): Diagnostic[] {
  const holders = new Map<string, (Claim & { grant: GrantSpec; arn: string })[]>();
  for (const team of teams) {
    for (const grant of team.expansion.grants) {
      for (const arn of grant.managedPolicyArns) {
        push(holders, `${grant.account}|${grant.principalType}/${grant.principal.toLowerCase()}|${arn}`, {
          team: team.config.team,
          policy: grant.policy,
          at: grantPosition(team, grant),
          grant,
          arn,
        });
      }
    }
  }
  const out: Diagnostic[] = [];
  for (const group of contested(holders)) {
    const parties = perTeam(group);
    for (const claim of parties) {
      const { grant, arn } = claim;
      const others = parties.filter((c) => c !== claim).map((c) => `team "${c.team}" (${where(c.at)})`);
      out.push(
        note(
          claim.at,
          `${grant.principalType} ${grant.principal} in ${grant.environment} (${grant.account}) is also granted ${arn} by ${others.join(' and ')}; ` +
            'it stays attached while any of these grants lives, and revoking one leaves it in place for the others',
          'shared-managed-policy',
        ),
      );
    }
  }
  return out;
}

export function checkAcrossTeams(teams: readonly CheckedTeam[]): Diagnostic[] {
  return [...objectCollisions(teams), ...environmentMismatches(teams), ...sharedManagedPolicies(teams)];
}
