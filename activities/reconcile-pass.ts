// One pass of a team's reconcile workflow, as an activity: read the durable truth (the submitted
// config, the team's grant workflows in visibility, the facts in the reconcile workflow's memos,
// grantflow's marks in IAM), decide with the pure core (src/core/reconcile-plan.ts), and act through
// idempotent Temporal and IAM calls. Running it twice, or again after a crash, changes nothing more.
// It runs as an activity, not in the workflow, so that a team of tens of thousands of grants never
// puts a large payload into any workflow history: only the config's reference goes in, and a
// summary with capped lists comes out.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/activity';
import type { AccountClients, AccountRef } from '../src/aws/accounts';
import { GrantflowAwsError } from '../src/aws/errors';
import { revokeGrantIam, type HolderLookup } from '../src/aws/grant-iam';
import { deletePolicyIfUnused, ensureManagedPolicy, listTeamPolicies, type Target } from '../src/aws/iam';
import { needsKey, sweepPrincipals } from '../src/aws/sweep';
import { compare, expandTeam } from '../src/core/expand';
import type { Deployer, GrantSpec, PolicySync } from '../src/core/grant';
import { deployerFor, type RevokeTarget } from '../src/core/grant-derived';
import { parseGrantWorkflowId } from '../src/core/ids';
import { ending, isSticky, mergeFacts, pruneFacts, type LedgerEntry, type TeamFacts } from '../src/core/ledger';
import { factsAfter, planPass, type PassPlan, type RevokeDecision } from '../src/core/reconcile-plan';
import { describeRevision, isOlderRevision, type Revision } from '../src/core/revision';
import { describeExpiryProblem, entriesBeyondLimit } from '../src/core/rules/temporary';
import type { TeamConfig } from '../src/core/team-config';
import { DAY_MS } from '../src/core/time';
import { grantStartOptions } from '../src/temporal/grant-start';
import { readLedger } from '../src/temporal/ledger-reader';
import { loadConfig } from '../src/temporal/submissions';
import { recoverTeamState } from '../src/temporal/reconcile-state';
import {
  SUMMARY_LIST_CAP,
  statusQuery,
  type PlanSummary,
  type RestoreResult,
  type RetireResult,
  type RevokeRequest,
  type SubmissionRef,
  type SweepSummary,
} from '../workflows/messages';

/**
 * submit: apply a new submission; interval: re-apply and sweep; settle: only finish replacements and
 * follow an operator's early revoke to the replacement it raced; sweep, restore, retire: as named.
 */
export type PassMode = 'submit' | 'interval' | 'settle' | 'sweep' | 'restore' | 'retire';

export interface PassRequest {
  team: string;
  mode: PassMode;
  facts: TeamFacts;
  reconcileWorkflowId: string;
  taskQueue: string;
  /** The config to apply (submit), else the team's last applied one. */
  config?: SubmissionRef;
  revision?: Revision;
  dryRun?: boolean;
  grantId?: string;
  by?: string;
  reason?: string;
  /** Grants that told the reconcile workflow they were revoked early, before visibility may show it. */
  endedEarly?: { id: string; at: string }[];
}

export interface PassResult {
  facts: TeamFacts;
  summary?: PlanSummary;
  sweep?: SweepSummary;
  restore?: RestoreResult;
  retire?: RetireResult;
}

/** What the operator running the worker decides, and no submission can raise. */
export interface WorkerLimits {
  /** The ceiling on max_temporary_days: a team's own setting applies only below it. */
  maxTemporaryDays: number;
}

export interface PassDeps {
  temporal: Client;
  accounts: AccountClients;
  holders: HolderLookup;
  limits: WorkerLimits;
  heartbeat: (detail: unknown) => void;
}

