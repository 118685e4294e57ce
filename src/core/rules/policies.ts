// Policies: every managed ARN well formed (and, for AWS's own, one that exists), every statement
// complete, Sids unique, and every document within IAM's size limit.
import { ADMIN_MANAGED_POLICIES } from '../escalation';
import { AWS_MANAGED_POLICIES_SOURCE, findAwsManagedPolicy, suggestAwsManagedPolicy } from '../aws-managed-policies';
import { error, warning, type Diagnostic, type Position } from '../diagnostics';
import type { Policy } from '../team-config';
import { LIMITS, policySize, renderDocument } from '../documents';
import { checkIamName, customPolicyName, IAM_POLICY_NAME_MAX, INLINE_PREFIX, parseManagedPolicyArn } from '../names';
import type { PathSegment, Rule } from './context';
import { statementDiagnostics } from './statements';

const fmt = (n: number) => n.toLocaleString('en-US');

export function unknownAwsManagedPolicyMessage(arn: string, strict: boolean): string {
  const near = suggestAwsManagedPolicy(arn);
  return (
    `${arn} is not an AWS managed policy that grantflow knows (table from ${AWS_MANAGED_POLICIES_SOURCE.source}, policies as of ` +
    `${AWS_MANAGED_POLICIES_SOURCE.dataAsOf})${near ? `; did you mean ${near}?` : ''}. Attaching a policy that does not exist fails the grant, ` +
    'unless AWS published it after that date' +
    (strict ? '; this is an error because strict_actions is true' : '')
  );
}

export const REPLACES_INLINE = 'replaces-inline';

/**
 * `replaces_inline` names the inline policy, on each principal granted the policy, that holds its
 * custom statements: one of the principal's own inline policies, never one of grantflow's.
 */
function replacesInlineProblems(name: string, policy: Policy, where: Position): Diagnostic[] {
  const inline = policy.replacesInline;
  if (inline === undefined) return [];
  if (policy.statements.length === 0) {
    return [
      error(
        where,
        `replaces_inline names the inline policy that holds the custom_statements of "${name}", which has none: add them, or remove replaces_inline`,
        REPLACES_INLINE,
      ),
    ];
  }
  const own = checkIamName(inline, IAM_POLICY_NAME_MAX, 'replaces_inline');
  if (!own.ok) return [error(where, own.reason, REPLACES_INLINE)];
  if (inline.toLowerCase().startsWith(INLINE_PREFIX)) {
    return [
      error(
        where,
        `replaces_inline "${inline}" names one of grantflow's own inline policies (they start with ${INLINE_PREFIX}); it names an inline policy that was there before grantflow`,
        REPLACES_INLINE,
      ),
    ];
  }
  return [];
}

export const policyRules: Rule = (context) => {
  const { config, locate, catalog } = context;
  const strict = config.settings.strictActions === true;
  const out: Diagnostic[] = [];
  for (const [name, policy] of Object.entries(config.policies)) {
    const base: PathSegment[] = ['aws-policies', name];
    const at = (path: PathSegment[], key = false) => locate('aws-policies', [...base, ...path], { key });

    if (policy.managedPolicyArns.length === 0 && policy.statements.length === 0 && policy.permissionSet === undefined) {
      out.push(error(at([], true), `policy "${name}" grants nothing: add managed_policies or custom_statements`, 'empty-policy'));
    }

    const seenArns = new Set<string>();
    policy.managedPolicyArns.forEach((arn, i) => {
      const where = at(['managed_policies', i]);
      const parsed = parseManagedPolicyArn(arn);
      if (!parsed.ok) {
        out.push(error(where, parsed.reason, 'malformed-arn'));
        return;
      }
      if (parsed.partition !== config.settings.partition) {
        out.push(
          error(where, `"${arn}" is in partition ${parsed.partition}, but grantflow is set to partition ${config.settings.partition}`, 'wrong-partition'),
        );
      }
      if (seenArns.has(arn)) out.push(warning(where, `managed policy ${arn} is listed twice in "${name}"`, 'duplicate-managed-policy'));
      seenArns.add(arn);
      if (parsed.owner !== 'aws') return;
      if (!findAwsManagedPolicy(arn)) {
        const message = unknownAwsManagedPolicyMessage(arn, strict);
        out.push(strict ? error(where, message, 'unknown-managed-policy') : warning(where, message, 'unknown-managed-policy'));
      }
      if (ADMIN_MANAGED_POLICIES.includes(parsed.name)) {
        out.push(
          warning(where, `${parsed.name} gives near-administrator access; prefer a narrower policy, or grant it only temporarily`, 'admin-managed-policy'),
        );
      }
    });

    const sids = new Map<string, number>();
    policy.statements.forEach((statement, i) => {
      const statementAt = (path: PathSegment[], key?: boolean) => at(['custom_statements', i, ...path], key);
      out.push(...statementDiagnostics(statement, statementAt, { strict, ...(catalog ? { catalog } : {}) }));
      // IAM refuses a document in which two statements share a Sid (an empty one counts as none).
      if (statement.Sid) {
        const first = sids.get(statement.Sid);
        if (first !== undefined) {
          out.push(
            error(
              statementAt(['sid']),
              `sid "${statement.Sid}" is also the sid of statement ${first + 1}; IAM requires each sid in a policy to be unique`,
              'duplicate-sid',
            ),
          );
        } else sids.set(statement.Sid, i);
      }
    });

    out.push(...replacesInlineProblems(name, policy, at(['replaces_inline'])));

    if (policy.statements.length > 0) {
      const size = policySize(renderDocument(policy.statements));
      if (size > LIMITS.managedPolicyChars) {
        out.push(
          error(
            at(['custom_statements'], true),
            `the custom statements of "${name}" render to ${fmt(size)} characters in customer-managed policy ` +
              `${customPolicyName(config.team, name)}; IAM allows ${fmt(LIMITS.managedPolicyChars)}. ` +
              'Split them into two policies or use wildcards',
            'policy-size',
          ),
        );
      }
    }
  }
  return out;
};
