// The teams' customer-managed policies (`grantflow.T.P` under /grantflow/T/), idempotent: run twice,
// or re-run after a crash at any point, each procedure ends in the same IAM state and sends no write
// that is not needed.
//
// Ownership: a customer-managed policy is grantflow's when it sits under /grantflow/ and carries the
// tag managed-by=grantflow, and team T's when it also carries grantflow:team=T (grantflow never edits
// or deletes another team's).
import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  EntityAlreadyExistsException,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListEntitiesForPolicyCommand,
  paginateListPolicies,
  paginateListPolicyVersions,
  type Tag,
} from '@aws-sdk/client-iam';
import { LIMITS, sameDocument } from '../core/documents';
import type { PolicySync } from '../core/grant';
import { OWNER_TAG, POLICY_PATH, TEAM_TAG_KEY, teamPolicyPath } from '../core/names';
import { classifyAwsError, GrantflowAwsError } from './errors';
import { allPages, call, callContext, callOrAbsent, listing, request, sendUnclassified, type Target } from './iam-calls';

export type PolicyOutcome = 'created' | 'updated' | 'unchanged';

function isOwned(tags: readonly Tag[] | undefined): boolean {
  return (tags ?? []).some((t) => t.Key === OWNER_TAG.key && t.Value === OWNER_TAG.value);
}

function teamOf(tags: readonly Tag[] | undefined): string | undefined {
  return (tags ?? []).find((t) => t.Key === TEAM_TAG_KEY)?.Value;
}

const getPolicy = (arn: string) => request('GetPolicy', new GetPolicyCommand({ PolicyArn: arn }));

/** The document of one version of the policy, as IAM returns it (URL-decoded). */
async function readVersion(target: Target, arn: string, versionId: string): Promise<string> {
  const version = await call(target, request('GetPolicyVersion', new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId })), { policyArn: arn });
  return decodeURIComponent(version.PolicyVersion?.Document ?? '');
}

