// grantflow's temporary inline policies (users only), named `grantflow.<team>.<policy>.<expiry>`: an
// inline policy is grantflow's when its name starts with `grantflow.`. Idempotent: put writes only a
// document that differs, delete of one already gone is an answer.
import { DeleteUserPolicyCommand, GetUserPolicyCommand, PutUserPolicyCommand, paginateListUserPolicies } from '@aws-sdk/client-iam';
import { sameDocument } from '../core/documents';
import { parseInlinePolicyName } from '../core/names';
import { DAY_MS } from '../core/time';
import { allPagesOrAbsent, call, callOrAbsent, listing, request, type Target } from './iam-calls';

export async function putInlinePolicy(target: Target, user: string, name: string, document: string): Promise<'put' | 'unchanged'> {
  const extra = { principalType: 'user' as const, principal: user };
  const current = await callOrAbsent(target, request('GetUserPolicy', new GetUserPolicyCommand({ UserName: user, PolicyName: name })), extra);
  if (current?.PolicyDocument && sameDocument(decodeURIComponent(current.PolicyDocument), document)) return 'unchanged';
  await call(target, request('PutUserPolicy', new PutUserPolicyCommand({ UserName: user, PolicyName: name, PolicyDocument: document })), extra);
  return 'put';
}

/**
 * Deletes grantflow's inline policy, reading first so that a second run sends no write; `unread`
 * (the first revoke of a grant still active, at its expiry) deletes at once, the access going with
 * the first call.
 */
export async function deleteInlinePolicy(target: Target, user: string, name: string, unread = false): Promise<'deleted' | 'absent'> {
  if (!name.startsWith('grantflow.')) throw new Error(`refusing to delete inline policy ${name}: not grantflow's`);
  const extra = { principalType: 'user' as const, principal: user };
  const current = unread || (await callOrAbsent(target, request('GetUserPolicy', new GetUserPolicyCommand({ UserName: user, PolicyName: name })), extra));
  if (!current) return 'absent';
  const deleted = await callOrAbsent(target, request('DeleteUserPolicy', new DeleteUserPolicyCommand({ UserName: user, PolicyName: name })), extra);
  return deleted ? 'deleted' : 'absent';
}

/** The user's inline policy names; undefined when the user does not exist. */
export async function listInlinePolicies(target: Target, user: string): Promise<string[] | undefined> {
  const pages = await allPagesOrAbsent(
    target,
    listing('ListUserPolicies', (paging) => paginateListUserPolicies(paging, { UserName: user })),
    {
      principalType: 'user',
      principal: user,
    },
  );
  return pages?.flatMap((page) => page.PolicyNames ?? []);
}

export interface StaleInline {
  user: string;
  name: string;
  expiresAt: string;
  why: 'expired' | 'beyond max_temporary_days';
}

/** The team's grantflow inline policies on a user that are past expiry or beyond the allowed horizon. */
export function staleInlinePolicies(user: string, names: readonly string[], team: string, nowMs: number, maxDays: number): StaleInline[] {
  const stale: StaleInline[] = [];
  for (const name of names) {
    const parsed = parseInlinePolicyName(name);
    if (!parsed || parsed.team !== team) continue;
    const expiresMs = Date.parse(parsed.expiresAt);
    if (expiresMs <= nowMs) stale.push({ user, name, expiresAt: parsed.expiresAt, why: 'expired' });
    else if (expiresMs > nowMs + maxDays * DAY_MS) stale.push({ user, name, expiresAt: parsed.expiresAt, why: 'beyond max_temporary_days' });
  }
  return stale;
}
