// The IAM procedures behind every activity. Each is idempotent: run twice, or re-run after a crash
// at any point, it ends in the same IAM state and sends no write that is not needed.
//
// Ownership: a customer-managed policy is grantflow's when it sits under /grantflow/ and carries the
// tag managed-by=grantflow; an inline policy is grantflow's when its name starts with `grantflow.`;
// a managed-policy attachment is grantflow's when the principal carries the tag
// `grantflow:attached:<digest of the ARN>`, written before grantflow attaches a policy that was not
// attached already. Attachments without that mark were there before grantflow and are never detached.
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  EntityAlreadyExistsException,
  GetAccountSummaryCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserPolicyCommand,
  PutUserPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
  UntagRoleCommand,
  UntagUserCommand,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListPolicyVersions,
  paginateListRoleTags,
  paginateListUserPolicies,
  paginateListUserTags,
  type IAMClient,
  type Tag,
} from '@aws-sdk/client-iam';
import { digest } from '../core/digest';
import { LIMITS, sameDocument } from '../core/documents';
import type { PolicySync } from '../core/grant';
import type { PrincipalType } from '../core/ids';
import { ATTACHMENT_TAG_PREFIX, attachmentTagKey, OWNER_TAG, parseInlinePolicyName, POLICY_PATH, TEAM_TAG_KEY } from '../core/names';
import { DAY_MS } from '../core/time';
import { classifyAwsError, GrantflowAwsError, isNoSuchEntity, type CallContext } from './errors';

export interface Target {
  client: IAMClient;
  account: string;
  environment?: string;
}

export interface Principal {
  type: PrincipalType;
  name: string;
}

/** Runs one AWS call and turns its failure into an error that names the account and principal. */
async function call<T>(target: Target, operation: string, extra: Partial<CallContext>, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw classifyAwsError(error, { account: target.account, environment: target.environment, operation, ...extra });
  }
}

/** Like `call`, but IAM's NoSuchEntity is an answer (undefined), not an error. */
async function callOrAbsent<T>(target: Target, operation: string, extra: Partial<CallContext>, send: () => Promise<T>): Promise<T | undefined> {
  try {
    return await send();
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw classifyAwsError(error, { account: target.account, environment: target.environment, operation, ...extra });
  }
}

function principalContext(principal: Principal): Partial<CallContext> {
  return { principalType: principal.type, principal: principal.name };
}

const TAG_VALUE_MAX = 256;

export function markerKey(arn: string): string {
  return attachmentTagKey(digest(arn));
}

