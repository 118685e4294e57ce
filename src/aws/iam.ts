// The IAM procedures behind every activity. Each is idempotent: run twice, or re-run after a crash
// at any point, it ends in the same IAM state and sends no write that is not needed.
//
// Ownership: a customer-managed policy is grantflow's when it sits under /grantflow/ and carries the
// tag managed-by=grantflow, and team T's when it also carries grantflow:team=T (grantflow never edits
// or deletes another team's); an inline policy is grantflow's when its name starts with `grantflow.`;
// a managed-policy attachment is grantflow's when the principal carries the tag
// `grantflow:attached:<digest of the ARN>`, written before grantflow attaches a policy that was not
// attached already. Attachments without that mark were there before grantflow and are never detached.
// The mark is only a tag, which anyone allowed to tag the principal can write, so a grant's revoke
// goes by the grant's own record of what its applies attached (`owned` in releaseManaged), and an
// apply counts as its own only what it attached, or found marked while another live grant holds it.
//
// IAM has no transactions, so an attach and a concurrent release (another grant's revoke, a sweep)
// could each undo half of the other. Both sides read back after they write: the attaching side puts
// back a mark that went missing after its attach, and the releasing side puts back a mark it removed
// from a policy that is attached again. Whichever writes last sees the other's write, so an attachment
// grantflow made never ends without its mark.
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
  GetAccountSummaryCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListEntitiesForPolicyCommand,
  EntityAlreadyExistsException,
  PutUserPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
  UntagRoleCommand,
  UntagUserCommand,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListPolicies,
  paginateListPolicyVersions,
  paginateListRoleTags,
  paginateListUserPolicies,
  paginateListUserTags,
  type GetAccountSummaryCommandOutput,
  type GetPolicyCommandOutput,
  type GetPolicyVersionCommandOutput,
  type GetRoleCommandOutput,
  type GetUserCommandOutput,
  type GetUserPolicyCommandOutput,
  type ListEntitiesForPolicyCommandOutput,
  type IAMClient,
  type Tag,
} from '@aws-sdk/client-iam';
import { digest } from '../core/digest';
import { LIMITS, policySize, renderExpiringCopy, sameDocument } from '../core/documents';
import type { ExpiringCopy, PolicySync } from '../core/grant';
import type { PrincipalType } from '../core/ids';
import { ATTACHMENT_TAG_PREFIX, attachmentTagKey, COPY_TAGS, OWNER_TAG, parseInlinePolicyName, POLICY_PATH, TEAM_TAG_KEY, teamPolicyPath } from '../core/names';
import { DAY_MS } from '../core/time';
import { classifyAwsError, GrantflowAwsError, isNoSuchEntity, type CallContext } from './errors';
import { readPrincipal, type PrincipalNeed, type PrincipalState } from './principal-reads';
import { RateLimitAbandoned } from './rate-limit';

export interface Target {
  client: IAMClient;
  account: string;
  environment?: string;
  /** Aborted when the workflow abandons the attempt (cancelled, timed out): no call is sent after that. */
  signal?: AbortSignal;
  /** Until this moment (epoch ms) IAM's "no such user/policy" is taken for propagation delay and retried. */
  notFoundRetryUntil?: number;
}

export interface Principal {
  type: PrincipalType;
  name: string;
}

/** Any IAM command (the SDK's overloads do not reduce to one parameter type). */
type Command = object;

/**
 * Sends one command, unless the attempt was abandoned: an apply the workflow gave up on (cancelled,
 * timed out, superseded) must not write to IAM after the revoke that follows it.
 */
function send<T>(target: Target, command: Command): Promise<T> {
  if (target.signal?.aborted) return Promise.reject(new AttemptAbandoned(target));
  const sendAny = target.client.send.bind(target.client) as unknown as (command: Command, options: { abortSignal?: AbortSignal }) => Promise<T>;
  return sendAny(command, target.signal ? { abortSignal: target.signal } : {});
}

