// One reconcile workflow per team keeps IAM equal to the team's YAML. It takes submissions one at a
// time (an older revision than the last applied is refused), syncs the customer-managed policies,
// starts missing grants, re-applies live ones (drift repair), replaces grants whose expiry changed
// (new one active before the old one goes), revokes grants no longer in the YAML, and remembers
// early revocations so that later submissions do not undo them. On an interval it repeats the
// re-apply and sweeps IAM for anything past expiry, beyond the limit, or left behind.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, SweepFinding } from '../activities';
import { classify } from '../src/core/diff';
import { compare, expandTeam } from '../src/core/expand';
import type { Deployer, GrantSpec, PolicySync } from '../src/core/grant';
import { deployerFor, grantShape, revokeTarget, type RevokeTarget } from '../src/core/grant-derived';
import { parseGrantWorkflowId } from '../src/core/ids';
import { describeRevision, isOlderRevision, type Revision } from '../src/core/revision';
import { describeExpiryProblem, entriesBeyondLimit } from '../src/core/rules/temporary';
import type { TeamConfig } from '../src/core/team-config';
import { DAY_MS } from '../src/core/time';
import { grantChangedSignal, type EndCause, type RevokeRequest } from './messages';
import type { GrantState } from './search-attributes';

const { syncPolicies, deleteUnusedPolicies, startGrants, signalGrants, listTeamGrants, sweepPrincipals, revokeGrant } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  // Long activities heartbeat per item; a worker that dies mid-activity is noticed within this.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

export interface Submission {
  config: TeamConfig;
  revision: Revision;
}

export interface PlanSummary {
  team: string;
  revision?: Revision;
  added: string[];
  kept: string[];
  replaced: { from: string; to: string }[];
  revoked: string[];
  skippedExpired: string[];
  sticky: string[];
  policies: Record<string, string>;
  errors: string[];
}

export interface RestoreRequest {
  grantId: string;
  by: string;
}

export interface RestoreResult {
  grantId: string;
  restored: boolean;
  started: boolean;
  message: string;
}

export interface SweepRequest {
  dryRun: boolean;
  by: string;
}

export interface SweepSummary {
  findings: SweepFinding[];
  terminated: string[];
  revoked: string[];
  dryRun: boolean;
  /** Accounts or grants the sweep could not check or clean this time; the next pass tries again. */
  errors: string[];
}

type RecordState = GrantState | 'starting';

interface PolicyPlace {
  account: string;
  environment: string;
  deployer: Deployer;
}

interface GrantRecord {
  state: RecordState;
  kind: GrantSpec['kind'];
  expiresAt?: string;
  target: RevokeTarget;
  /** grantShape of the spec the grant runs with: a kept grant whose shape changed is sent the new spec. */
  shape?: string;
  sticky?: boolean;
  cause?: EndCause | 'terminated';
}

export interface ReconcileStatus {
  team: string;
  revision?: Revision;
  lastPassAt?: string;
  grants: { id: string; state: RecordState; sticky: boolean; cause?: string; kind: string; expiresAt?: string }[];
}

interface Memory {
  config?: TeamConfig;
  revision?: Revision;
  records: Record<string, GrantRecord>;
  /** Ids whose stickiness was lifted (entry left the YAML, or `restore`), with when. */
  lifted: Record<string, number>;
  /** Customer-managed policies this team created, by ARN, with where they live. */
  policies: Record<string, { ref: PolicyPlace }>;
  lastPassAt?: string;
}

export interface ReconcileInput {
  team: string;
  memory?: Memory;
}

export const submitUpdate = defineUpdate<PlanSummary, [Submission]>('submit');
export const restoreUpdate = defineUpdate<RestoreResult, [RestoreRequest]>('restore');
export const sweepUpdate = defineUpdate<SweepSummary, [SweepRequest]>('sweep');
export const reconcileStatusQuery = defineQuery<ReconcileStatus>('status');