async function collect<P>(pages: AsyncIterable<P>): Promise<P[]> {
  const all: P[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/** Every page of a listing, read with the SDK's paginator; a failure names the account and principal. */
async function allPages<P>(target: Target, operation: string, extra: Partial<CallContext>, pages: AsyncIterable<P>): Promise<P[]> {
  return call(target, operation, extra, () => collect(pages));
}

/** Like `allPages`, but IAM's NoSuchEntity is an answer (undefined), not an error. */
async function allPagesOrAbsent<P>(target: Target, operation: string, extra: Partial<CallContext>, pages: AsyncIterable<P>): Promise<P[] | undefined> {
  return callOrAbsent(target, operation, extra, () => collect(pages));
}

// ---------------------------------------------------------------------------------------------
// Customer-managed policies

export type PolicyOutcome = 'created' | 'updated' | 'unchanged';

function isOwned(tags: readonly Tag[] | undefined): boolean {
  return (tags ?? []).some((t) => t.Key === OWNER_TAG.key && t.Value === OWNER_TAG.value);
}

async function listVersions(target: Target, arn: string) {
  const pages = await allPages(target, 'ListPolicyVersions', { policyArn: arn }, paginateListPolicyVersions({ client: target.client }, { PolicyArn: arn }));
  return pages.flatMap((page) =>
    (page.Versions ?? []).map((v) => ({ id: v.VersionId!, isDefault: v.IsDefaultVersion === true, created: v.CreateDate?.getTime() ?? 0 })),
  );
}

/** Creates `T-P`, or adds a default version when its normalised document differs (oldest non-default dropped at 5). */
export async function ensureManagedPolicy(target: Target, sync: PolicySync): Promise<PolicyOutcome> {
  const extra = { policyArn: sync.arn };
  let existing = await callOrAbsent(target, 'GetPolicy', extra, () => target.client.send(new GetPolicyCommand({ PolicyArn: sync.arn })));
  if (!existing) {
    try {
      await target.client.send(
        new CreatePolicyCommand({
          PolicyName: sync.name,
          Path: POLICY_PATH,
          PolicyDocument: sync.document,
          Description: sync.description.slice(0, 1000),
          Tags: [
            { Key: OWNER_TAG.key, Value: OWNER_TAG.value },
            { Key: TEAM_TAG_KEY, Value: sync.team },
          ],
        }),
      );
      return 'created';
    } catch (error) {
      if (!(error instanceof EntityAlreadyExistsException)) {
        throw classifyAwsError(error, { account: target.account, environment: target.environment, operation: 'CreatePolicy', ...extra });
      }
      // Another worker created it a moment ago: compare with what it wrote.
      existing = await call(target, 'GetPolicy', extra, () => target.client.send(new GetPolicyCommand({ PolicyArn: sync.arn })));
    }
  }
  const policy = existing.Policy!;
  if (!isOwned(policy.Tags)) {
    throw new GrantflowAwsError(
      'NotOwnedByGrantflow',
      `policy ${sync.arn} exists in account ${target.account} but is not tagged ${OWNER_TAG.key}=${OWNER_TAG.value}; ` +
        'grantflow never edits a policy it did not create. Rename the policy in YAML, or delete or tag the existing one',
      false,
    );
  }
  const current = await call(target, 'GetPolicyVersion', extra, () =>
    target.client.send(new GetPolicyVersionCommand({ PolicyArn: sync.arn, VersionId: policy.DefaultVersionId! })),
  );
  const document = decodeURIComponent(current.PolicyVersion?.Document ?? '');
  if (sameDocument(document, sync.document)) return 'unchanged';

  const versions = await listVersions(target, sync.arn);
  if (versions.length >= LIMITS.policyVersions) {
    const oldest = versions.filter((v) => !v.isDefault).sort((a, b) => a.created - b.created || a.id.localeCompare(b.id))[0];
    if (oldest) {
      await callOrAbsent(target, 'DeletePolicyVersion', extra, () =>
        target.client.send(new DeletePolicyVersionCommand({ PolicyArn: sync.arn, VersionId: oldest.id })),
      );
    }
  }
  await call(target, 'CreatePolicyVersion', extra, () =>
    target.client.send(new CreatePolicyVersionCommand({ PolicyArn: sync.arn, PolicyDocument: sync.document, SetAsDefault: true })),
  );
  return 'updated';
}

export type PolicyRemoval = 'deleted' | 'absent' | 'in-use' | 'not-owned';

/** Deletes a team's customer-managed policy no grant uses any more; one still attached anywhere stays. */
export async function deletePolicyIfUnused(target: Target, arn: string, team: string): Promise<PolicyRemoval> {
  const extra = { policyArn: arn };
  const existing = await callOrAbsent(target, 'GetPolicy', extra, () => target.client.send(new GetPolicyCommand({ PolicyArn: arn })));
  if (!existing?.Policy) return 'absent';
  const tags = existing.Policy.Tags ?? [];
  if (!isOwned(tags) || !tags.some((t) => t.Key === TEAM_TAG_KEY && t.Value === team) || existing.Policy.Path !== POLICY_PATH) return 'not-owned';
  if ((existing.Policy.AttachmentCount ?? 0) > 0) return 'in-use';
  for (const version of await listVersions(target, arn)) {
    if (version.isDefault) continue;
    await callOrAbsent(target, 'DeletePolicyVersion', extra, () => target.client.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: version.id })));
  }
  const deleted = await callOrAbsent(target, 'DeletePolicy', extra, () => target.client.send(new DeletePolicyCommand({ PolicyArn: arn })));
  return deleted ? 'deleted' : 'absent';
}

// ---------------------------------------------------------------------------------------------
// Principals: attachments and ownership marks

export interface PrincipalAttachments {
  /** ARNs attached to the principal now. */
  attached: Set<string>;
  /** ARNs grantflow marked as its own, by their tag key. */
  marked: Map<string, string>;
}