async function listVersions(target: Target, arn: string) {
  const pages = await allPages(
    target,
    listing('ListPolicyVersions', (paging) => paginateListPolicyVersions(paging, { PolicyArn: arn })),
    { policyArn: arn },
  );
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

/** The policy as IAM has it, created first when it does not exist yet (undefined: created now). */
async function createUnlessExists(target: Target, sync: PolicySync, extraTags: readonly Tag[]) {
  const extra = { policyArn: sync.arn };
  const existing = await callOrAbsent(target, getPolicy(sync.arn), extra);
  if (existing) return existing;
  try {
    await sendUnclassified(
      target,
      request(
        'CreatePolicy',
        new CreatePolicyCommand({
          PolicyName: sync.name,
          Path: teamPolicyPath(sync.team),
          PolicyDocument: sync.document,
          Description: sync.description.slice(0, 1000),
          Tags: [{ Key: OWNER_TAG.key, Value: OWNER_TAG.value }, { Key: TEAM_TAG_KEY, Value: sync.team }, ...extraTags],
        }),
      ),
    );
    return undefined;
  } catch (error) {
    if (!(error instanceof EntityAlreadyExistsException)) {
      throw classifyAwsError(error, callContext(target, 'CreatePolicy', extra));
    }
  }
  // Another worker created it a moment ago (or a policy of that name exists elsewhere): compare with what is there.
  const created = await callOrAbsent(target, getPolicy(sync.arn), extra);
  if (!created) {
    throw new GrantflowAwsError(
      'NotOwnedByGrantflow',
      `a policy named ${sync.name} already exists in account ${target.account} under another path or spelling, so ${sync.arn} cannot be created; ` +
        'IAM policy names are unique per account regardless of path and case. Rename the policy in YAML, or delete the other one',
      false,
    );
  }
  return created;
}

/** Creates `grantflow.T.P`, or adds a default version when its normalised document differs (oldest non-default dropped at 5). */
export async function ensureManagedPolicy(target: Target, sync: PolicySync, extraTags: readonly Tag[] = []): Promise<PolicyOutcome> {
  const extra = { policyArn: sync.arn };
  const existing = await createUnlessExists(target, sync, extraTags);
  if (!existing) return 'created';
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
  if (sameDocument(await readVersion(target, sync.arn, policy.DefaultVersionId!), sync.document)) return 'unchanged';

  const versions = await listVersions(target, sync.arn);
  if (versions.length >= LIMITS.policyVersions) {
    const oldest = versions.filter((v) => !v.isDefault).sort((a, b) => a.created - b.created || a.id.localeCompare(b.id))[0];
    if (oldest)
      await callOrAbsent(target, request('DeletePolicyVersion', new DeletePolicyVersionCommand({ PolicyArn: sync.arn, VersionId: oldest.id })), extra);
  }
  await call(
    target,
    request('CreatePolicyVersion', new CreatePolicyVersionCommand({ PolicyArn: sync.arn, PolicyDocument: sync.document, SetAsDefault: true })),
    extra,
  );
  return 'updated';
}

/** The default version's document of a customer-managed policy (for `plan`), or undefined when the policy does not exist. */
export async function readPolicyDocument(target: Target, arn: string): Promise<string | undefined> {
  const existing = await callOrAbsent(target, getPolicy(arn), { policyArn: arn });
  const version = existing?.Policy?.DefaultVersionId;
  if (!version) return undefined;
  return readVersion(target, arn, version);
}

/** The managed policy's default version in the account, as IAM returns it (URL-decoded). */
export async function readDefaultDocument(target: Target, arn: string): Promise<string> {
  const policy = await call(target, getPolicy(arn), { policyArn: arn });
  return readVersion(target, arn, policy.Policy!.DefaultVersionId!);
}

export type PolicyRemoval = 'deleted' | 'absent' | 'in-use' | 'not-owned';

/** Deletes a team's customer-managed policy no grant uses any more; one still attached anywhere stays. Another team's is never touched. */
export async function deletePolicyIfUnused(target: Target, arn: string, team: string): Promise<PolicyRemoval> {
  const extra = { policyArn: arn };
  const existing = await callOrAbsent(target, getPolicy(arn), extra);
  if (!existing?.Policy) return 'absent';
  const tags = existing.Policy.Tags ?? [];
  if (!isOwned(tags) || !existing.Policy.Path?.startsWith(POLICY_PATH)) return 'not-owned';
  if (teamOf(tags) !== team) throw otherTeamsPolicy(target, arn, teamOf(tags), team);
  // AttachmentCount lags behind a detach (IAM is eventually consistent, and a retried attach can
  // count twice): a count above zero is checked against the entities IAM lists for the policy.
  if ((existing.Policy.AttachmentCount ?? 0) > 0 && (await listedAsAttached(target, arn))) return 'in-use';
  for (const version of await listVersions(target, arn)) {
    if (version.isDefault) continue;
    await callOrAbsent(target, request('DeletePolicyVersion', new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: version.id })), extra);
  }
  try {
    const deleted = await callOrAbsent(target, request('DeletePolicy', new DeletePolicyCommand({ PolicyArn: arn })), extra);
    return deleted ? 'deleted' : 'absent';
  } catch (error) {
    // IAM refuses to delete a policy something is attached to: it is tried again later.
    if (error instanceof GrantflowAwsError && /^DeleteConflict/.test(error.awsCode ?? '')) return 'in-use';
    throw error;
  }
}

/** Whether IAM lists any user, role or group the policy is attached to. */
async function listedAsAttached(target: Target, arn: string): Promise<boolean> {
  const listed = await callOrAbsent(target, request('ListEntitiesForPolicy', new ListEntitiesForPolicyCommand({ PolicyArn: arn })), { policyArn: arn });
  return Boolean(listed?.PolicyUsers?.length || listed?.PolicyRoles?.length || listed?.PolicyGroups?.length);
}

export interface OwnedPolicy {
  arn: string;
  name: string;
}

/** Team T's customer-managed policies in the account: everything under /grantflow/T/, and only that. */
export async function listTeamPolicies(target: Target, team: string): Promise<OwnedPolicy[]> {
  const pages = await allPages(
    target,
    listing('ListPolicies', (paging) => paginateListPolicies(paging, { Scope: 'Local', PathPrefix: teamPolicyPath(team) })),
  );
  return pages.flatMap((page) => page.Policies ?? []).map((p) => ({ arn: p.Arn!, name: p.PolicyName! }));
}