const LIVE: ReadonlySet<RecordState> = new Set<RecordState>(['starting', 'pending', 'active', 'revoking']);
const DEFAULT_INTERVAL_MS = 60 * 60 * 1000;
const REPLACEMENT_WAIT = '10 minutes';
const START_CHUNK = 100;
const HISTORY_LIMIT = 20_000;
/** Forget lifted stickiness after this long; by then the closed run it overrode is out of retention. */
const LIFTED_TTL_MS = 30 * DAY_MS;

const isLive = (record: GrantRecord | undefined): boolean => record !== undefined && LIVE.has(record.state);

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function reconcileWorkflow(input: ReconcileInput): Promise<void> {
  const { team } = input;
  const memory: Memory = input.memory ?? { records: {}, lifted: {}, policies: {} };
  const selfId = workflowInfo().workflowId;
  const taskQueue = workflowInfo().taskQueue;

  let intervalChanged = false;

  // Submissions, restores, sweeps and interval passes run one at a time, in arrival order.
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };

  setHandler(reconcileStatusQuery, () => ({
    team,
    ...(memory.revision ? { revision: memory.revision } : {}),
    ...(memory.lastPassAt ? { lastPassAt: memory.lastPassAt } : {}),
    grants: Object.entries(memory.records)
      .sort(([a], [b]) => compare(a, b))
      .map(([id, r]) => ({
        id,
        state: r.state,
        sticky: r.sticky === true,
        kind: r.kind,
        ...(r.cause ? { cause: r.cause } : {}),
        ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}),
      })),
  }));

  setHandler(grantChangedSignal, (change) => {
    const record = memory.records[change.id];
    if (!record) return;
    record.state = change.state;
    if (change.cause) record.cause = change.cause;
    if (change.state === 'revoked' && change.cause === 'early') record.sticky = true;
  });

  setHandler(submitUpdate, (submission) => serialized(() => applySubmission(submission)), {
    validator: (submission) => {
      // `grantflow submit` has validated the config completely; this only refuses what is not one.
      const config = submission?.config;
      const shaped =
        typeof config?.team === 'string' &&
        [config.permanent, config.temporary].every(Array.isArray) &&
        [config.accounts, config.policies, config.settings].every((part) => part !== null && typeof part === 'object') &&
        typeof submission.revision?.submittedAt === 'string';
      if (!shaped) throw new Error('the submission is not a team config with a revision; use `grantflow submit`');
      if (config.team !== team) throw new Error(`this reconcile workflow is for team ${team}, not ${config.team}`);
      refuseIfStale(submission);
    },
  });

  setHandler(restoreUpdate, (request) => serialized(() => restore(request)), {
    validator: (request) => {
      if (parseGrantWorkflowId(request?.grantId ?? '')?.team !== team) throw new Error(`${request?.grantId} is not a grant of team ${team}`);
    },
  });

  setHandler(sweepUpdate, (request) => serialized(() => sweep(request.dryRun)));

  /** The validator's checks, run again when the submission's turn comes (another may have landed first). */
  function refuseIfStale(submission: Submission): void {
    if (memory.revision && isOlderRevision(submission.revision, memory.revision)) {
      throw ApplicationFailure.nonRetryable(
        `revision ${describeRevision(submission.revision)} is older than the last applied revision ${describeRevision(memory.revision)}; refused`,
        'StaleRevision',
      );
    }
    const { settings, temporary } = submission.config;
    const beyond = entriesBeyondLimit(temporary, Date.now(), settings.maxTemporaryDays);
    if (beyond.length > 0) {
      const first = beyond[0]!;
      throw ApplicationFailure.nonRetryable(
        `${first.entry.source.file}:${first.entry.source.line}: ${describeExpiryProblem(first, settings.maxTemporaryDays)}` +
          (beyond.length > 1 ? ` (and ${beyond.length - 1} more)` : ''),
        'BeyondMaxTemporaryDays',
      );
    }
  }

  async function applySubmission(submission: Submission): Promise<PlanSummary> {
    refuseIfStale(submission);
    const summary = await reconcile(submission.config, submission.revision);
    if (memory.config?.settings.reconcileIntervalMs !== submission.config.settings.reconcileIntervalMs) intervalChanged = true;
    memory.config = submission.config;
    memory.revision = submission.revision;
    return summary;
  }

  async function reconcile(config: TeamConfig, revision: Revision | undefined): Promise<PlanSummary> {
    const now = Date.now();
    const expansion = expandTeam(config, now);
    const desired = new Map(expansion.grants.map((g) => [g.id, g]));
    const summary: PlanSummary = {
      team,
      ...(revision ? { revision } : {}),
      added: [],
      kept: [],
      replaced: [],
      revoked: [],
      skippedExpired: expansion.skipped.map((s) => s.id),
      sticky: [],
      policies: {},
      errors: [],
    };

    // An entry that left the YAML takes its stickiness with it; ended grants no longer wanted are forgotten.
    for (const [id, record] of Object.entries(memory.records)) {
      if (desired.has(id)) continue;
      if (record.sticky) {
        memory.lifted[id] = now;
        delete memory.records[id];
      } else if (!isLive(record)) delete memory.records[id];
    }
    for (const [id, at] of Object.entries(memory.lifted)) if (now - at > LIFTED_TTL_MS) delete memory.lifted[id];

    await syncCustomerPolicies(expansion.policies, deployerFor(config.settings), summary);

    // A grant still being revoked (it left an earlier revision) is started again once its revoke is done.
    const revokingDesired = [...desired.keys()].filter((id) => memory.records[id]?.state === 'revoking');
    const running = new Set(Object.keys(memory.records).filter((id) => isLive(memory.records[id]) && memory.records[id]!.state !== 'revoking'));
    const stickyIds = new Set(Object.keys(memory.records).filter((id) => memory.records[id]!.sticky));
    const plan = classify(
      [...desired.keys()].filter((id) => !revokingDesired.includes(id)),
      running,
      stickyIds,
    );
    const adds = plan.add.map((id) => desired.get(id)!);
    const keeps = plan.keep;
    summary.sticky.push(...plan.sticky);
    /** old id -> new id */
    const replaced = new Map([...plan.replaces].map(([to, from]) => [from, to]));

    await start(adds, revision, summary, new Set(replaced.values()));
    summary.kept = keeps;
    if (keeps.length > 0) {
      // A kept grant whose policy changed under the same id (its managed list, its temporary
      // statements, the deployer) is sent its new spec; the others only re-apply.
      const reshaped = new Set(keeps.filter((id) => memory.records[id]?.shape !== grantShape(desired.get(id)!)));
      const unchanged = keeps.filter((id) => !reshaped.has(id));
      const results = unchanged.length > 0 ? [await signalGrants({ ids: unchanged, signal: 'reapply' })] : [];
      for (const batch of chunks([...reshaped], START_CHUNK)) {
        const result = await signalGrants({ ids: batch, signal: 'reapply', specs: batch.map((id) => desired.get(id)!) });
        for (const id of result.signalled) {
          const spec = desired.get(id)!;
          memory.records[id] = { ...memory.records[id]!, target: revokeTarget(spec), shape: grantShape(spec) };
        }
        results.push(result);
      }
      // A kept grant that is not running ended without telling us (its expiry passed, say): start it next time.
      for (const id of results.flatMap((r) => r.notRunning)) {
        const record = memory.records[id];
        if (record && isLive(record)) record.state = 'revoked';
      }
      summary.kept = results.flatMap((r) => r.signalled);
    }

    const beyondLimit = Object.entries(memory.records)
      .filter(([id, r]) => desired.has(id) && isLive(r) && r.expiresAt && Date.parse(r.expiresAt) > now + config.settings.maxTemporaryDays * DAY_MS)
      .map(([id]) => id);
    await revoke(plan.revoke, 'removed', 'removed from the YAML', revision, summary);
    await revoke(beyondLimit, 'beyond-limit', 'beyond max_temporary_days', revision, summary);

    if (replaced.size > 0) {
      // The new grant first, so there is no moment without access; then the old one goes.
      const settled = (id: string) => ['active', 'revoked', 'failed'].includes(memory.records[id]?.state ?? 'revoked');
      await condition(() => [...replaced.values()].every(settled), REPLACEMENT_WAIT);
      await revoke([...replaced.keys()], 'superseded', 'replaced by a new expiry', revision, summary);
      summary.replaced = [...replaced].map(([from, to]) => ({ from, to }));
      summary.added = summary.added.filter((id) => ![...replaced.values()].includes(id));
    }

    if (revokingDesired.length > 0) {
      await condition(() => revokingDesired.every((id) => memory.records[id]?.state !== 'revoking'), REPLACEMENT_WAIT);
      const ended = revokingDesired.filter((id) => memory.records[id]?.state !== 'revoking' && !memory.records[id]?.sticky);
      await start(ended.map((id) => desired.get(id)!), revision, summary);
    }

    await dropUnusedPolicies(new Set(expansion.policies.map((p) => p.arn)), summary);
    return summary;
  }

  async function syncCustomerPolicies(policies: readonly PolicySync[], deployer: Deployer, summary: PlanSummary): Promise<void> {
    const byAccount = new Map<string, PolicySync[]>();
    for (const policy of policies) byAccount.set(policy.account, [...(byAccount.get(policy.account) ?? []), policy]);
    await Promise.all(
      [...byAccount.values()].map(async (list) => {
        const first = list[0]!;
        const ref: PolicyPlace = { account: first.account, environment: first.environment, deployer };
        try {
          Object.assign(summary.policies, await syncPolicies({ ref, policies: list }));
          for (const policy of list) memory.policies[policy.arn] = { ref };
        } catch (error) {
          summary.errors.push(`policies in ${first.environment} (${first.account}): ${(error as Error).message}`);
        }
      }),
    );
  }

  async function start(adds: readonly GrantSpec[], revision: Revision | undefined, summary: PlanSummary, replacements: ReadonlySet<string> = new Set()): Promise<void> {
    if (adds.length === 0) return;
    // Record first: a grant may report `active` before the start activity returns.
    for (const grant of adds) {
      memory.records[grant.id] = {
        state: 'starting',
        kind: grant.kind,
        ...(grant.expiresAt ? { expiresAt: grant.expiresAt } : {}),
        target: revokeTarget(grant),
        shape: grantShape(grant),
      };
    }
    const checkSticky = adds.filter((g) => memory.lifted[g.id] === undefined).map((g) => g.id);
    for (const batch of chunks(adds, START_CHUNK)) {
      const ids = new Set(batch.map((g) => g.id));
      try {
        const result = await startGrants({
          grants: batch,
          taskQueue,
          reconcileWorkflowId: selfId,
          ...(revision ? { revision } : {}),
          checkSticky: checkSticky.filter((id) => ids.has(id)),
          notifyActive: [...replacements].filter((id) => ids.has(id)),
        });
        summary.added.push(...result.started);
        for (const id of result.sticky) {
          memory.records[id] = { ...memory.records[id]!, state: 'revoked', sticky: true, cause: 'early' };
          summary.sticky.push(id);
        }
        for (const id of result.started) delete memory.lifted[id];
      } catch (error) {
        // Some of the batch may have started: their records stay, so that a later revoke still reaches
        // them; one that did not start shows up as not running at the next signal and is started again.
        summary.errors.push(`starting ${batch.length} grants: ${(error as Error).message}`);
      }
    }
  }

  async function revoke(ids: readonly string[], cause: NonNullable<RevokeRequest['cause']>, reason: string, revision: Revision | undefined, summary: PlanSummary): Promise<void> {
    if (ids.length === 0) return;
    const request: RevokeRequest = { reason, origin: 'reconcile', cause, by: revision?.submittedBy ?? 'grantflow reconcile' };
    const result = await signalGrants({ ids: [...ids], signal: 'revoke', request });
    for (const id of result.signalled) {
      const record = memory.records[id];
      if (record && record.state !== 'revoked') record.state = 'revoking';
    }
    // Grants that already ended (expired, or revoked earlier) are only now known to have.
    for (const id of result.notRunning) {
      const record = memory.records[id];
      if (record && isLive(record)) record.state = 'revoked';
    }
    summary.revoked.push(...result.signalled);
  }

  async function dropUnusedPolicies(wanted: ReadonlySet<string>, summary: PlanSummary): Promise<void> {
    const unused = Object.keys(memory.policies).filter((arn) => !wanted.has(arn));
    const byAccount = new Map<string, string[]>();
    for (const arn of unused) byAccount.set(memory.policies[arn]!.ref.account, [...(byAccount.get(memory.policies[arn]!.ref.account) ?? []), arn]);
    for (const arns of byAccount.values()) {
      const { ref } = memory.policies[arns[0]!]!;
      try {
        const outcomes = await deleteUnusedPolicies({ ref, team, arns });
        for (const [arn, outcome] of Object.entries(outcomes)) {
          summary.policies[arn] = outcome;
          // A policy still attached somewhere (its grants are being revoked) is tried again next pass.
          if (outcome !== 'in-use') delete memory.policies[arn];
        }
      } catch (error) {
        summary.errors.push(`removing unused policies in ${ref.environment} (${ref.account}): ${(error as Error).message}`);
      }
    }
  }

  /** Finds grant workflows that ended without telling us (terminated from outside) and removes their access. */
  async function collectTerminated(dryRun: boolean, errors: string[]): Promise<string[]> {
    const executions = await listTeamGrants({ team });
    const terminated: string[] = [];
    for (const execution of executions) {
      const record = memory.records[execution.id];
      if (!record || !isLive(record) || execution.status === 'RUNNING') continue;
      if (execution.status === 'TERMINATED' || execution.status === 'TIMED_OUT') {
        terminated.push(execution.id);
        if (dryRun) continue;
        try {
          await revokeGrant(record.target);
        } catch (error) {
          errors.push(`removing what terminated grant ${execution.id} left: ${(error as Error).message}`);
          continue; // its record stays live, so the next pass tries again
        }
        // Terminating a grant was an operator's decision: it sticks like an early revoke.
        Object.assign(record, { state: 'revoked', cause: 'terminated', sticky: true });
      } else if (execution.state === 'revoked' || execution.state === 'failed') {
        record.state = execution.state;
      }
    }
    return terminated;
  }

  async function sweep(dryRun: boolean): Promise<SweepSummary> {
    const summary: SweepSummary = { findings: [], terminated: [], revoked: [], dryRun, errors: [] };
    const config = memory.config;
    if (!config) return summary;
    const now = Date.now();
    try {
      summary.terminated = await collectTerminated(dryRun, summary.errors);
    } catch (error) {
      summary.errors.push(`listing the team's grant workflows: ${(error as Error).message}`);
    }

    const beyond = Object.entries(memory.records)
      .filter(([, r]) => isLive(r) && r.state !== 'revoking' && r.expiresAt && Date.parse(r.expiresAt) > now + config.settings.maxTemporaryDays * DAY_MS)
      .map(([id]) => id);
    if (!dryRun && beyond.length > 0) {
      const plan: PlanSummary = { team, added: [], kept: [], replaced: [], revoked: [], skippedExpired: [], sticky: [], policies: {}, errors: [] };
      await revoke(beyond, 'beyond-limit', 'beyond max_temporary_days', undefined, plan);
    }
    summary.revoked = beyond;

    // Every principal the team has touched, per account.
    interface AccountScope {
      target: RevokeTarget;
      principals: Map<string, { type: 'user' | 'role'; name: string }>;
      needs: Record<string, string[]>;
    }
    const scope = new Map<string, AccountScope>();
    const liveIds: string[] = [];
    for (const [id, record] of Object.entries(memory.records)) {
      const t = record.target;
      const entry: AccountScope = scope.get(t.account) ?? { target: t, principals: new Map(), needs: {} };
      entry.principals.set(`${t.principalType}/${t.principal}`, { type: t.principalType, name: t.principal });
      if (isLive(record) && record.state !== 'revoking') {
        liveIds.push(id);
        const key = `${t.principalType}/${t.principal}`;
        entry.needs[key] = [...(entry.needs[key] ?? []), ...t.arns];
      }
      scope.set(t.account, entry);
    }
    for (const entry of scope.values()) {
      try {
        const findings = await sweepPrincipals({
          team,
          ref: { account: entry.target.account, environment: entry.target.environment, deployer: entry.target.deployer },
          principals: [...entry.principals.values()],
          liveGrantIds: liveIds,
          ownNeeds: entry.needs,
          nowMs: now,
          maxTemporaryDays: config.settings.maxTemporaryDays,
          dryRun,
        });
        summary.findings.push(...findings);
      } catch (error) {
        summary.errors.push(`sweeping ${entry.target.environment} (${entry.target.account}): ${(error as Error).message}`);
      }
    }
    return summary;
  }

  async function restore(request: RestoreRequest): Promise<RestoreResult> {
    const record = memory.records[request.grantId];
    // A record left `starting` by a failed start may be retried: starting a running grant again is a no-op.
    if (record && !record.sticky && record.state !== 'starting') {
      return { grantId: request.grantId, restored: false, started: false, message: `${request.grantId} was not revoked early (state ${record.state}); nothing to restore` };
    }
    memory.lifted[request.grantId] = Date.now();
    if (record) delete memory.records[request.grantId];
    const wanted = memory.config ? expandTeam(memory.config, Date.now()).grants.find((g) => g.id === request.grantId) : undefined;
    if (!wanted) {
      return { grantId: request.grantId, restored: true, started: false, message: `${request.grantId} is no longer in the YAML; it will be granted if its entry is submitted again` };
    }
    const summary: PlanSummary = { team, added: [], kept: [], replaced: [], revoked: [], skippedExpired: [], sticky: [], policies: {}, errors: [] };
    await start([wanted], memory.revision, summary);
    if (summary.errors.length > 0) throw ApplicationFailure.nonRetryable(summary.errors.join('; '), 'RestoreFailed');
    return { grantId: request.grantId, restored: true, started: true, message: `${request.grantId} restored by ${request.by} and granted again` };
  }

  /** A pass that fails (IAM or Temporal unreachable for longer than the activities retry) is logged and tried again next interval: the workflow, and its memory of the team's grants, must outlive any outage. */
  async function intervalPass(): Promise<void> {
    if (!memory.config) return;
    try {
      const summary = await reconcile(memory.config, memory.revision);
      const swept = await sweep(false);
      memory.lastPassAt = new Date(Date.now()).toISOString();
      log.info('interval pass', {
        team,
        kept: summary.kept.length,
        added: summary.added.length,
        revoked: summary.revoked.length,
        swept: swept.findings.length,
        terminated: swept.terminated.length,
        errors: [...summary.errors, ...swept.errors],
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('interval pass failed; the next one tries again', { team, error: (error as Error).message });
    }
  }

  const wantsContinueAsNew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT;
  for (;;) {
    const interval = memory.config?.settings.reconcileIntervalMs ?? DEFAULT_INTERVAL_MS;
    const woken = await condition(() => wantsContinueAsNew() || intervalChanged, interval);
    if (intervalChanged) {
      // A submission set a new interval: start timing it from now.
      intervalChanged = false;
      continue;
    }
    if (!woken) await serialized(intervalPass);
    if (wantsContinueAsNew()) {
      await condition(() => allHandlersFinished());
      await continueAsNew<typeof reconcileWorkflow>({ team, memory });
    }
  }
}
