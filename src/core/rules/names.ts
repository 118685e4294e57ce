// Names IAM would refuse are caught here, after email conversion, instead of failing mid-grant.
import { error, warning, type Diagnostic } from '../diagnostics';
import { canonicalPrincipal, checkIamName, customPolicyName, IAM_POLICY_NAME_MAX, IAM_ROLE_NAME_MAX, IAM_USER_NAME_MAX, inlinePolicyName } from '../names';
import { teamFile, type Rule } from './context';

const ENVIRONMENT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A user is an email (its IAM user is the part before the @) or an IAM user name. A blank one, or one
 * with an @ that is no `name@domain`, would become a user nobody meant: `@example.com` (an IAM user
 * of that very name), `bob@` or `a@b@example.com` (the part before the last @).
 */
export function userSpellingProblem(written: string): string | undefined {
  const fix = 'write the email as name@domain, or the IAM user name alone';
  if (written.trim() === '') return `user "${written}" is blank; ${fix}`;
  const at = written.indexOf('@');
  if (at < 0) return undefined;
  if (written.indexOf('@', at + 1) >= 0) return `user "${written}" has more than one @; ${fix}`;
  if (at === 0) return `user "${written}" has no name before the @ (the IAM user is the part before it); ${fix}`;
  if (at === written.length - 1) return `user "${written}" has no domain after the @; ${fix}`;
  return undefined;
}

export const TEAM_NAME_CASE = 'team-name-case';
export const DEPLOYER_ROLE_GRANT = 'deployer-role-grant';

/**
 * Team names are part of IAM names (`grantflow.<team>.<policy>`), which ignore case: `Ops` and `ops`
 * would write the same policies, each overwriting the other's. Capitals are allowed (a team may be
 * `Payments`), so a name is compared, case-folded, with the other teams of the config folder.
 */
function teamNameCase({ config, locate, folder }: Parameters<Rule>[0]): Diagnostic[] {
  if (!folder) return [];
  const folded = config.team.toLowerCase();
  const others = folder.teams.filter((team) => team !== config.team && team.toLowerCase() === folded);
  if (others.length === 0) return [];
  const kinds = folder.kinds.length > 0 ? folder.kinds : (['aws-accounts'] as const);
  const files = kinds.map((kind) => teamFile(kind, config.team)).join(', ');
  return [
    error(
      locate(kinds[0]!, []),
      `team "${config.team}" and ${others.map((t) => `team "${t}"`).join(' and ')} of this config folder differ only in letter case; IAM names ignore case, ` +
        `so their policies (${customPolicyName(config.team, '<policy>')} and ${customPolicyName(others[0]!, '<policy>')}) would be the same IAM objects, ` +
        `each team's submission overwriting the other's. Rename one of the teams (this one's files: ${files})`,
      TEAM_NAME_CASE,
    ),
  ];
}

export const nameRules: Rule = (context) => {
  const { config, locate } = context;
  const out: Diagnostic[] = [...teamNameCase(context)];

  for (const environment of Object.keys(config.accounts)) {
    if (!ENVIRONMENT_NAME.test(environment)) {
      out.push(
        error(
          locate('aws-accounts', ['aws-accounts', environment], { key: true }),
          `environment name "${environment}" may contain only letters, digits, _ . - (at most 64 characters)`,
        ),
      );
    }
  }

  // IAM policy names ignore case: `DB` and `db` would be one customer-managed policy.
  const policyByCase = new Map<string, string>();
  for (const [name, policy] of Object.entries(config.policies)) {
    const at = locate('aws-policies', ['aws-policies', name], { key: true });
    const same = policyByCase.get(name.toLowerCase());
    if (same !== undefined && policy.statements.length > 0 && config.policies[same]!.statements.length > 0) {
      out.push(
        error(
          at,
          `policies "${same}" and "${name}" differ only in letter case; IAM policy names ignore case, so their customer-managed policies would be one. Rename one of them`,
        ),
      );
    } else if (policy.statements.length > 0) policyByCase.set(name.toLowerCase(), name);
    const own = checkIamName(name, IAM_POLICY_NAME_MAX, 'policy name');
    if (!own.ok) {
      out.push(error(at, own.reason));
      continue;
    }
    if (policy.statements.length > 0) {
      const managed = checkIamName(customPolicyName(config.team, name), IAM_POLICY_NAME_MAX, 'customer-managed policy name');
      if (!managed.ok) out.push(error(at, `${managed.reason}; shorten the policy name "${name}"`));
      const inline = inlinePolicyName(config.team, name, '2000-01-01T00:00:00Z');
      if (inline.length > IAM_POLICY_NAME_MAX) {
        out.push(
          error(
            at,
            `a temporary grant of "${name}" needs the inline policy name ${inline.length} characters long; IAM allows ${IAM_POLICY_NAME_MAX}; shorten the policy name`,
          ),
        );
      }
    }
  }

  // Users as written (often emails) map to IAM names, which ignore case; two spellings of one user are worth a warning.
  const writtenFor = new Map<string, string>();
  const checkUser = (written: string, name: string, at: ReturnType<typeof locate>) => {
    const spelling = userSpellingProblem(written);
    if (spelling) {
      out.push(error(at, spelling, 'malformed-user'));
      return;
    }
    const result = checkIamName(name, IAM_USER_NAME_MAX, 'IAM user name');
    if (!result.ok) {
      const converted = written === name ? '' : ` (from "${written}", domain dropped)`;
      out.push(error(at, `${result.reason}${converted}; fix the name in YAML or create the user under a valid name`));
      return;
    }
    const other = writtenFor.get(canonicalPrincipal(name));
    if (other !== undefined && other !== written) {
      out.push(
        warning(at, `"${written}" and "${other}" both become IAM user "${name}" (IAM names ignore case); they are the same person in IAM`, 'same-iam-user'),
      );
    } else writtenFor.set(canonicalPrincipal(name), written);
  };

  config.permanent.forEach((entry, fallback) => {
    const index = entry.source.index ?? fallback;
    entry.users.forEach((user, i) => checkUser(user.written, user.name, locate('permanent-access', ['permanent-access', index, 'users', i])));
    entry.roles.forEach((role, i) => {
      const at = locate('permanent-access', ['permanent-access', index, 'roles', i]);
      const result = checkIamName(role, IAM_ROLE_NAME_MAX, 'IAM role name');
      if (!result.ok) out.push(error(at, result.reason));
      // grantflow acts through the deployer role: a grant to it would widen grantflow's own powers (IAM role names ignore case).
      else if (canonicalPrincipal(role) === canonicalPrincipal(config.settings.deployerRole)) {
        out.push(
          error(
            at,
            `role "${role}" is grantflow's deployer role (deployer_role ${config.settings.deployerRole}), the role it acts through in every account; ` +
              "a grant to it would let a team widen grantflow's own powers. Remove it from roles",
            DEPLOYER_ROLE_GRANT,
          ),
        );
      }
    });
  });
  config.temporary.forEach((entry, fallback) => {
    const index = entry.source.index ?? fallback;
    if (entry.user) checkUser(entry.user.written, entry.user.name, locate('temporary-access', ['temporary-access', index, 'user']));
  });
  return out;
};
