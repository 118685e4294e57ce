// Policies: every managed ARN well formed, every action real, every statement complete, every
// document within IAM's size limit, and a warning wherever a policy hands out the keys to the account.
import { ADMIN_MANAGED_POLICIES, escalationsIn, isConditionOperator, knownOperators, matchActions } from '../actions';
import { error, warning, type Diagnostic } from '../diagnostics';
import { LIMITS, policySize, renderDocument } from '../documents';
import { customPolicyName, parseManagedPolicyArn } from '../names';
import { closest } from '../suggest';
import type { IamStatement } from '../team-config';
import type { PathSegment, Rule, RuleContext } from './context';

const fmt = (n: number) => n.toLocaleString('en-US');

export const policyRules: Rule = (context) => {
  const { config, locate } = context;
  const out: Diagnostic[] = [];
  for (const [name, policy] of Object.entries(config.policies)) {
    const base: PathSegment[] = ['aws-policies', name];
    const at = (path: PathSegment[], key = false) => locate('aws-policies', [...base, ...path], { key });

    if (policy.managedPolicyArns.length === 0 && policy.statements.length === 0) {
      out.push(error(at([], true), `policy "${name}" grants nothing: add managed_policies or custom_statements`));
    }

    const seenArns = new Set<string>();
    policy.managedPolicyArns.forEach((arn, i) => {
      const where = at(['managed_policies', i]);
      const parsed = parseManagedPolicyArn(arn);
      if (!parsed.ok) {
        out.push(error(where, parsed.reason));
        return;
      }
      if (parsed.partition !== config.settings.partition) {
        out.push(error(where, `"${arn}" is in partition ${parsed.partition}, but grantflow is set to partition ${config.settings.partition}`));
      }
      if (seenArns.has(arn)) out.push(warning(where, `managed policy ${arn} is listed twice in "${name}"`));
      seenArns.add(arn);
      if (parsed.owner === 'aws' && ADMIN_MANAGED_POLICIES.includes(parsed.name)) {
        out.push(warning(where, `${parsed.name} gives near-administrator access; prefer a narrower policy, or grant it only temporarily`));
      }
    });

    policy.statements.forEach((statement, i) => out.push(...statementDiagnostics(context, statement, (path, key) => at(['custom_statements', i, ...path], key))));

    if (policy.statements.length > 0) {
      const size = policySize(renderDocument(policy.statements));
      if (size > LIMITS.managedPolicyChars) {
        out.push(
          error(
            at(['custom_statements'], true),
            `the custom statements of "${name}" render to ${fmt(size)} characters in customer-managed policy ` +
              `${customPolicyName(config.team, name)}; IAM allows ${fmt(LIMITS.managedPolicyChars)}. ` +
              'Split them into two policies or use wildcards',
          ),
        );
      }
    }
  }
  return out;
};

function statementDiagnostics(
  { catalog }: RuleContext,
  statement: IamStatement,
  at: (path: PathSegment[], key?: boolean) => ReturnType<RuleContext['locate']>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const actionKey = statement.Action ? 'actions' : 'not_actions';
  const patterns = statement.Action ?? statement.NotAction ?? [];

  if (catalog) {
    patterns.forEach((pattern, j) => {
      const result = matchActions(pattern, catalog);
      if (!result.ok) {
        const colon = pattern.indexOf(':');
        const service = pattern.slice(0, Math.max(colon, 0)).toLowerCase();
        const known = catalog.actionsOf(service);
        const near = known && colon > 0 && !/[*?]/.test(pattern) ? closest(pattern.slice(colon + 1), known) : undefined;
        out.push(error(at([actionKey, j]), `${result.reason}${near ? `; did you mean "${service}:${near}"?` : ''}`));
      }
    });
  } else {
    patterns.forEach((pattern, j) => {
      if (pattern !== '*' && !/^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$/.test(pattern)) {
        out.push(error(at([actionKey, j]), `action "${pattern}" is not of the form service:Action`));
      }
    });
  }

  const resourceKey = statement.Resource ? 'resources' : 'not_resources';
  const resources = statement.Resource ?? statement.NotResource ?? [];
  resources.forEach((resource, j) => {
    if (resource !== '*' && !resource.startsWith('arn:')) {
      out.push(error(at([resourceKey, j]), `resource "${resource}" is not an ARN or "*" (e.g. arn:aws:s3:::${resource.replace(/^\W+/, '') || 'bucket'})`));
    }
  });

  for (const operator of Object.keys(statement.Condition ?? {})) {
    if (!isConditionOperator(operator)) {
      const near = closest(operator, knownOperators());
      out.push(error(at(['conditions', operator], true), `unknown condition operator "${operator}"${near ? `; did you mean "${near}"?` : ''}`));
    }
  }

  if (statement.Effect === 'Allow') {
    const everyResource = statement.Resource?.includes('*') ?? false;
    if (statement.Action?.includes('*') && everyResource) {
      out.push(warning(at([], false), 'statement allows every action ("*") on every resource ("*"): that is administrator access'));
    } else if (statement.NotAction) {
      out.push(warning(at(['not_actions'], true), 'Allow with not_actions grants every action not listed, including ones AWS adds later'));
    } else {
      const escalations = new Set<string>();
      for (const pattern of statement.Action ?? []) {
        for (const action of escalationsIn(pattern)) {
          if (action === 'sts:assumerole' && !everyResource) continue;
          escalations.add(action);
        }
      }
      if (escalations.size > 0) {
        const listed = [...escalations].slice(0, 5).join(', ');
        out.push(
          warning(
            at([actionKey], true),
            `statement allows privilege escalation (${listed}${escalations.size > 5 ? ', …' : ''}${escalations.has('sts:assumerole') ? ' on "*"' : ''}); ` +
              'limit the resources or drop these actions',
          ),
        );
      }
    }
  }
  return out;
}
