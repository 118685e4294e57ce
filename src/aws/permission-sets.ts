// Permission sets: grantflow's own (one per team and policy, `gf-…`, their owner written in their
// description), kept equal to what the YAML says, provisioned again to every account that holds them
// when they change, and deleted once nothing is assigned them; and existing ones, found by name to be
// assigned as they are. Names are found through one listing of the instance's permission sets, kept
// by the process (a permission set's ARN never changes; its name is read once), read again when a
// name is not in it.
import {
  AttachManagedPolicyToPermissionSetCommand,
  CreatePermissionSetCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DeletePermissionSetCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  UpdatePermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { sameDocument } from '../core/documents';
import type { PermissionSetSync } from '../core/grant';
import { OWNER_TAG, permissionSetOwner, TEAM_TAG_KEY } from '../core/names';
import { GrantflowAwsError } from './errors';
import type { IdentityCenterClients } from './identity-center-client';
import { allPages, ssoAdmin, ssoAdminOrAbsent, type IcTarget } from './identity-center-calls';
import { followStatus } from './request-status';

export interface PermissionSetInfo {
  arn: string;
  name: string;
  description?: string;
  sessionDuration?: string;
  /** The team and policy it belongs to, when it is one of grantflow's own. */
  owner?: { team: string; policy: string };
}

export class PermissionSetDirectory {
  private readonly byArn = new Map<string, PermissionSetInfo>();
  private listedAt = -Infinity;
  private listing: Promise<void> | undefined;

  constructor(
    private readonly clients: IdentityCenterClients,
    private readonly options: { maxAgeMs?: number; missRefreshMs?: number } = {},
  ) {}

  /**
   * The permission set of that name, if the instance has one. Identity Center keeps names unique;
   * should two share one (a create whose answer was lost, retried), the lowest ARN is the one every
   * worker picks, and the others are left to be deleted as unused.
   */
  async byName(name: string, target?: Omit<IcTarget, 'clients'>): Promise<PermissionSetInfo | undefined> {
    await this.read(target, this.options.maxAgeMs ?? 10 * 60_000);
    let found = this.named(name);
    if (!found && Date.now() - this.listedAt > (this.options.missRefreshMs ?? 10_000)) {
      await this.read(target, 0);
      found = this.named(name);
    }
    return found;
  }

  /** Every permission set of the instance, from a listing read now. */
  async all(target?: Omit<IcTarget, 'clients'>): Promise<PermissionSetInfo[]> {
    await this.read(target, 0);
    return [...this.byArn.values()].sort((a, b) => (a.arn < b.arn ? -1 : 1));
  }

  remember(info: PermissionSetInfo): void {
    this.byArn.set(info.arn, info);
  }

  forget(arn: string): void {
    this.byArn.delete(arn);
  }

  private named(name: string): PermissionSetInfo | undefined {
    return [...this.byArn.values()].filter((p) => p.name === name).sort((a, b) => (a.arn < b.arn ? -1 : 1))[0];
  }

  /** Lists the instance's permission sets unless a listing younger than `maxAgeMs` exists; describes those not known yet. */
  private async read(target: Omit<IcTarget, 'clients'> | undefined, maxAgeMs: number): Promise<void> {
    if (Date.now() - this.listedAt <= maxAgeMs && maxAgeMs > 0) return;
    this.listing ??= (async () => {
      const t: IcTarget = { ...target, clients: this.clients };
      const InstanceArn = this.clients.settings.instanceArn;
      const startedAt = Date.now();
      const arns = await allPages(async (NextToken) => {
        const page = await ssoAdmin(
          t,
          new ListPermissionSetsCommand({ InstanceArn, MaxResults: 100, ...(NextToken ? { NextToken } : {}) }),
          'the permission sets',
        );
        return { items: page.PermissionSets ?? [], next: page.NextToken };
      });
      const listed = new Set(arns);
      for (const arn of [...this.byArn.keys()]) if (!listed.has(arn)) this.byArn.delete(arn);
      for (const arn of arns) {
        if (this.byArn.has(arn)) continue;
        const described = await describe(t, arn);
        if (described) this.byArn.set(arn, described);
      }
      this.listedAt = startedAt;
    })().finally(() => {
      this.listing = undefined;
    });
    await this.listing;
  }
}

async function describe(target: IcTarget, arn: string): Promise<PermissionSetInfo | undefined> {
  const answer = await ssoAdminOrAbsent(
    target,
    new DescribePermissionSetCommand({ InstanceArn: target.clients.settings.instanceArn, PermissionSetArn: arn }),
    arn,
  );
  const set = answer?.PermissionSet;
  if (!set?.Name) return undefined;
  const owner = permissionSetOwner(set.Name, set.Description);
  return {
    arn,
    name: set.Name,
    ...(set.Description !== undefined ? { description: set.Description } : {}),
    ...(set.SessionDuration !== undefined ? { sessionDuration: set.SessionDuration } : {}),
    ...(owner ? { owner } : {}),
  };
}

export type PermissionSetOutcome = 'created' | 'updated' | 'unchanged';

/**
 * What `ensurePermissionSet` would do, read only (for `plan`): create it, update it, leave it; or
 * `not-owned` when a permission set of its name is not this team's and policy's.
 */
export async function plannedPermissionSet(
  target: IcTarget,
  directory: PermissionSetDirectory,
  sync: PermissionSetSync,
): Promise<'create' | 'update' | 'unchanged' | 'not-owned'> {
  const InstanceArn = target.clients.settings.instanceArn;
  const found = await directory.byName(sync.name, target);
  if (!found) return 'create';
  if (found.owner?.team !== sync.team || found.owner.policy !== sync.policy) return 'not-owned';
  if (found.description !== sync.description || found.sessionDuration !== target.clients.settings.sessionDuration) return 'update';
  const inline =
    (await ssoAdmin(target, new GetInlinePolicyForPermissionSetCommand({ InstanceArn, PermissionSetArn: found.arn }), found.name)).InlinePolicy ?? '';
  if ((inline === '') !== !sync.inlinePolicy || (sync.inlinePolicy && !sameDocument(inline, sync.inlinePolicy))) return 'update';
  const attached = (
    await ssoAdmin(target, new ListManagedPoliciesInPermissionSetCommand({ InstanceArn, PermissionSetArn: found.arn, MaxResults: 100 }), found.name)
  ).AttachedManagedPolicies?.map((p) => p.Arn ?? '');
  const same = (attached ?? []).length === sync.managedPolicyArns.length && sync.managedPolicyArns.every((arn) => attached?.includes(arn));
  return same ? 'unchanged' : 'update';
}

/**
 * Makes grantflow's permission set for a team's policy say what the YAML says: its description and
 * session duration, its managed policies, its statements as the inline policy. A change to one that
 * accounts already hold is provisioned to them, and followed until it is. A permission set of that
 * name that is not this team's and policy's is never touched.
 */
export async function ensurePermissionSet(
  target: IcTarget,
  directory: PermissionSetDirectory,
  sync: PermissionSetSync,
): Promise<{ arn: string; outcome: PermissionSetOutcome }> {
  const { instanceArn: InstanceArn, sessionDuration } = target.clients.settings;
  const about = `permission set ${sync.name}`;
  const found = await directory.byName(sync.name, target);
  if (!found) {
    const created = await ssoAdmin(
      target,
      new CreatePermissionSetCommand({
        InstanceArn,
        Name: sync.name,
        Description: sync.description,
        SessionDuration: sessionDuration,
        Tags: [
          { Key: OWNER_TAG.key, Value: OWNER_TAG.value },
          { Key: TEAM_TAG_KEY, Value: sync.team },
        ],
      }),
      about,
    );
    const arn = created.PermissionSet?.PermissionSetArn;
    if (!arn) throw new GrantflowAwsError('Unexpected', `IAM Identity Center created ${about} without answering its ARN`, true);
    directory.remember({ arn, name: sync.name, description: sync.description, sessionDuration, owner: { team: sync.team, policy: sync.policy } });
    await syncContent(target, arn, sync);
    return { arn, outcome: 'created' };
  }
  const current = await describe(target, found.arn);
  if (!current) {
    directory.forget(found.arn);
    throw new GrantflowAwsError('PermissionSetNotFound', `${about} went away while it was being updated; it is made again`, true);
  }
  if (current.owner?.team !== sync.team || current.owner.policy !== sync.policy) {
    throw new GrantflowAwsError(
      'NotOwnedByGrantflow',
      `${about} (${found.arn}) exists but is not team ${sync.team}'s permission set for policy ${sync.policy} (its description says ${JSON.stringify(current.description ?? '')}); ` +
        'grantflow never changes it. Delete or rename it in IAM Identity Center',
      false,
    );
  }
  let changed = false;
  if (current.description !== sync.description || current.sessionDuration !== sessionDuration) {
    await ssoAdmin(
      target,
      new UpdatePermissionSetCommand({ InstanceArn, PermissionSetArn: found.arn, Description: sync.description, SessionDuration: sessionDuration }),
      about,
    );
    directory.remember({ ...current, description: sync.description, sessionDuration });
    changed = true;
  }
  changed = (await syncContent(target, found.arn, sync)) || changed;
  if (changed) await provisionPermissionSet(target, found.arn, about);
  return { arn: found.arn, outcome: changed ? 'updated' : 'unchanged' };
}

/** The inline policy and managed policies; true when something changed. */
async function syncContent(target: IcTarget, arn: string, sync: PermissionSetSync): Promise<boolean> {
  const InstanceArn = target.clients.settings.instanceArn;
  const about = `permission set ${sync.name}`;
  let changed = false;
  const inline = (await ssoAdmin(target, new GetInlinePolicyForPermissionSetCommand({ InstanceArn, PermissionSetArn: arn }), about)).InlinePolicy ?? '';
  if (sync.inlinePolicy && (inline === '' || !sameDocument(inline, sync.inlinePolicy))) {
    await ssoAdmin(target, new PutInlinePolicyToPermissionSetCommand({ InstanceArn, PermissionSetArn: arn, InlinePolicy: sync.inlinePolicy }), about);
    changed = true;
  } else if (!sync.inlinePolicy && inline !== '') {
    await ssoAdmin(target, new DeleteInlinePolicyFromPermissionSetCommand({ InstanceArn, PermissionSetArn: arn }), about);
    changed = true;
  }
  const attached = await allPages(async (NextToken) => {
    const page = await ssoAdmin(
      target,
      new ListManagedPoliciesInPermissionSetCommand({ InstanceArn, PermissionSetArn: arn, MaxResults: 100, ...(NextToken ? { NextToken } : {}) }),
      about,
    );
    return { items: (page.AttachedManagedPolicies ?? []).flatMap((p) => (p.Arn ? [p.Arn] : [])), next: page.NextToken };
  });
  for (const policy of sync.managedPolicyArns.filter((p) => !attached.includes(p))) {
    const done = await ssoAdminOrAbsent(
      target,
      new AttachManagedPolicyToPermissionSetCommand({ InstanceArn, PermissionSetArn: arn, ManagedPolicyArn: policy }),
      `${about}, ${policy}`,
    );
    // Identity Center knows no such AWS managed policy: a misspelt ARN, which no retry mends.
    if (!done) throw new GrantflowAwsError('PolicyNotFound', `${about}: AWS managed policy ${policy} does not exist; fix it in aws-policies`, false);
    changed = true;
  }
  for (const policy of attached.filter((p) => !sync.managedPolicyArns.includes(p))) {
    await ssoAdmin(
      target,
      new DetachManagedPolicyFromPermissionSetCommand({ InstanceArn, PermissionSetArn: arn, ManagedPolicyArn: policy }),
      `${about}, ${policy}`,
    );
    changed = true;
  }
  return changed;
}

/** Provisions a changed permission set to every account that holds it, and follows the request until it is done. */
export async function provisionPermissionSet(target: IcTarget, arn: string, about: string): Promise<void> {
  const InstanceArn = target.clients.settings.instanceArn;
  const answer = await ssoAdmin(
    target,
    new ProvisionPermissionSetCommand({ InstanceArn, PermissionSetArn: arn, TargetType: 'ALL_PROVISIONED_ACCOUNTS' }),
    about,
  );
  const done = await followStatus(
    answer.PermissionSetProvisioningStatus,
    async (requestId) =>
      (
        await ssoAdmin(
          target,
          new DescribePermissionSetProvisioningStatusCommand({ InstanceArn, ProvisionPermissionSetRequestId: requestId }),
          `provisioning of ${about}`,
        )
      ).PermissionSetProvisioningStatus,
    { what: `provisioning ${about} to its accounts`, ...(target.signal ? { signal: target.signal } : {}) },
  );
  if (done.Status === 'FAILED') {
    throw new GrantflowAwsError(
      'IdentityCenterUnavailable',
      `IAM Identity Center could not provision ${about} to its accounts: ${done.FailureReason ?? 'no reason given'}; it is tried again`,
      true,
    );
  }
}

/**
 * Deletes one of grantflow's permission sets once no account has it assigned to anyone: the accounts
 * Identity Center says it is provisioned to, and `accounts` (the team's), are each looked at first.
 */
export async function deletePermissionSetIfUnused(
  target: IcTarget,
  directory: PermissionSetDirectory,
  info: PermissionSetInfo,
  accounts: readonly string[],
): Promise<'deleted' | 'absent' | 'in-use'> {
  const InstanceArn = target.clients.settings.instanceArn;
  const about = `permission set ${info.name}`;
  const provisioned = await allPages(async (NextToken) => {
    const page = await ssoAdminOrAbsent(
      target,
      new ListAccountsForProvisionedPermissionSetCommand({ InstanceArn, PermissionSetArn: info.arn, ...(NextToken ? { NextToken } : {}) }),
      about,
    );
    return { items: page?.AccountIds ?? [], next: page?.NextToken };
  });
  for (const account of [...new Set([...provisioned, ...accounts])].sort()) {
    const page = await ssoAdminOrAbsent(
      target,
      new ListAccountAssignmentsCommand({ InstanceArn, AccountId: account, PermissionSetArn: info.arn, MaxResults: 1 }),
      about,
    );
    if ((page?.AccountAssignments ?? []).length > 0) return 'in-use';
  }
  const deleted = await ssoAdminOrAbsent(target, new DeletePermissionSetCommand({ InstanceArn, PermissionSetArn: info.arn }), about);
  directory.forget(info.arn);
  return deleted ? 'deleted' : 'absent';
}