/** How long a pass waits for a replacement to become active before leaving the old grant for a later pass. */
const REPLACEMENT_WAIT_MS = 20_000;
/** How long a pass waits for a desired grant's previous run to finish revoking before starting it again. */
const ENDING_WAIT_MS = 20_000;
/** How long retiring waits for the team's grants to finish revoking before deleting its policies. */
const RETIRE_WAIT_MS = 5 * 60_000;
const START_CONCURRENCY = 16;
const SIGNAL_CONCURRENCY = 32;
/** Lifted revocations are remembered this long: by then the closed run they override is out of retention. */
const LIFT_HORIZON_MS = 30 * DAY_MS;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` over `items` with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, onEach?: () => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
      onEach?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function emptySummary(team: string, revision?: Revision): PlanSummary {
  return {
    team,
    ...(revision ? { revision } : {}),
    counts: { added: 0, kept: 0, replaced: 0, revoked: 0, sticky: 0, skippedExpired: 0, lifted: 0, cleaned: 0 },
    added: [],
    kept: [],
    replaced: [],
    revoked: [],
    skippedExpired: [],
    sticky: [],
    waiting: [],
    policies: {},
    errors: [],
    truncated: false,
  };
}

/** Appends to a capped list of the summary and counts every item. */
function note<K extends 'added' | 'kept' | 'revoked' | 'sticky' | 'skippedExpired'>(summary: PlanSummary, list: K, ids: readonly string[]): void {
  summary.counts[list] += ids.length;
  const room = Math.max(0, SUMMARY_LIST_CAP - summary[list].length);
  summary[list].push(...ids.slice(0, room));
  if (ids.length > room) summary.truncated = true;
}

export async function runPass(deps: PassDeps, request: PassRequest): Promise<PassResult> {
  const { temporal, heartbeat } = deps;
  const { team } = request;
  const nowMs = Date.now();

  // Facts from every run of this reconcile workflow: a run that was reset or started fresh still knows them.
  const durable = await recoverTeamState(temporal, team);
  let facts = mergeFacts(durable.facts, request.facts);
  if (request.mode === 'submit' && request.revision && durable.revision && isOlderRevision(request.revision, durable.revision)) {
    throw ApplicationFailure.nonRetryable(
      `revision ${describeRevision(request.revision)} is older than the last applied revision ${describeRevision(durable.revision)}; refused`,
      'StaleRevision',
    );
  }

  const config = request.config ? await loadConfig(temporal, request.config) : undefined;
  heartbeat('config loaded');
  if (!config && request.mode !== 'restore') {
    return { facts, ...(request.mode === 'sweep' ? { sweep: { findings: [], terminated: [], revoked: [], dryRun: request.dryRun === true, errors: [] } } : {}) };
  }
  const maxDays = Math.min(config?.settings.maxTemporaryDays ?? deps.limits.maxTemporaryDays, deps.limits.maxTemporaryDays);
  if (request.mode === 'submit') refuseBeyondLimit(config!, nowMs, maxDays, deps.limits.maxTemporaryDays);

  const ledger = await readLedger(temporal, team, () => heartbeat('reading grants'));
  for (const told of request.endedEarly ?? []) {
    const entry = ledger.get(told.id);
    if (entry && ending(entry) !== 'early') ledger.set(told.id, { ...entry, status: 'COMPLETED', state: 'revoked', closedAt: told.at, memo: { ...entry.memo, endCause: 'early' } });
  }
  const expansion = config ? expandTeam(config, nowMs) : undefined;
  const decidedAtMs = request.revision ? Date.parse(request.revision.submittedAt) : nowMs;
  const plan = planPass({ desired: expansion?.grants ?? [], ledger, facts, nowMs, maxTemporaryDays: maxDays, decidedAtMs });
  const act = new PassActions(deps, request, config, expansion?.grants ?? [], ledger);

  if (request.mode === 'restore') {
    const restore = await act.restore(request.grantId!, facts);
    return { facts: restore.facts, restore: restore.result };
  }
  if (request.mode === 'retire') {
    const retire = await act.retire();
    return { facts, retire };
  }

  const summary = emptySummary(team, request.revision);
  let sweep: SweepSummary | undefined;
  if (request.mode === 'settle') {
    await act.settle(plan, summary);
  } else if (request.mode !== 'sweep') {
    await act.reconcile(plan, expansion!.policies, summary);
    note(summary, 'skippedExpired', expansion!.skipped.map((s) => s.id));
  }
  if (request.mode === 'sweep' || request.mode === 'interval') sweep = await act.sweep(plan, maxDays, request.dryRun === true);
  if (request.dryRun) return { facts, ...(sweep ? { sweep } : {}) };
  facts = act.recordCleanups(factsAfter(facts, { ...plan, sticky: [...plan.sticky, ...act.foundSticky] }, ledger, new Date(nowMs).toISOString()));
  facts = pruneFacts(facts, nowMs, LIFT_HORIZON_MS, ledger);
  return { facts, ...(request.mode === 'sweep' ? {} : { summary }), ...(sweep ? { sweep } : {}) };
}

function refuseBeyondLimit(config: TeamConfig, nowMs: number, maxDays: number, ceiling: number): void {
  const beyond = entriesBeyondLimit(config.temporary, nowMs, maxDays);
  if (beyond.length === 0) return;
  const first = beyond[0]!;
  const capped = config.settings.maxTemporaryDays > ceiling ? ` (the team sets ${config.settings.maxTemporaryDays}, but the worker's ceiling is ${ceiling}; only the worker's operator can raise it)` : '';
  throw ApplicationFailure.nonRetryable(
    `${first.entry.source.file}:${first.entry.source.line}: ${describeExpiryProblem(first, maxDays)}${capped}` + (beyond.length > 1 ? ` (and ${beyond.length - 1} more)` : ''),
    'BeyondMaxTemporaryDays',
  );
}

/** The revoke target of a run, from what its memo and search attributes recorded. */
function targetOf(entry: LedgerEntry, deployer: Deployer): RevokeTarget | undefined {
  const key = parseGrantWorkflowId(entry.id);
  if (!key || !entry.account) return undefined;
  return {
    id: entry.id,
    account: entry.account,
    environment: entry.environment,
    deployer,
    principalType: entry.memo.principalType ?? key.principalType,
    principal: entry.memo.principalName ?? key.principal,
    arns: entry.memo.attachedArns ?? [],
    ...(entry.memo.inlinePolicy ? { inlinePolicyName: entry.memo.inlinePolicy } : {}),
  };
}

class PassActions {
  /** Grants found ended early while acting (visibility had not caught up): sticky from now on. */
  readonly foundSticky: string[] = [];
  private readonly cleaned = new Map<string, string>();
  private readonly deployer: Deployer | undefined;
  private readonly desired: ReadonlyMap<string, GrantSpec>;

  constructor(
    private readonly deps: PassDeps,
    private readonly request: PassRequest,
    private readonly config: TeamConfig | undefined,
    desired: readonly GrantSpec[],
    private readonly ledger: ReadonlyMap<string, LedgerEntry>,
  ) {
    this.deployer = config ? deployerFor(config.settings) : undefined;
    this.desired = new Map(desired.map((g) => [g.id, g]));
  }

  private revokeRequest(decision: Pick<RevokeDecision, 'cause' | 'reason'> | { cause: 'retired'; reason: string }): RevokeRequest {
    return { reason: decision.reason, origin: 'reconcile', cause: decision.cause, by: this.request.revision?.submittedBy ?? this.request.by ?? 'grantflow reconcile' };
  }

  private target(ref: AccountRef): Target {
    return this.deps.accounts.target(ref);
  }

  async reconcile(plan: PassPlan, policies: readonly PolicySync[], summary: PlanSummary): Promise<void> {
    await this.syncPolicies(policies, summary);
    await this.cleanUp(plan.cleanup, summary.errors);
    await this.waitForEnding(plan.waiting);
    const replacing = new Set(plan.replace.map((r) => r.to));
    const started = await this.start([...plan.start, ...plan.waiting.map((id) => this.desired.get(id)).filter((g): g is GrantSpec => g !== undefined)], replacing, summary.errors);
    note(summary, 'added', started.filter((id) => !replacing.has(id)));
    const kept = await this.signalReapply(plan.reapply, plan.respec);
    note(summary, 'kept', kept);
    note(summary, 'sticky', [...plan.sticky, ...this.foundSticky]);
    const revoked = await this.revoke(plan.revoke);
    note(summary, 'revoked', revoked);
    summary.counts.lifted = plan.lift.length;
    await this.replace(plan.replace, summary);
    // A policy the YAML dropped is deleted once nothing has it attached: give this pass's revokes a moment to finish.
    const wanted = new Set(policies.map((p) => p.arn));
    if (revoked.length > 0) await this.waitForEnding(revoked);
    await this.dropUnusedPolicies(wanted, summary);
    summary.counts.cleaned = this.cleaned.size;
  }

  /** Only what cannot wait for the next interval: replacements whose new grant is active, and revokes that follow an operator's. */
  async settle(plan: PassPlan, summary: PlanSummary): Promise<void> {
    note(summary, 'revoked', await this.revoke(plan.revoke.filter((r) => r.cause === 'early')));
    await this.replace(plan.replace, summary);
  }

  /** The team's customer-managed policies, account by account; one that fails does not stop the others. */
  private async syncPolicies(policies: readonly PolicySync[], summary: PlanSummary): Promise<void> {
    const retryable: unknown[] = [];
    for (const policy of policies) {
      try {
        summary.policies[policy.arn] = await ensureManagedPolicy(this.target({ account: policy.account, environment: policy.environment, deployer: this.deployer! }), policy);
      } catch (error) {
        if (error instanceof GrantflowAwsError && error.retryable) retryable.push(error);
        summary.errors.push(`policy ${policy.arn} in ${policy.environment} (${policy.account}): ${(error as Error).message}`);
      }
      this.deps.heartbeat(policy.arn);
    }
    // A transient failure (throttling, an outage) is the activity's to retry; the others are reported.
    if (retryable.length > 0) throw retryable[0];
  }

  /** Removes what runs killed from outside (Terminate) or crashed left in IAM. */
  private async cleanUp(entries: readonly LedgerEntry[], errors: string[]): Promise<void> {
    if (!this.deployer) return;
    for (const entry of entries) {
      const target = targetOf(entry, this.deployer);
      if (!target) continue;
      try {
        await this.revokeTarget(target);
        this.cleaned.set(entry.id, entry.runId);
      } catch (error) {
        errors.push(`removing what ${entry.id} (${entry.status.toLowerCase()}) left: ${(error as Error).message}`);
      }
      this.deps.heartbeat(entry.id);
    }
  }

  private async revokeTarget(target: RevokeTarget): Promise<void> {
    await revokeGrantIam(this.deps, target);
  }

  recordCleanups(facts: TeamFacts): TeamFacts {
    return { ...facts, cleaned: { ...facts.cleaned, ...Object.fromEntries(this.cleaned) } };
  }

  /** A desired grant whose previous run is still revoking is started once that run has closed. */
  private async waitForEnding(ids: readonly string[]): Promise<void> {
    const deadline = Date.now() + ENDING_WAIT_MS;
    for (const id of ids) {
      while (Date.now() < deadline && (await this.isRunning(id))) await sleep(250);
    }
  }

  private async isRunning(id: string): Promise<boolean> {
    try {
      return (await this.deps.temporal.workflow.getHandle(id).describe()).status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  /** Starts grant workflows (an id already running is left as it is); returns the ids started. */
  private async start(grants: readonly GrantSpec[], replacing: ReadonlySet<string>, errors: string[]): Promise<string[]> {
    const started: string[] = [];
    await eachLimited(
      grants,
      START_CONCURRENCY,
      async (spec) => {
        try {
          await this.deps.temporal.workflow.start('grantWorkflow', grantStartOptions(spec, {
            taskQueue: this.request.taskQueue,
            reconcileWorkflowId: this.request.reconcileWorkflowId,
            ...(this.request.revision ? { revision: this.request.revision } : {}),
            notifyActive: replacing.has(spec.id),
          }));
          started.push(spec.id);
        } catch (error) {
          errors.push(`starting ${spec.id}: ${(error as Error).message}`);
        }
      },
      () => this.deps.heartbeat('starting grants'),
    );
    return started.sort(compare);
  }

  /**
   * Re-applies running grants (with the new spec where the policy changed). A grant that turns out to
   * have ended (visibility lags) is looked up directly: ended early or killed, it is sticky from now on.
   */
  private async signalReapply(reapply: readonly string[], respec: readonly GrantSpec[]): Promise<string[]> {
    const kept: string[] = [];
    const items = [...reapply.map((id) => ({ id, spec: undefined as GrantSpec | undefined })), ...respec.map((spec) => ({ id: spec.id, spec }))];
    await eachLimited(
      items,
      SIGNAL_CONCURRENCY,
      async ({ id, spec }) => {
        try {
          await this.deps.temporal.workflow.getHandle(id).signal('reapply', spec ? { spec } : undefined);
          kept.push(id);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          await this.noticeEnded(id);
        }
      },
      () => this.deps.heartbeat('re-applying grants'),
    );
    return kept.sort(compare);
  }

  private async noticeEnded(id: string): Promise<void> {
    const description = await this.deps.temporal.workflow.getHandle(id).describe();
    const how = ending({
      id,
      runId: description.runId,
      status: description.status.name as LedgerEntry['status'],
      startedAt: description.startTime.toISOString(),
      ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
      account: '',
      environment: '',
      memo: (description.memo ?? {}) as LedgerEntry['memo'],
    });
    if (how === 'early' || how === 'abandoned') this.foundSticky.push(id);
  }

  private async revoke(decisions: readonly (RevokeDecision | { id: string; cause: 'retired'; reason: string })[]): Promise<string[]> {
    const signalled: string[] = [];
    await eachLimited(
      decisions,
      SIGNAL_CONCURRENCY,
      async (decision) => {
        try {
          await this.deps.temporal.workflow.getHandle(decision.id).signal('revoke', this.revokeRequest(decision));
          signalled.push(decision.id);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      },
      () => this.deps.heartbeat('revoking grants'),
    );
    return signalled.sort(compare);
  }

  /**
   * The new grant first, so there is no moment without access; the old one goes once the new one is
   * active. A new grant that cannot be active yet (its start_date is ahead) leaves the old one for a
   * later pass; so does one that is slow, after a short wait. If an operator revoked the old grant
   * early meanwhile, the new one is revoked too: the operator's word is newer than the YAML's.
   */
  private async replace(pairs: readonly { from: string; to: string }[], summary: PlanSummary): Promise<void> {
    if (pairs.length === 0) return;
    const deadline = Date.now() + REPLACEMENT_WAIT_MS;
    const pending = new Map(pairs.map((p) => [p.to, p]));
    const ready: { from: string; to: string }[] = [];
    while (pending.size > 0) {
      for (const [to, pair] of [...pending]) {
        const state = await this.grantState(to);
        if (state?.state === 'active') {
          ready.push(pair);
          pending.delete(to);
        } else if (!state || state.state === 'revoked' || state.state === 'failed' || (state.startsAt && Date.parse(state.startsAt) > Date.now())) {
          summary.waiting.push(to);
          pending.delete(to);
        }
      }
      if (pending.size === 0 || Date.now() > deadline) break;
      await sleep(250);
      this.deps.heartbeat('waiting for replacements');
    }
    summary.waiting.push(...pending.keys());
    const revoked = await this.revoke(ready.map((p) => ({ id: p.from, cause: 'superseded' as const, reason: 'replaced by a new expiry' })));
    summary.replaced.push(...ready.filter((p) => revoked.includes(p.from)).slice(0, SUMMARY_LIST_CAP));
    summary.counts.replaced += ready.length;
  }

  private async grantState(id: string): Promise<{ state: string; startsAt?: string } | undefined> {
    try {
      const status = await this.deps.temporal.workflow.getHandle(id).query(statusQuery);
      return { state: status.state, ...(status.startsAt ? { startsAt: status.startsAt } : {}) };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /** Deletes the team's customer-managed policies no grant uses any more (earlier names included), once nothing has them attached. */
  private async dropUnusedPolicies(wanted: ReadonlySet<string>, summary: PlanSummary): Promise<string[]> {
    if (!this.config || !this.deployer) return [];
    const deleted: string[] = [];
    for (const [environment, account] of Object.entries(this.config.accounts).sort(([a], [b]) => compare(a, b))) {
      const target = this.target({ account, environment, deployer: this.deployer });
      try {
        for (const owned of await listTeamPolicies(target, this.config.team, { legacy: true })) {
          if (wanted.has(owned.arn)) continue;
          const outcome = await deletePolicyIfUnused(target, owned.arn, this.config.team);
          // A policy still attached somewhere (its grants are being revoked) is tried again next pass.
          if (outcome !== 'in-use') summary.policies[owned.arn] = outcome;
          if (outcome === 'deleted') deleted.push(owned.arn);
        }
      } catch (error) {
        summary.errors.push(`removing unused policies in ${environment} (${account}): ${(error as Error).message}`);
      }
      this.deps.heartbeat(account);
    }
    return deleted;
  }

  /** The sweep: police the limit, clean up after killed runs, and remove from IAM what nothing holds. */
  async sweep(plan: PassPlan, maxDays: number, dryRun: boolean): Promise<SweepSummary> {
    const summary: SweepSummary = { findings: [], terminated: plan.cleanup.filter((e) => ending(e) === 'abandoned').map((e) => e.id), revoked: [], dryRun, errors: [] };
    if (!dryRun) {
      await this.cleanUp(plan.cleanup, summary.errors);
      summary.revoked = await this.revoke(plan.revoke.filter((r) => r.cause === 'beyond-limit'));
    } else summary.revoked = plan.revoke.filter((r) => r.cause === 'beyond-limit').map((r) => r.id);
    if (!this.deployer) return summary;

    // Every principal the team's grant workflows touched within retention, per account.
    const scopes = new Map<string, { ref: AccountRef; principals: Map<string, { type: 'user' | 'role'; name: string }>; needs: Map<string, string[]> }>();
    const live = new Set<string>();
    for (const entry of this.ledger.values()) {
      const target = targetOf(entry, this.deployer);
      if (!target) continue;
      const scope = scopes.get(target.account) ?? { ref: { account: target.account, environment: target.environment, deployer: this.deployer }, principals: new Map(), needs: new Map() };
      const key = needsKey(target.principalType, target.principal);
      scope.principals.set(key, { type: target.principalType, name: target.principal });
      if (ending(entry) === 'live') {
        live.add(entry.id);
        scope.needs.set(key, [...(scope.needs.get(key) ?? []), ...target.arns]);
      }
      scopes.set(target.account, scope);
    }
    for (const scope of [...scopes.values()].sort((a, b) => compare(a.ref.account, b.ref.account))) {
      try {
        summary.findings.push(
          ...(await sweepPrincipals(
            this.deps.accounts,
            this.deps.holders,
            { team: this.request.team, ref: scope.ref, principals: [...scope.principals.values()], liveGrantIds: live, ownNeeds: scope.needs, nowMs: Date.now(), maxTemporaryDays: maxDays, dryRun },
            (name) => this.deps.heartbeat(name),
          )),
        );
      } catch (error) {
        summary.errors.push(`sweeping ${scope.ref.environment} (${scope.ref.account}): ${(error as Error).message}`);
      }
    }
    return summary;
  }

  /** Lifts a sticky early revocation and, if the last applied YAML still wants the grant, grants it again. */
  async restore(grantId: string, facts: TeamFacts): Promise<{ facts: TeamFacts; result: RestoreResult }> {
    const entry = this.ledger.get(grantId);
    const running = entry !== undefined && (ending(entry) === 'live' || ending(entry) === 'ending');
    if (running || !isSticky(grantId, entry, facts)) {
      const state = entry ? `${ending(entry)}${entry.state ? `, state ${entry.state}` : ''}` : 'no run within retention';
      return { facts, result: { grantId, restored: false, started: false, message: `${grantId} was not revoked early (${state}); nothing to restore` } };
    }
    const lifted: TeamFacts = { ...facts, sticky: { ...facts.sticky }, lifted: { ...facts.lifted, [grantId]: new Date().toISOString() } };
    delete lifted.sticky[grantId];
    const spec = this.desired.get(grantId);
    if (!spec) {
      return { facts: lifted, result: { grantId, restored: true, started: false, message: `${grantId} is no longer in the YAML; it will be granted if its entry is submitted again` } };
    }
    const errors: string[] = [];
    await this.start([spec], new Set(), errors);
    if (errors.length > 0) throw ApplicationFailure.nonRetryable(errors.join('; '), 'RestoreFailed');
    return { facts: lifted, result: { grantId, restored: true, started: true, message: `${grantId} restored by ${this.request.by} and granted again` } };
  }

  /** Revokes every grant of the team, waits for them to finish, then deletes the team's policies. */
  async retire(): Promise<RetireResult> {
    const live = [...this.ledger.values()].filter((e) => ending(e) === 'live' || ending(e) === 'ending').map((e) => e.id).sort(compare);
    const reason = `team retired: ${this.request.reason ?? 'no reason given'}`;
    const revoked = await this.revoke(live.map((id) => ({ id, cause: 'retired' as const, reason })));
    const errors: string[] = [];
    await this.cleanUp([...this.ledger.values()].filter((e) => ['abandoned', 'crashed'].includes(ending(e)) && this.request.facts.cleaned[e.id] !== e.runId), errors);
    const deadline = Date.now() + RETIRE_WAIT_MS;
    const remaining = new Set(live);
    while (remaining.size > 0 && Date.now() < deadline) {
      for (const id of [...remaining]) if (!(await this.isRunning(id))) remaining.delete(id);
      if (remaining.size > 0) await sleep(500);
      this.deps.heartbeat(`waiting for ${remaining.size} grants to finish revoking`);
    }
    const summary = emptySummary(this.request.team);
    const deleted = remaining.size === 0 ? await this.dropUnusedPolicies(new Set(), summary) : [];
    const left = [...remaining].map((id) => `${id} is still revoking`);
    for (const [arn, outcome] of Object.entries(summary.policies)) if (outcome !== 'deleted' && outcome !== 'absent') left.push(`policy ${arn}: ${outcome}`);
    return { revoked, policiesDeleted: deleted, remaining: [...left, ...errors, ...summary.errors] };
  }
}