class AttemptAbandoned extends GrantflowAwsError {
  constructor(target: Target) {
    super('Abandoned', `the attempt in account ${target.account} was abandoned by its workflow; no further IAM call is sent`, true);
  }
}

function context(target: Target, operation: string, extra: Partial<CallContext>): CallContext {
  return {
    account: target.account,
    environment: target.environment,
    operation,
    ...(target.notFoundRetryUntil !== undefined ? { notFoundRetryUntil: target.notFoundRetryUntil } : {}),
    ...extra,
  };
}

/** Runs one AWS call and turns its failure into an error that names the account and principal. */
async function call<T>(target: Target, operation: string, extra: Partial<CallContext>, command: Command): Promise<T> {
  try {
    return await send<T>(target, command);
  } catch (error) {
    throw classified(target, error, operation, extra);
  }
}

/** Like `call`, but IAM's NoSuchEntity is an answer (undefined), not an error. */
async function callOrAbsent<T>(target: Target, operation: string, extra: Partial<CallContext>, command: Command): Promise<T | undefined> {
  try {
    return await send<T>(target, command);
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw classified(target, error, operation, extra);
  }
}

/** An AWS failure as a message naming account and principal; a call its abandoned attempt took out of the rate limit's queue says so. */
function classified(target: Target, error: unknown, operation: string, extra: Partial<CallContext>): GrantflowAwsError {
  if (error instanceof RateLimitAbandoned) return new AttemptAbandoned(target);
  return classifyAwsError(error, context(target, operation, extra));
}

function principalContext(principal: Principal): Partial<CallContext> {
  return { principalType: principal.type, principal: principal.name };
}

const TAG_VALUE_MAX = 256;

export function markerKey(arn: string): string {
  return attachmentTagKey(digest(arn));
}

async function collect<P>(target: Target, pages: AsyncIterable<P>): Promise<P[]> {
  const all: P[] = [];
  for await (const page of pages) {
    if (target.signal?.aborted) throw new AttemptAbandoned(target);
    all.push(page);
  }
  return all;
}

/** Every page of a listing, read with the SDK's paginator; a failure names the account and principal. */
async function allPages<P>(target: Target, operation: string, extra: Partial<CallContext>, pages: AsyncIterable<P>): Promise<P[]> {
  try {
    return await collect(target, pages);
  } catch (error) {
    throw classified(target, error, operation, extra);
  }
}

/** Like `allPages`, but IAM's NoSuchEntity is an answer (undefined), not an error. */
async function allPagesOrAbsent<P>(target: Target, operation: string, extra: Partial<CallContext>, pages: AsyncIterable<P>): Promise<P[] | undefined> {
  try {
    return await collect(target, pages);
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw classified(target, error, operation, extra);
  }
}

// ---------------------------------------------------------------------------------------------
// Customer-managed policies

export type PolicyOutcome = 'created' | 'updated' | 'unchanged';

function isOwned(tags: readonly Tag[] | undefined): boolean {
  return (tags ?? []).some((t) => t.Key === OWNER_TAG.key && t.Value === OWNER_TAG.value);
}

function teamOf(tags: readonly Tag[] | undefined): string | undefined {
  return (tags ?? []).find((t) => t.Key === TEAM_TAG_KEY)?.Value;
}

async function listVersions(target: Target, arn: string) {
  const pages = await allPages(target, 'ListPolicyVersions', { policyArn: arn }, paginateListPolicyVersions({ client: target.client }, { PolicyArn: arn }));
  return pages.flatMap((page) =>
    (page.Versions ?? []).map((v) => ({ id: v.VersionId!, isDefault: v.IsDefaultVersion === true, created: v.CreateDate?.getTime() ?? 0 })),
  );
}

/** The refusal to touch a grantflow policy that another team owns: it names both teams. */
function otherTeamsPolicy(target: Target, arn: string, owner: string | undefined, team: string): GrantflowAwsError {
  return new GrantflowAwsError(
    'NotOwnedByGrantflow',
    `policy ${arn} in account ${target.account} belongs to team ${owner ?? '(untagged)'} (tag ${TEAM_TAG_KEY}), not to team ${team}; ` +
      "grantflow never edits or deletes another team's policy. Rename the policy in one of the two teams",
    false,
  );
}