export async function readAttachments(target: Target, principal: Principal): Promise<PrincipalAttachments> {
  const extra = principalContext(principal);
  const paging = { client: target.client };
  const attachedPages =
    principal.type === 'user'
      ? await allPages(target, 'ListAttachedUserPolicies', extra, paginateListAttachedUserPolicies(paging, { UserName: principal.name }))
      : await allPages(target, 'ListAttachedRolePolicies', extra, paginateListAttachedRolePolicies(paging, { RoleName: principal.name }));
  const attached = new Set(attachedPages.flatMap((page) => (page.AttachedPolicies ?? []).map((p) => p.PolicyArn!).filter(Boolean)));

  const tagPages =
    principal.type === 'user'
      ? await allPages(target, 'ListUserTags', extra, paginateListUserTags(paging, { UserName: principal.name }))
      : await allPages(target, 'ListRoleTags', extra, paginateListRoleTags(paging, { RoleName: principal.name }));
  const marked = new Map<string, string>();
  const markKeys = new Set<string>();
  for (const tag of tagPages.flatMap((page) => page.Tags ?? [])) {
    if (!tag.Key?.startsWith(ATTACHMENT_TAG_PREFIX) || !tag.Value) continue;
    markKeys.add(tag.Key);
    // A tag value holds 256 characters: a longer ARN is cut short there, and found by its key below.
    if (tag.Value.length < TAG_VALUE_MAX) marked.set(tag.Value, tag.Key);
  }
  for (const arn of attached) if (markKeys.has(markerKey(arn))) marked.set(arn, markerKey(arn));
  return { attached, marked };
}

async function tag(target: Target, principal: Principal, tags: Tag[]): Promise<void> {
  const extra = principalContext(principal);
  for (let i = 0; i < tags.length; i += 50) {
    const batch = tags.slice(i, i + 50);
    if (principal.type === 'user') {
      await call(target, 'TagUser', extra, () => target.client.send(new TagUserCommand({ UserName: principal.name, Tags: batch })));
    } else {
      await call(target, 'TagRole', extra, () => target.client.send(new TagRoleCommand({ RoleName: principal.name, Tags: batch })));
    }
  }
}

async function untag(target: Target, principal: Principal, keys: string[]): Promise<void> {
  const extra = principalContext(principal);
  for (let i = 0; i < keys.length; i += 50) {
    const batch = keys.slice(i, i + 50);
    if (principal.type === 'user') {
      await callOrAbsent(target, 'UntagUser', extra, () => target.client.send(new UntagUserCommand({ UserName: principal.name, TagKeys: batch })));
    } else {
      await callOrAbsent(target, 'UntagRole', extra, () => target.client.send(new UntagRoleCommand({ RoleName: principal.name, TagKeys: batch })));
    }
  }
}

export interface AttachOutcome {
  /** Attached by this call. */
  attached: string[];
  /** Already attached and marked as grantflow's. */
  kept: string[];
  /** Attached before grantflow: left alone, and never detached by it. */
  foreign: string[];
}

/** Attaches each ARN that is not attached yet, marking it as grantflow's first (so a crash in between is safe). */
export async function attachManaged(target: Target, principal: Principal, arns: readonly string[]): Promise<AttachOutcome> {
  const outcome: AttachOutcome = { attached: [], kept: [], foreign: [] };
  if (arns.length === 0) return outcome;
  const state = await readAttachments(target, principal);
  const missing: string[] = [];
  for (const arn of arns) {
    if (state.attached.has(arn)) (state.marked.has(arn) ? outcome.kept : outcome.foreign).push(arn);
    else missing.push(arn);
  }
  const unmarked = missing.filter((arn) => !state.marked.has(arn));
  if (unmarked.length > 0) await tag(target, principal, unmarked.map((arn) => ({ Key: markerKey(arn), Value: arn.slice(0, TAG_VALUE_MAX) })));
  for (const arn of missing) {
    const extra = { ...principalContext(principal), policyArn: arn };
    try {
      if (principal.type === 'user') await target.client.send(new AttachUserPolicyCommand({ UserName: principal.name, PolicyArn: arn }));
      else await target.client.send(new AttachRolePolicyCommand({ RoleName: principal.name, PolicyArn: arn }));
    } catch (error) {
      // NoSuchEntity here means the policy is missing: the principal answered the list call above.
      throw classifyAwsError(error, { account: target.account, environment: target.environment, operation: principal.type === 'user' ? 'AttachUserPolicy' : 'AttachRolePolicy', ...extra });
    }
    outcome.attached.push(arn);
  }
  return outcome;
}

