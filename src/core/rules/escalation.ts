// Warnings wherever a policy hands out the keys to the account: every action on every resource,
// Allow with not_actions or not_resources, the published privilege-escalation paths, and an iam:PassRole that
// nothing limits. IAM accepts all of these; a reviewer should see them.
import { warning, type Diagnostic } from '../diagnostics';
import {
  coversEveryRole,
  coversPassRole,
  escalationsIn,
  limitsPassedToService,
  limitsPolicyArn,
  onlySelf,
  PASS_ROLE,
  type EscalationPath,
} from '../escalation';
import type { IamStatement } from '../team-config';
import type { PathSegment, Rule } from './context';

const SHOWN = 3;

function describe(paths: readonly EscalationPath[], prefix = ''): string {
  const shown = paths.slice(0, SHOWN).map((p) => `${prefix}${p.action} (${p.enables})`);
  const rest = paths.slice(SHOWN).map((p) => p.action);
  return `${shown.join('; ')}${rest.length ? `; and ${rest.length} more: ${rest.join(', ')}` : ''}`;
}

/** A statement's resources reach every role (NotResource counts as reaching everything). */
const reachesEveryRole = (s: IamStatement) => (s.Resource ? s.Resource.some(coversEveryRole) : true);

/** An Allow of iam:PassRole on every role, to any service. */
function unlimitedPassRole(s: IamStatement): boolean {
  return s.Effect === 'Allow' && (s.Action ?? []).some(coversPassRole) && reachesEveryRole(s) && !limitsPassedToService(s.Condition);
}

function pathsOf(statement: IamStatement): EscalationPath[] {
  const found = new Map<string, EscalationPath>();
  for (const pattern of statement.Action ?? []) for (const path of escalationsIn(pattern)) found.set(path.action, path);
  return [...found.values()];
}

export const escalationRules: Rule = ({ config, locate }) => {
  const out: Diagnostic[] = [];
  for (const [name, policy] of Object.entries(config.policies)) {
    const at = (i: number, path: PathSegment[], key = false) => locate('aws-policies', ['aws-policies', name, 'custom_statements', i, ...path], { key });
    const allows = policy.statements.map((s) => s.Effect === 'Allow');
    // Passing a role is only half of a path; the other half may sit in another statement of the policy.
    const companions = policy.statements
      .filter((s, i) => allows[i] && s.Action && !(s.Action.includes('*') && s.Resource?.includes('*')))
      .flatMap(pathsOf)
      .filter((p, i, all) => p.needs === 'with-pass-role' && all.findIndex((q) => q.action === p.action) === i);

    policy.statements.forEach((statement, i) => {
      if (!allows[i]) return;
      if (statement.NotResource) {
        out.push(
          warning(
            at(i, ['not_resources'], true),
            'Allow with not_resources grants the actions on every resource not listed, including ones created later',
            'allow-not-resource',
          ),
        );
      }
      if (statement.NotAction) {
        out.push(
          warning(at(i, ['not_actions'], true), 'Allow with not_actions grants every action not listed, including ones AWS adds later', 'allow-not-action'),
        );
        return;
      }
      if (statement.Action?.includes('*') && statement.Resource?.includes('*')) {
        out.push(warning(at(i, []), 'statement allows every action ("*") on every resource ("*"): that is administrator access', 'admin-access'));
        return;
      }
      const resources = statement.Resource ?? [];
      const paths = pathsOf(statement).filter((p) => {
        if (p.needs === 'with-pass-role') return false;
        if (p.needs === 'on-any-role') return reachesEveryRole(statement);
        if (p.policyArnLimits && limitsPolicyArn(statement.Condition, config.settings.partition)) return false;
        return !(p.selfIsSafe && onlySelf(resources));
      });
      if (paths.length > 0) {
        out.push(
          warning(
            at(i, ['actions'], true),
            `statement allows privilege escalation: ${describe(paths)}. Drop these actions, or limit them to resources that cannot be used this way`,
            'privilege-escalation',
          ),
        );
      }
      if (unlimitedPassRole(statement)) {
        const how = companions.length
          ? `with ${describe(companions)} in this policy, a principal can take on the permissions of any role`
          : 'with permission, from any policy, to create compute (EC2, Lambda, Glue, CloudFormation, …), a principal can run code as any role';
        out.push(
          warning(
            at(i, ['actions'], true),
            `${PASS_ROLE} on every role, to any service: ${how}. Limit the resources to the roles it must pass, or add a condition ` +
              'such as StringEquals: {iam:PassedToService: ec2.amazonaws.com}',
            'pass-role',
          ),
        );
      }
    });
  }
  return out;
};