/** Creates `grantflow.T.P`, or adds a default version when its normalised document differs (oldest non-default dropped at 5). */
export async function ensureManagedPolicy(target: Target, sync: PolicySync, extraTags: readonly Tag[] = []): Promise<PolicyOutcome> {
  const extra = { policyArn: sync.arn };
  let existing = await callOrAbsent<GetPolicyCommandOutput>(target, 'GetPolicy', extra, new GetPolicyCommand({ PolicyArn: sync.arn }));
  if (!existing) {
    try {
      await send(
        target,
        new CreatePolicyCommand({
          PolicyName: sync.name,
          Path: teamPolicyPath(sync.team),
          PolicyDocument: sync.document,
          Description: sync.description.slice(0, 1000),
          Tags: [{ Key: OWNER_TAG.key, Value: OWNER_TAG.value }, { Key: TEAM_TAG_KEY, Value: sync.team }, ...extraTags],
        }),
      );
      return 'created';
    } catch (error) {
      if (!(error instanceof EntityAlreadyExistsException)) {
        throw classifyAwsError(error, context(target, 'CreatePolicy', extra));
      }
      // Another worker created it a moment ago (or a policy of that name exists elsewhere): compare with what is there.
      existing = await callOrAbsent<GetPolicyCommandOutput>(target, 'GetPolicy', extra, new GetPolicyCommand({ PolicyArn: sync.arn }));
      if (!existing) {
        throw new GrantflowAwsError(
          'NotOwnedByGrantflow',
          `a policy named ${sync.name} already exists in account ${target.account} under another path or spelling, so ${sync.arn} cannot be created; ` +
            'IAM policy names are unique per account regardless of path and case. Rename the policy in YAML, or delete the other one',
          false,
        );
      }
    }
  }
  const policy = existing.Policy!;
  if (!isOwned(policy.Tags) || !policy.Path?.startsWith(POLICY_PATH)) {
    throw new GrantflowAwsError(
      'NotOwnedByGrantflow',
      `policy ${sync.arn} exists in account ${target.account} but is not tagged ${OWNER_TAG.key}=${OWNER_TAG.value}; ` +
        'grantflow never edits a policy it did not create. Rename the policy in YAML, or delete or tag the existing one',
      false,
    );
  }
  if (teamOf(policy.Tags) !== sync.team) throw otherTeamsPolicy(target, sync.arn, teamOf(policy.Tags), sync.team);
  const current = await call<GetPolicyVersionCommandOutput>(
    target,
    'GetPolicyVersion',
    extra,
    new GetPolicyVersionCommand({ PolicyArn: sync.arn, VersionId: policy.DefaultVersionId! }),
  );
  const document = decodeURIComponent(current.PolicyVersion?.Document ?? '');
  if (sameDocument(document, sync.document)) return 'unchanged';

  const versions = await listVersions(target, sync.arn);
  if (versions.length >= LIMITS.policyVersions) {
    const oldest = versions.filter((v) => !v.isDefault).sort((a, b) => a.created - b.created || a.id.localeCompare(b.id))[0];
    if (oldest) await callOrAbsent(target, 'DeletePolicyVersion', extra, new DeletePolicyVersionCommand({ PolicyArn: sync.arn, VersionId: oldest.id }));
  }
  await call(target, 'CreatePolicyVersion', extra, new CreatePolicyVersionCommand({ PolicyArn: sync.arn, PolicyDocument: sync.document, SetAsDefault: true }));
  return 'updated';
}

