// The activities the workflows call: thin, idempotent wrappers over the IAM procedures in src/aws/
// and the Temporal client, turning errors into Temporal failures that say whether to retry.
import { Context, ApplicationFailure } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { GrantSpec, PolicySync } from '../src/core/grant';
import type { RevokeTarget } from '../src/core/grant-derived';
import type { Revision } from '../src/core/revision';
import { grantStartOptions } from '../src/temporal/grant-start';
import { latestTeamGrantRuns, teamGrantsQuery } from '../src/temporal/team-grants';
import { GrantState } from '../workflows/search-attributes';
import type { AccountClients, AccountRef } from '../src/aws/accounts';
import { GrantflowAwsError } from '../src/aws/errors';
import { sweepAccount, type SweepFinding, type SweepInput } from '../src/aws/sweep';
import type { HolderDirectory } from '../src/temporal/holders';
import {
  attachManaged,
  deleteInlinePolicy,
  deletePolicyIfUnused,
  ensureManagedPolicy,
  putInlinePolicy,
  releaseManaged,
  type AttachOutcome,
  type PolicyOutcome,
  type PolicyRemoval,
  type Principal,
  type ReleaseOutcome,
  type Target,
} from '../src/aws/iam';

export type { SweepFinding, SweepInput };

export interface ActivityDeps {
  accounts: AccountClients;
  holders: HolderDirectory;
  /** For the reconcile workflow's activities that start and signal grant workflows. */
  temporal?: Client;
}

/** An AWS error crosses into Temporal as a failure whose type the retry policy understands. */
function toFailure(error: unknown): unknown {
  if (error instanceof GrantflowAwsError) {
    return ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: !error.retryable, details: [error.awsCode] });
  }
  return error;
}

async function translated<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toFailure(error);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, heartbeating as it goes. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
      heartbeat(next);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function heartbeat(progress: unknown): void {
  try {
    Context.current().heartbeat(progress);
  } catch {
    // called outside an activity (tests call these functions directly)
  }
}

export interface ApplyResult extends AttachOutcome {
  inline?: 'put' | 'unchanged';
}

export interface RevokeResult extends ReleaseOutcome {
  inline?: 'deleted' | 'absent';
}

export interface StartResult {
  started: string[];
  /** Ids whose earlier run was revoked early by an operator: not started again. */
  sticky: string[];
}

export interface TeamGrantExecution {
  id: string;
  status: string;
  state?: string;
  startTime: string;
  closeTime?: string;
}

