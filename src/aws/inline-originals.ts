// Inline policies that were there before grantflow, which an imported policy names as its original
// (`replaces_inline`). `plan` reads them to tell which grants IAM holds already; adoption deletes one,
// and only when it still holds exactly the statements of the grant's policy and grantflow's policy
// holding those statements is attached to the principal: the principal never holds neither.
import { conditionAllows, holdsStatements, renderDocument, sameDocument } from '../core/documents';
import type { IamStatement } from '../core/team-config';
import { decodePolicyDocument } from './authorization-details';
import { allPages, callOrAbsent, type Target } from './iam-calls';
import { readPolicyDocument } from './managed-policies';
import { PRINCIPAL_CALLS, principalContext, type Principal } from './principal-calls';

/** The inline policy's document (URL-decoded); undefined when the principal has none of that name. */
export async function readInlineDocument(target: Target, principal: Principal, name: string): Promise<string | undefined> {
  const document = await callOrAbsent(target, PRINCIPAL_CALLS[principal.type].inlineDocument(principal.name, name), principalContext(principal));
  return document === undefined ? undefined : decodePolicyDocument(document);
}

/**
 * `deleted`: the original is gone, grantflow's policy holds its statements. `absent`: it was gone
 * already. `differs`: it no longer holds the policy's statements (edited since the import), so it
 * stays. `not-attached`: grantflow's policy is not attached yet. `policy-differs`: grantflow's policy
 * does not hold the statements yet (its new version is still to be written by the team's pass).
 */
export type InlineAdoption = 'deleted' | 'absent' | 'differs' | 'not-attached' | 'policy-differs';

export interface InlineOriginal {
  /** The inline policy on the principal. */
  name: string;
  /** The statements it must hold, as the verified config writes them. */
  statements: readonly IamStatement[];
  /** grantflow's customer-managed policy holding those statements. */
  customPolicyArn: string;
}

/**
 * Deletes the inline original once grantflow's policy stands in for it; anything else leaves it.
 * Both are read back first: IAM applies a change eventually, and the attach this apply sent a moment
 * ago must be seen before the original goes.
 */
export async function adoptInlineOriginal(target: Target, principal: Principal, original: InlineOriginal): Promise<InlineAdoption> {
  const document = await readInlineDocument(target, principal, original.name);
  if (document === undefined) return 'absent';
  if (!holdsStatements(document, original.statements)) return 'differs';
  const pages = await allPages(target, PRINCIPAL_CALLS[principal.type].listAttached(principal.name), principalContext(principal));
  if (!pages.some((page) => (page.AttachedPolicies ?? []).some((p) => p.PolicyArn === original.customPolicyArn))) return 'not-attached';
  // grantflow's policy holds the statements as written, or with the MFA condition its environment adds to each Allow.
  const policy = await readPolicyDocument(target, original.customPolicyArn);
  const holds = (mfa: boolean) => policy !== undefined && sameDocument(policy, renderDocument(conditionAllows(original.statements, { mfa })));
  if (!holds(false) && !holds(true)) return 'policy-differs';
  const deleted = await callOrAbsent(target, PRINCIPAL_CALLS[principal.type].deleteInline(principal.name, original.name), principalContext(principal));
  return deleted === undefined ? 'absent' : 'deleted';
}