/** The default version's document of a customer-managed policy (for `plan`), or undefined when the policy does not exist. */
export async function readPolicyDocument(target: Target, arn: string): Promise<string | undefined> {
  const extra = { policyArn: arn };
  const existing = await callOrAbsent<GetPolicyCommandOutput>(target, 'GetPolicy', extra, new GetPolicyCommand({ PolicyArn: arn }));
  const version = existing?.Policy?.DefaultVersionId;
  if (!version) return undefined;
  const current = await call<GetPolicyVersionCommandOutput>(
    target,
    'GetPolicyVersion',
    extra,
    new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version }),
  );
  return decodeURIComponent(current.PolicyVersion?.Document ?? '');
}

// ---------------------------------------------------------------------------------------------
// Expiring copies of managed policies (temporary grants)

/** The managed policy's default version in the account, as IAM returns it (URL-decoded). */
export async function readDefaultDocument(target: Target, arn: string): Promise<string> {
  const extra = { policyArn: arn };
  const policy = await call<GetPolicyCommandOutput>(target, 'GetPolicy', extra, new GetPolicyCommand({ PolicyArn: arn }));
  const version = await call<GetPolicyVersionCommandOutput>(
    target,
    'GetPolicyVersion',
    extra,
    new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.Policy!.DefaultVersionId! }),
  );
  return decodeURIComponent(version.PolicyVersion?.Document ?? '');
}

export type CopyOutcome = PolicyOutcome | 'too-large';

export interface CopyRequest {
  team: string;
  grantId: string;
  environment: string;
  policy: string;
  copy: ExpiringCopy;
  expiresAt: string;
  mfa: boolean;
}

/**
 * Writes the copy of the managed policy's default version in this account, each statement with the
 * grant's conditions, as one of the team's grantflow policies (tagged with the grant, the source and
 * the expiry, which the sweep reads). When the account's version has grown past what a copy may
 * hold, nothing is written: the caller attaches the original instead.
 */
export async function ensureExpiringCopy(target: Target, request: CopyRequest): Promise<{ outcome: CopyOutcome; size: number }> {
  const source = await readDefaultDocument(target, request.copy.sourceArn);
  let document: string;
  try {
    document = renderExpiringCopy(source, { expiresAt: request.expiresAt, mfa: request.mfa });
  } catch (error) {
    throw new GrantflowAwsError(
      'MalformedPolicy',
      `the default version of ${request.copy.sourceArn} in account ${target.account} cannot be copied: ${(error as Error).message}; set temporary_managed_policies: attach`,
      false,
    );
  }
  const size = policySize(document);
  if (size > LIMITS.managedPolicyChars) return { outcome: 'too-large', size };
  const outcome = await ensureManagedPolicy(
    target,
    {
      account: target.account,
      environment: request.environment,
      team: request.team,
      policy: request.policy,
      name: request.copy.name,
      arn: request.copy.arn,
      document,
      description: `grantflow: expiring copy of ${request.copy.sourceArn} for ${request.grantId}, denied by AWS from ${request.expiresAt}`,
    },
    [
      { Key: COPY_TAGS.copyOf, Value: request.copy.sourceArn.slice(0, 256) },
      { Key: COPY_TAGS.grant, Value: request.grantId.slice(0, 256) },
      { Key: COPY_TAGS.expires, Value: request.expiresAt },
    ],
  );
  return { outcome, size };
}

/** The permission boundary IAM reports on the principal (undefined: it has none). A missing principal throws PrincipalNotFound. */
export async function readPermissionsBoundary(target: Target, principal: Principal): Promise<string | undefined> {
  const extra = principalContext(principal);
  if (principal.type === 'user') {
    const user = await call<GetUserCommandOutput>(target, 'GetUser', extra, new GetUserCommand({ UserName: principal.name }));
    return user.User?.PermissionsBoundary?.PermissionsBoundaryArn;
  }
  const role = await call<GetRoleCommandOutput>(target, 'GetRole', extra, new GetRoleCommand({ RoleName: principal.name }));
  return role.Role?.PermissionsBoundary?.PermissionsBoundaryArn;
}

export type PolicyRemoval = 'deleted' | 'absent' | 'in-use' | 'not-owned';