export function createActivities(deps: ActivityDeps) {
  const target = (ref: AccountRef): Target => ({ client: deps.accounts.iam(ref), account: ref.account, environment: ref.environment });
  const refOf = (spec: Pick<GrantSpec, 'account' | 'environment' | 'deployer'>): AccountRef => ({
    account: spec.account,
    environment: spec.environment,
    deployer: spec.deployer,
  });
  const temporal = (): Client => {
    if (!deps.temporal) throw ApplicationFailure.nonRetryable('this worker has no Temporal client for grant management');
    return deps.temporal;
  };

  return {
    /** Puts the grant in place: its inline policy (temporary) and its managed-policy attachments. */
    async applyGrant(spec: GrantSpec): Promise<ApplyResult> {
      return translated(async () => {
        const t = target(refOf(spec));
        const principal: Principal = { type: spec.principalType, name: spec.principal };
        const inline = spec.inlinePolicy ? await putInlinePolicy(t, spec.principal, spec.inlinePolicy.name, spec.inlinePolicy.document) : undefined;
        const attach = await attachManaged(t, principal, [...(spec.customPolicyArn ? [spec.customPolicyArn] : []), ...spec.managedPolicyArns]);
        return { ...attach, ...(inline ? { inline } : {}) };
      });
    },

    /** Takes the grant away, leaving what was there before grantflow and what other live grants need. */
    async revokeGrant(grant: RevokeTarget): Promise<RevokeResult> {
      return translated(async () => {
        const t = target(refOf(grant));
        let inline: RevokeResult['inline'];
        if (grant.inlinePolicyName) {
          try {
            inline = await deleteInlinePolicy(t, grant.principal, grant.inlinePolicyName);
          } catch (error) {
            if (!(error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound')) throw error;
            inline = 'absent';
          }
        }
        const stillNeeded = grant.arns.length
          ? await deps.holders.neededArns({ account: grant.account, principalType: grant.principalType, principal: grant.principal, excludeId: grant.id })
          : new Set<string>();
        const release = await releaseManaged(t, { type: grant.principalType, name: grant.principal }, grant.arns, stillNeeded);
        return { ...release, ...(inline ? { inline } : {}) };
      });
    },

    /** Creates or updates the team's customer-managed policies in one account. */
    async syncPolicies(input: { ref: AccountRef; policies: PolicySync[] }): Promise<Record<string, PolicyOutcome>> {
      return translated(async () => {
        const t = target(input.ref);
        const outcomes: Record<string, PolicyOutcome> = {};
        for (const policy of input.policies) {
          outcomes[policy.arn] = await ensureManagedPolicy(t, policy);
          heartbeat(policy.arn);
        }
        return outcomes;
      });
    },

    async deleteUnusedPolicies(input: { ref: AccountRef; team: string; arns: string[] }): Promise<Record<string, PolicyRemoval>> {
      return translated(async () => {
        const t = target(input.ref);
        const outcomes: Record<string, PolicyRemoval> = {};
        for (const arn of input.arns) {
          outcomes[arn] = await deletePolicyIfUnused(t, arn, input.team);
          heartbeat(arn);
        }
        return outcomes;
      });
    },

    /** Starts grant workflows (an id already running is left as it is). */
    async startGrants(input: {
      grants: GrantSpec[];
      taskQueue: string;
      reconcileWorkflowId: string;
      revision?: Revision;
      /** Ids to check for an earlier run that an operator revoked early. */
      checkSticky: string[];
      /** Ids that replace another grant: they report `active` to the reconcile workflow. */
      notifyActive?: string[];
    }): Promise<StartResult> {
      const client = temporal();
      const result: StartResult = { started: [], sticky: [] };
      // One visibility query finds the ids that ran before; only those closed runs are described.
      const check = new Set(input.checkSticky);
      const closedBefore = new Set<string>();
      if (check.size > 0) {
        const team = input.grants[0]!.team;
        for await (const execution of client.workflow.list({ query: teamGrantsQuery(team, `ExecutionStatus != 'Running'`) })) {
          if (check.has(execution.workflowId)) closedBefore.add(execution.workflowId);
          heartbeat('listing earlier runs');
        }
      }
      const notify = new Set(input.notifyActive ?? []);
      await eachLimited(input.grants, 16, async (spec) => {
        if (closedBefore.has(spec.id)) {
          const description = await client.workflow.getHandle(spec.id).describe();
          if (description.status.name !== 'RUNNING' && (description.memo as { revokedEarly?: boolean } | undefined)?.revokedEarly) {
            result.sticky.push(spec.id);
            return;
          }
        }
        await client.workflow.start('grantWorkflow', grantStartOptions(spec, { ...input, notifyActive: notify.has(spec.id) }));
        result.started.push(spec.id);
      });
      return result;
    },

    /** Sends `reapply` (with the new spec where one is given) or `revoke` to grant workflows; ids no longer running are reported, not failed. */
    async signalGrants(input: { ids: string[]; signal: 'reapply' | 'revoke'; request?: unknown; specs?: GrantSpec[] }): Promise<{ signalled: string[]; notRunning: string[] }> {
      const client = temporal();
      const result = { signalled: [] as string[], notRunning: [] as string[] };
      const specs = new Map((input.specs ?? []).map((spec) => [spec.id, spec]));
      await eachLimited(input.ids, 32, async (id) => {
        try {
          const handle = client.workflow.getHandle(id);
          const spec = specs.get(id);
          if (input.signal === 'revoke') await handle.signal('revoke', input.request);
          else if (spec) await handle.signal('reapply', { spec });
          else await handle.signal('reapply');
          result.signalled.push(id);
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) result.notRunning.push(id);
          else throw error;
        }
      });
      return result;
    },

    /** The latest run of every grant workflow of the team, from visibility. */
    async listTeamGrants(input: { team: string }): Promise<TeamGrantExecution[]> {
      const runs = await latestTeamGrantRuns(temporal(), input.team, () => heartbeat('listing grants'));
      return runs.map((run) => {
        const state = run.typedSearchAttributes.get(GrantState);
        return {
          id: run.workflowId,
          status: run.status.name,
          ...(state ? { state } : {}),
          startTime: run.startTime.toISOString(),
          ...(run.closeTime ? { closeTime: run.closeTime.toISOString() } : {}),
        };
      });
    },

    /**
     * Finds (and unless dryRun removes) what should not be in IAM: the team's inline policies past
     * expiry, beyond max_temporary_days or with no live grant, and grantflow-marked attachments
     * that no live grant holds.
     */
    async sweepPrincipals(input: SweepInput): Promise<SweepFinding[]> {
      return translated(() => sweepAccount(target(input.ref), deps.holders, input, heartbeat));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