export interface ReleaseOutcome {
  detached: string[];
  kept: { arn: string; reason: 'needed by another live grant' | 'attached before grantflow' }[];
}

/**
 * Detaches the ARNs grantflow attached and no other live grant needs, then drops their marks.
 * A missing principal means there is nothing left to release.
 */
export async function releaseManaged(target: Target, principal: Principal, arns: readonly string[], stillNeeded: ReadonlySet<string>): Promise<ReleaseOutcome> {
  const outcome: ReleaseOutcome = { detached: [], kept: [] };
  if (arns.length === 0) return outcome;
  let state: PrincipalAttachments;
  try {
    state = await readAttachments(target, principal);
  } catch (error) {
    if (error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound') return outcome;
    throw error;
  }
  const unmark: string[] = [];
  for (const arn of arns) {
    if (stillNeeded.has(arn)) {
      if (state.attached.has(arn) || state.marked.has(arn)) outcome.kept.push({ arn, reason: 'needed by another live grant' });
      continue;
    }
    const key = state.marked.get(arn);
    if (!key) {
      if (state.attached.has(arn)) outcome.kept.push({ arn, reason: 'attached before grantflow' });
      continue;
    }
    if (state.attached.has(arn)) {
      const extra = { ...principalContext(principal), policyArn: arn };
      await callOrAbsent(target, principal.type === 'user' ? 'DetachUserPolicy' : 'DetachRolePolicy', extra, () =>
        principal.type === 'user'
          ? target.client.send(new DetachUserPolicyCommand({ UserName: principal.name, PolicyArn: arn }))
          : target.client.send(new DetachRolePolicyCommand({ RoleName: principal.name, PolicyArn: arn })),
      );
      outcome.detached.push(arn);
    }
    unmark.push(key);
  }
  if (unmark.length > 0) await untag(target, principal, unmark);
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Temporary inline policies (users only)

export async function putInlinePolicy(target: Target, user: string, name: string, document: string): Promise<'put' | 'unchanged'> {
  const extra = { principalType: 'user' as const, principal: user };
  const current = await callOrAbsent(target, 'GetUserPolicy', extra, () =>
    target.client.send(new GetUserPolicyCommand({ UserName: user, PolicyName: name })),
  );
  if (current?.PolicyDocument && sameDocument(decodeURIComponent(current.PolicyDocument), document)) return 'unchanged';
  await call(target, 'PutUserPolicy', extra, () =>
    target.client.send(new PutUserPolicyCommand({ UserName: user, PolicyName: name, PolicyDocument: document })),
  );
  return 'put';
}

export async function deleteInlinePolicy(target: Target, user: string, name: string): Promise<'deleted' | 'absent'> {
  if (!name.startsWith('grantflow.')) throw new Error(`refusing to delete inline policy ${name}: not grantflow's`);
  const extra = { principalType: 'user' as const, principal: user };
  const current = await callOrAbsent(target, 'GetUserPolicy', extra, () => target.client.send(new GetUserPolicyCommand({ UserName: user, PolicyName: name })));
  if (!current) return 'absent';
  const deleted = await callOrAbsent(target, 'DeleteUserPolicy', extra, () =>
    target.client.send(new DeleteUserPolicyCommand({ UserName: user, PolicyName: name })),
  );
  return deleted ? 'deleted' : 'absent';
}

/** The user's inline policy names; undefined when the user does not exist. */
export async function listInlinePolicies(target: Target, user: string): Promise<string[] | undefined> {
  const extra = { principalType: 'user' as const, principal: user };
  const pages = await allPagesOrAbsent(target, 'ListUserPolicies', extra, paginateListUserPolicies({ client: target.client }, { UserName: user }));
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

// ---------------------------------------------------------------------------------------------
// Quotas

export interface AccountQuotas {
  attachedPerUser: number;
  attachedPerRole: number;
}

export async function readQuotas(target: Target): Promise<AccountQuotas> {
  const summary = await call(target, 'GetAccountSummary', {}, () => target.client.send(new GetAccountSummaryCommand({})));
  const map = summary.SummaryMap ?? {};
  return { attachedPerUser: map.AttachedPoliciesPerUserQuota ?? 10, attachedPerRole: map.AttachedPoliciesPerRoleQuota ?? 10 };
}