/** Deletes a team's customer-managed policy no grant uses any more; one still attached anywhere stays. Another team's is never touched. */
export async function deletePolicyIfUnused(target: Target, arn: string, team: string): Promise<PolicyRemoval> {
  const extra = { policyArn: arn };
  const existing = await callOrAbsent<GetPolicyCommandOutput>(target, 'GetPolicy', extra, new GetPolicyCommand({ PolicyArn: arn }));
  if (!existing?.Policy) return 'absent';
  const tags = existing.Policy.Tags ?? [];
  if (!isOwned(tags) || !existing.Policy.Path?.startsWith(POLICY_PATH)) return 'not-owned';
  if (teamOf(tags) !== team) throw otherTeamsPolicy(target, arn, teamOf(tags), team);
  // AttachmentCount lags behind a detach (IAM is eventually consistent, and a retried attach can
  // count twice): a count above zero is checked against the entities IAM lists for the policy.
  if ((existing.Policy.AttachmentCount ?? 0) > 0 && (await listedAsAttached(target, arn))) return 'in-use';
  for (const version of await listVersions(target, arn)) {
    if (version.isDefault) continue;
    await callOrAbsent(target, 'DeletePolicyVersion', extra, new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: version.id }));
  }
  try {
    const deleted = await callOrAbsent(target, 'DeletePolicy', extra, new DeletePolicyCommand({ PolicyArn: arn }));
    return deleted ? 'deleted' : 'absent';
  } catch (error) {
    // IAM refuses to delete a policy something is attached to: it is tried again later.
    if (error instanceof GrantflowAwsError && /^DeleteConflict/.test(error.awsCode ?? '')) return 'in-use';
    throw error;
  }
}

/** Whether IAM lists any user, role or group the policy is attached to. */
async function listedAsAttached(target: Target, arn: string): Promise<boolean> {
  const listed = await callOrAbsent<ListEntitiesForPolicyCommandOutput>(
    target,
    'ListEntitiesForPolicy',
    { policyArn: arn },
    new ListEntitiesForPolicyCommand({ PolicyArn: arn }),
  );
  return Boolean(listed?.PolicyUsers?.length || listed?.PolicyRoles?.length || listed?.PolicyGroups?.length);
}

export interface OwnedPolicy {
  arn: string;
  name: string;
  /** Named by an earlier release's `T-P` scheme: replaced by `grantflow.T.P` on upgrade. */
  legacy: boolean;
}

/**
 * Team T's customer-managed policies in the account: everything under /grantflow/T/, and (with
 * `legacy`) the earlier `T-P` policies directly under /grantflow/ that carry T's team tag.
 */
export async function listTeamPolicies(target: Target, team: string, options: { legacy: boolean }): Promise<OwnedPolicy[]> {
  const list = async (prefix: string) =>
    (await allPages(target, 'ListPolicies', {}, paginateListPolicies({ client: target.client }, { Scope: 'Local', PathPrefix: prefix }))).flatMap(
      (page) => page.Policies ?? [],
    );
  const owned: OwnedPolicy[] = (await list(teamPolicyPath(team))).map((p) => ({ arn: p.Arn!, name: p.PolicyName!, legacy: false }));
  if (options.legacy) {
    for (const p of await list(POLICY_PATH)) {
      if (p.Path !== POLICY_PATH || !p.PolicyName?.startsWith(`${team}-`)) continue;
      const full = await callOrAbsent<GetPolicyCommandOutput>(target, 'GetPolicy', { policyArn: p.Arn! }, new GetPolicyCommand({ PolicyArn: p.Arn! }));
      if (full?.Policy && isOwned(full.Policy.Tags) && teamOf(full.Policy.Tags) === team) owned.push({ arn: p.Arn!, name: p.PolicyName, legacy: true });
    }
  }
  return owned;
}

// ---------------------------------------------------------------------------------------------
// Principals: attachments and ownership marks

export interface PrincipalAttachments {
  /** ARNs attached to the principal now. */
  attached: Set<string>;
  /** ARNs grantflow marked as its own, by their tag key. */
  marked: Map<string, string>;
}

async function listAttached(target: Target, principal: Principal): Promise<Set<string>> {
  const extra = principalContext(principal);
  const pages =
    principal.type === 'user'
      ? await allPages(target, 'ListAttachedUserPolicies', extra, paginateListAttachedUserPolicies({ client: target.client }, { UserName: principal.name }))
      : await allPages(target, 'ListAttachedRolePolicies', extra, paginateListAttachedRolePolicies({ client: target.client }, { RoleName: principal.name }));
  return new Set(pages.flatMap((page) => (page.AttachedPolicies ?? []).map((p) => p.PolicyArn!).filter(Boolean)));
}

async function listTags(target: Target, principal: Principal): Promise<Tag[]> {
  const extra = principalContext(principal);
  const pages =
    principal.type === 'user'
      ? await allPages(target, 'ListUserTags', extra, paginateListUserTags({ client: target.client }, { UserName: principal.name }))
      : await allPages(target, 'ListRoleTags', extra, paginateListRoleTags({ client: target.client }, { RoleName: principal.name }));
  return pages.flatMap((page) => page.Tags ?? []);
}

interface MarkKeys {
  keys: Set<string>;
  byValue: Map<string, string>;
}

function markKeysOf(tags: readonly Tag[]): MarkKeys {
  const keys = new Set<string>();
  const byValue = new Map<string, string>();
  for (const tag of tags) {
    if (!tag.Key?.startsWith(ATTACHMENT_TAG_PREFIX) || !tag.Value) continue;
    keys.add(tag.Key);
    // A tag value holds 256 characters: a longer ARN is cut short there, and found by its key instead.
    if (tag.Value.length < TAG_VALUE_MAX) byValue.set(tag.Value, tag.Key);
  }
  return { keys, byValue };
}

async function listMarkKeys(target: Target, principal: Principal): Promise<MarkKeys> {
  return markKeysOf(await listTags(target, principal));
}

/** An apply's reads of its principal: shared with the account's other waiting applies when that costs fewer calls (principal-reads.ts). */
async function readForApply(target: Target, principal: Principal, need: PrincipalNeed): Promise<PrincipalState> {
  return readPrincipal(target.client, { ...principal, needs: [need] }, async () =>
    need === 'attached' ? { attached: await listAttached(target, principal) } : { tags: await listTags(target, principal) },
  );
}

export async function readAttachments(target: Target, principal: Principal): Promise<PrincipalAttachments> {
  const attached = await listAttached(target, principal);
  const { keys, byValue } = await listMarkKeys(target, principal);
  const marked = new Map(byValue);
  for (const arn of attached) if (keys.has(markerKey(arn))) marked.set(arn, markerKey(arn));
  return { attached, marked };
}

const markTag = (arn: string): Tag => ({ Key: markerKey(arn), Value: arn.slice(0, TAG_VALUE_MAX) });

async function tag(target: Target, principal: Principal, tags: Tag[]): Promise<void> {
  const extra = principalContext(principal);
  for (let i = 0; i < tags.length; i += 50) {
    const batch = tags.slice(i, i + 50);
    if (principal.type === 'user') await call(target, 'TagUser', extra, new TagUserCommand({ UserName: principal.name, Tags: batch }));
    else await call(target, 'TagRole', extra, new TagRoleCommand({ RoleName: principal.name, Tags: batch }));
  }
}

async function untag(target: Target, principal: Principal, keys: string[]): Promise<void> {
  const extra = principalContext(principal);
  for (let i = 0; i < keys.length; i += 50) {
    const batch = keys.slice(i, i + 50);
    if (principal.type === 'user') await callOrAbsent(target, 'UntagUser', extra, new UntagUserCommand({ UserName: principal.name, TagKeys: batch }));
    else await callOrAbsent(target, 'UntagRole', extra, new UntagRoleCommand({ RoleName: principal.name, TagKeys: batch }));
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

/**
 * Attaches each ARN that is not attached yet, marking it as grantflow's first (so a crash in between
 * is safe), then reads the marks back and restores any that a concurrent release removed meanwhile.
 *
 * Calls, at AWS's pace, are what a burst waits for: a new grant sends one read of the attachments,
 * the mark, the attaches and the read-back of the marks (which also tells which ARNs already
 * attached are grantflow's); the marks are read before writing only when nothing is missing, the
 * run that must write nothing. A mark left by a run that crashed before its attach is written again
 * (the same key and value): a repeated write only after a crash, one read fewer on every grant.
 * In a burst, both reads are shared with the account's other applies (principal-reads.ts).
 */
export async function attachManaged(target: Target, principal: Principal, arns: readonly string[], progress?: { claimed: string[] }): Promise<AttachOutcome> {
  const outcome: AttachOutcome = { attached: [], kept: [], foreign: [] };
  if (arns.length === 0) return outcome;
  const { attached = new Set<string>() } = await readForApply(target, principal, 'attached');
  const already = arns.filter((arn) => attached.has(arn));
  const missing = arns.filter((arn) => !attached.has(arn));
  const marksNow = async () => markKeysOf((await readForApply(target, principal, 'tags')).tags ?? []);
  const classify = (marks: MarkKeys) => {
    for (const arn of already) (marks.keys.has(markerKey(arn)) || marks.byValue.has(arn) ? outcome.kept : outcome.foreign).push(arn);
  };
  if (missing.length === 0) {
    classify(await marksNow());
    return outcome;
  }
  await tag(target, principal, missing.map(markTag));
  // Absent a moment ago and marked now for this attach: the caller's to claim, even if what follows fails.
  progress?.claimed.push(...missing);
  for (const arn of missing) {
    const extra = { ...principalContext(principal), policyArn: arn };
    // NoSuchEntity here means the policy is missing: the principal answered the list call above.
    if (principal.type === 'user') await call(target, 'AttachUserPolicy', extra, new AttachUserPolicyCommand({ UserName: principal.name, PolicyArn: arn }));
    else await call(target, 'AttachRolePolicy', extra, new AttachRolePolicyCommand({ RoleName: principal.name, PolicyArn: arn }));
    outcome.attached.push(arn);
  }
  const marks = await marksNow();
  classify(marks);
  const lost = missing.filter((arn) => !marks.keys.has(markerKey(arn)));
  if (lost.length > 0) await tag(target, principal, lost.map(markTag));
  return outcome;
}

export interface ReleaseOutcome {
  detached: string[];
  kept: { arn: string; reason: 'needed by another live grant' | 'attached before grantflow' | 'not attached by this grant' }[];
}

/**
 * Detaches the ARNs grantflow attached and no other live grant needs, then drops their marks, then
 * reads the attachments back: a mark whose policy was attached again meanwhile is put back.
 * A missing principal means there is nothing left to release.
 *
 * Whose attachment it is: with `owned` (the releasing grant's own record of what its applies
 * attached) the record decides, since a mark is only a tag that anyone allowed to tag the principal
 * (the principal itself, often) can write: an ARN the grant did not attach stays attached, marked or
 * not. Without a record (the sweep; a clean-up that knows a grant only from its memo) the mark decides.
 */
export async function releaseManaged(
  target: Target,
  principal: Principal,
  arns: readonly string[],
  stillNeeded: ReadonlySet<string>,
  /**
   * ARNs the releasing grant attached itself: released even if their mark went missing (IAM's reads
   * can lag its writes; a principal may untag itself), and, when given, the only ones released.
   */
  owned?: ReadonlySet<string>,
): Promise<ReleaseOutcome> {
  const outcome: ReleaseOutcome = { detached: [], kept: [] };
  if (arns.length === 0) return outcome;
  let state: PrincipalAttachments;
  try {
    state = await readAttachments(target, principal);
  } catch (error) {
    if (error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound') return outcome;
    throw error;
  }
  const unmark: { arn: string; key: string }[] = [];
  for (const arn of arns) {
    if (stillNeeded.has(arn)) {
      if (state.attached.has(arn) || state.marked.has(arn)) outcome.kept.push({ arn, reason: 'needed by another live grant' });
      continue;
    }
    const key = state.marked.get(arn);
    if (owned ? !owned.has(arn) : !key) {
      // Marked but not in the grant's record: a mark this grant cannot vouch for (one planted on an
      // attachment older than grantflow looks the same). It stays, mark and all, for the sweep to judge.
      if (state.attached.has(arn)) outcome.kept.push({ arn, reason: key ? 'not attached by this grant' : 'attached before grantflow' });
      continue;
    }
    if (state.attached.has(arn)) {
      const extra = { ...principalContext(principal), policyArn: arn };
      if (principal.type === 'user')
        await callOrAbsent(target, 'DetachUserPolicy', extra, new DetachUserPolicyCommand({ UserName: principal.name, PolicyArn: arn }));
      else await callOrAbsent(target, 'DetachRolePolicy', extra, new DetachRolePolicyCommand({ RoleName: principal.name, PolicyArn: arn }));
      outcome.detached.push(arn);
    }
    if (key) unmark.push({ arn, key });
  }
  if (unmark.length === 0) return outcome;
  await untag(
    target,
    principal,
    unmark.map((u) => u.key),
  );
  let now: Set<string>;
  try {
    now = await listAttached(target, principal);
  } catch (error) {
    if (error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound') return outcome;
    throw error;
  }
  const reattached = unmark.filter((u) => now.has(u.arn));
  if (reattached.length > 0)
    await tag(
      target,
      principal,
      reattached.map((u) => markTag(u.arn)),
    );
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Temporary inline policies (users only)

export async function putInlinePolicy(target: Target, user: string, name: string, document: string): Promise<'put' | 'unchanged'> {
  const extra = { principalType: 'user' as const, principal: user };
  const current = await callOrAbsent<GetUserPolicyCommandOutput>(
    target,
    'GetUserPolicy',
    extra,
    new GetUserPolicyCommand({ UserName: user, PolicyName: name }),
  );
  if (current?.PolicyDocument && sameDocument(decodeURIComponent(current.PolicyDocument), document)) return 'unchanged';
  await call(target, 'PutUserPolicy', extra, new PutUserPolicyCommand({ UserName: user, PolicyName: name, PolicyDocument: document }));
  return 'put';
}

export async function deleteInlinePolicy(target: Target, user: string, name: string): Promise<'deleted' | 'absent'> {
  if (!name.startsWith('grantflow.')) throw new Error(`refusing to delete inline policy ${name}: not grantflow's`);
  const extra = { principalType: 'user' as const, principal: user };
  const current = await callOrAbsent(target, 'GetUserPolicy', extra, new GetUserPolicyCommand({ UserName: user, PolicyName: name }));
  if (!current) return 'absent';
  const deleted = await callOrAbsent(target, 'DeleteUserPolicy', extra, new DeleteUserPolicyCommand({ UserName: user, PolicyName: name }));
  return deleted ? 'deleted' : 'absent';
}

/** The user's inline policy names; undefined when the user does not exist. */
export async function listInlinePolicies(target: Target, user: string): Promise<string[] | undefined> {
  const pages = await allPagesOrAbsent(
    target,
    'ListUserPolicies',
    { principalType: 'user', principal: user },
    paginateListUserPolicies({ client: target.client }, { UserName: user }),
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

// ---------------------------------------------------------------------------------------------
// Quotas

export interface AccountQuotas {
  attachedPerUser: number;
  attachedPerRole: number;
}

export async function readQuotas(target: Target): Promise<AccountQuotas> {
  const summary = await call<GetAccountSummaryCommandOutput>(target, 'GetAccountSummary', {}, new GetAccountSummaryCommand({}));
  const map = summary.SummaryMap ?? {};
  return { attachedPerUser: map.AttachedPoliciesPerUserQuota ?? 10, attachedPerRole: map.AttachedPoliciesPerRoleQuota ?? 10 };
}
