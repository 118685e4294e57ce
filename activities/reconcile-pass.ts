// One pass of a team's reconcile workflow, as an activity: read the durable truth (the submitted
// config, the team's grant workflows in visibility, the last revision in the reconcile workflow's
// memos, grantflow's marks in IAM), decide with the pure core (src/core/reconcile-plan.ts), and act
// through idempotent Temporal and IAM calls. Running it twice, or again after a crash, changes
// nothing more. It runs as an activity, not in the workflow, so that a team of tens of thousands of
// grants never puts a large payload into any workflow history: only the config's reference goes
// in, and a summary with capped lists comes out.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/activity';
import type { AccountClients, AccountRef } from '../src/aws/accounts';
import { revokeGrantIam, type HolderLookup } from '../src/aws/grant-iam';
import type { Target } from '../src/aws/iam-calls';
import { deletePolicyIfUnused, ensureManagedPolicy, listTeamPolicies } from '../src/aws/managed-policies';
import { readPermissionsBoundary } from '../src/aws/principal-calls';
import { GrantflowAwsError } from '../src/aws/errors';
import { boundaryProblem } from '../src/core/managed-copies';
import { needsKey, sweepPrincipals, type SweepFinding } from '../src/aws/sweep';
import { compare, expandTeam } from '../src/core/expand';
import type { Deployer, GrantSpec, PolicySync } from '../src/core/grant';
import { attachedArns, deployerFor, type RevokeTarget } from '../src/core/grant-derived';
import { parseGrantWorkflowId, reconcileWorkflowId } from '../src/core/ids';
import { parseCopyPolicyName } from '../src/core/names';
import { ending, isSticky, withEndedEarly, type LedgerEntry } from '../src/core/ledger';
import { planPass, readyReplacements, type PassPlan, type RecordDecision, type RevokeDecision } from '../src/core/reconcile-plan';
import { describeRevision, isOlderRevision, type Revision } from '../src/core/revision';
import { describeExpiryProblem, entriesBeyondLimit } from '../src/core/rules/temporary';
import { DEFAULT_SETTINGS, type TeamConfig } from '../src/core/team-config';
import { DAY_MS } from '../src/core/time';
import { grantStartOptions, recordStartOptions } from '../src/temporal/grant-start';
import { readLedger, toLedgerEntry } from '../src/temporal/ledger-reader';
import { namespaceRetentionMs } from '../src/temporal/namespace-setup';
import { recoverTeamState, retiredScope } from '../src/temporal/reconcile-state';
import { loadSubmission } from '../src/temporal/submissions';
import { Refusal, type ConfigAuthority, type VerifiedConfig } from './config-authority';
import {
  SUMMARY_LIST_CAP,
  reapplySignal,
  revokeSignal,
  statusQuery,
  type PlanSummary,
  type ReapplyRequest,
  type RetiredScope,
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
  reconcileWorkflowId: string;
  /** The reconcile run asking: a pass of a run that was terminated or reset meanwhile stops. */
  runId: string;
  taskQueue: string;
  /** The config to apply (submit), else the team's last applied one. */
  config?: SubmissionRef;
  revision?: Revision;
  /** When the reconcile workflow received the submission being applied (its own clock, not the submitter's). */
  receivedAt?: string;
  dryRun?: boolean;
  grantId?: string;
  by?: string;
  reason?: string;
  /** Grants that told the reconcile workflow they were revoked early, before visibility may show it. */
  endedEarly?: { id: string; runId?: string; at: string }[];
}

/** The failure type of a submission the worker refused (unsigned, tampered, below a guardrail...): nothing changed. */
export const SUBMISSION_REFUSED = 'SubmissionRefused';
/** The failure type of a pass that found no config it may apply (its signature no longer verifies, say). */
export const CONFIG_UNVERIFIED = 'ConfigUnverified';

export interface PassResult {
  /** Who signed the config the pass applied. */
  signer?: string;
  summary?: PlanSummary;
  sweep?: SweepSummary;
  restore?: RestoreResult;
  retire?: RetireResult;
}

export interface PassDeps {
  temporal: Client;
  accounts: AccountClients;
  holders: HolderLookup;
  authority: ConfigAuthority;
  namespace: string;
  /** The retention passes reckon with instead of the namespace's (tests, which cannot wait a day for a run to age). */
  assumeRetentionMs?: number;
  heartbeat: (detail: unknown) => void;
}

/** How long a pass waits for a replacement to become active before leaving the old grant for a later pass. */
const REPLACEMENT_WAIT_MS = 20_000;
/** How long a pass waits for grants it revoked (or that were revoking) to close. */
const ENDING_WAIT_MS = 20_000;
/** How long retiring waits for the team's grants to finish revoking before deleting its policies. */
const RETIRE_WAIT_MS = 5 * 60_000;
const CONCURRENCY = 16;
const SIGNAL_CONCURRENCY = 32;
/** Errors a summary lists in full; the rest are counted. */
const ERRORS_CAP = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Tries of a customer-managed policy's sync in one pass, the waits between them doubling from the backoff (1+2+4+8 s). */
const POLICY_SYNC_ATTEMPTS = 5;
const POLICY_SYNC_BACKOFF_MS = 1000;

/** Runs `fn` over `items` with at most `limit` in flight; `onEach` after each (a heartbeat). */
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

/** A list that keeps its first `cap` items and counts every one. */
class Capped<T> {
  readonly items: T[] = [];
  count = 0;
  constructor(private readonly cap = SUMMARY_LIST_CAP) {}
  push(...items: T[]): void {
    this.count += items.length;
    this.items.push(...items.slice(0, Math.max(0, this.cap - this.items.length)));
  }
  get truncated(): boolean {
    return this.count > this.items.length;
  }
}

/** Everything a pass reports, capped, then laid out as the summary the workflow returns. */
class Report {
  readonly added = new Capped<string>();
  readonly kept = new Capped<string>();
  readonly revoked = new Capped<string>();
  readonly sticky = new Capped<string>();
  readonly skipped = new Capped<string>();
  readonly replaced = new Capped<{ from: string; to: string }>();
  readonly waiting = new Capped<string>();
  readonly errors = new Capped<string>(ERRORS_CAP);
  readonly findings = new Capped<SweepFinding>();
  readonly terminated = new Capped<string>();
  readonly recorded = new Capped<string>();
  readonly policies: Record<string, string> = {};
  cleaned = 0;
  /** IAM objects (attachments, inline policies) the clean-ups after killed runs removed. */
  cleanedObjects = 0;

  summary(team: string, revision: Revision | undefined): PlanSummary {
    const lists = [this.added, this.kept, this.revoked, this.sticky, this.skipped, this.replaced, this.waiting, this.errors];
    return {
      team,
      ...(revision ? { revision } : {}),
      counts: {
        added: this.added.count,
        kept: this.kept.count,
        replaced: this.replaced.count,
        revoked: this.revoked.count,
        sticky: this.sticky.count,
        skippedExpired: this.skipped.count,
        recorded: this.recorded.count,
        cleaned: this.cleaned,
        errors: this.errors.count,
      },
      added: this.added.items,
      kept: this.kept.items,
      replaced: this.replaced.items,
      revoked: this.revoked.items,
      skippedExpired: this.skipped.items,
      sticky: this.sticky.items,
      waiting: this.waiting.items,
      policies: Object.fromEntries(Object.entries(this.policies).slice(0, SUMMARY_LIST_CAP)),
      errors: this.errors.items,
      truncated: lists.some((l) => l.truncated),
    };
  }

  sweepSummary(dryRun: boolean): SweepSummary {
    return {
      findings: this.findings.items,
      terminated: this.terminated.items,
      revoked: this.revoked.items,
      dryRun,
      errors: this.errors.items,
      counts: {
        findings: this.findings.count,
        terminated: this.terminated.count,
        revoked: this.revoked.count,
        errors: this.errors.count,
        cleanedObjects: this.cleanedObjects,
      },
    };
  }
}

const retention = new Map<string, { ms: number; readAt: number }>();
/** The namespace's retention (cached for an hour): early revocations nearing its end are reaffirmed. */
async function retentionOf(deps: PassDeps): Promise<number> {
  if (deps.assumeRetentionMs !== undefined) return deps.assumeRetentionMs;
  const cached = retention.get(deps.namespace);
  if (cached && Date.now() - cached.readAt < 3_600_000) return cached.ms;
  const ms = (await namespaceRetentionMs(deps.temporal, deps.namespace).catch(() => undefined)) ?? 7 * DAY_MS;
  retention.set(deps.namespace, { ms, readAt: Date.now() });
  return ms;
}

export async function runPass(deps: PassDeps, request: PassRequest): Promise<PassResult> {
  const { temporal, heartbeat } = deps;
  const { team } = request;
  const act = new PassActions(deps, request);
  await act.assertCurrent();

  // What every run of this reconcile workflow applied: a reset run must not apply an older config.
  const durable = await recoverTeamState(temporal, team);
  if (request.mode === 'submit') {
    await refuseOlder(deps, request, durable);
    await refuseCaseTwin(temporal, team);
  }
  const chosen = await chooseConfig(deps, request, durable);
  heartbeat('config loaded');
  const config = chosen?.config;
  const configRef = chosen?.ref;
  const fromDurable = configRef !== undefined && configRef.workflowId !== request.config?.workflowId && configRef.workflowId === durable.config?.workflowId;
  const revision = chosen?.revision ?? (fromDurable ? durable.revision : request.revision);
  const receivedAt = fromDurable ? durable.receivedAt : request.receivedAt;
  const report = new Report();
  const signer = chosen && 'signer' in chosen ? { signer: chosen.signer } : {};
  if (!config && request.mode !== 'restore' && request.mode !== 'retire' && request.mode !== 'sweep')
    return { summary: report.summary(team, revision), ...signer };

  const nowMs = Date.now();
  const ceiling = deps.authority.authority.guardrails.maxTemporaryDays;
  const maxDays = Math.min(config?.settings.maxTemporaryDays ?? ceiling, ceiling);
  if (request.mode === 'submit') refuseBeyondLimit(config!, nowMs, maxDays, ceiling);

  const ledger = withEndedEarly(await readLedger(temporal, team, () => heartbeat('reading grants')), request.endedEarly ?? []);
  const expansion = config ? expandTeam(config, nowMs) : undefined;
  if (request.mode === 'submit') await act.refuseUnbounded(expansion!.grants);
  // A grant the previous config started a moment ago may not be in visibility yet: looked up directly.
  if (request.mode === 'submit' && durable.config && durable.config.digest !== configRef?.digest) {
    const previous = expandTeam((await loadSubmission(temporal, durable.config)).config, nowMs).grants.map((g) => g.id);
    const wanted = new Set(expansion!.grants.map((g) => g.id));
    await act.lookUp(
      previous.filter((id) => !wanted.has(id) && !ledger.has(id)),
      ledger,
    );
  }
  const decidedAtMs = receivedAt ? Date.parse(receivedAt) : nowMs;
  const plan = planPass({
    desired: expansion?.grants ?? [],
    ledger,
    nowMs,
    maxTemporaryDays: maxDays,
    decidedAtMs,
    retentionMs: await retentionOf(deps),
  });
  // A restore decides now: the operator lifting an early revocation is newer than the submission.
  act.use(config, configRef, expansion?.grants ?? [], ledger, report, new Date(request.mode === 'restore' ? nowMs : decidedAtMs).toISOString());

  if (chosen && 'unverified' in chosen && chosen.unverified) {
    await act.keepRemembered(plan);
    throw ApplicationFailure.nonRetryable(chosen.unverified, CONFIG_UNVERIFIED);
  }
  if (request.mode === 'restore') return { restore: await act.restore(request.grantId!, plan) };
  if (request.mode === 'retire') return { retire: await act.retire() };
  if (request.mode === 'sweep') {
    await act.sweep(plan, maxDays, request.dryRun === true);
    // A retired team owns nothing any more: what its retirement could not delete goes now.
    if (chosen && 'retired' in chosen && request.dryRun !== true) await act.dropRetiredPolicies();
    return { sweep: report.sweepSummary(request.dryRun === true) };
  }
  if (request.mode === 'settle') await act.settle(plan);
  else await act.reconcile(plan, expansion!.policies);
  report.skipped.push(...expansion!.skipped.map((s) => s.id));
  const sweep = request.mode === 'interval' ? (await act.sweepIam(plan, maxDays, false), report.sweepSummary(false)) : undefined;
  return { summary: report.summary(team, revision), ...(sweep ? { sweep } : {}), ...signer };
}

/** Modes that only take access away: an operator may run them whatever the state of the team's config. */
const REMOVAL_MODES: ReadonlySet<PassMode> = new Set(['sweep', 'retire']);

/**
 * The config a pass works from. A submission must verify as it arrives (signed by a trusted key, for
 * this revision, recently, within the guardrails), or it is refused and nothing changes. Other passes
 * take the newest verified config among what this run and every earlier run applied: the reconcile
 * workflow's state is a claim anyone with access to Temporal could have written. A pass that only
 * removes access (sweep, retire) goes on with the config as staged when none verifies; the others stop.
 */
async function chooseConfig(
  deps: PassDeps,
  request: PassRequest,
  durable: { config?: SubmissionRef },
): Promise<(VerifiedConfig | { ref?: SubmissionRef; config: TeamConfig; revision?: undefined; unverified?: string; retired?: true }) | undefined> {
  const { team } = request;
  if (request.mode === 'submit') {
    try {
      return await deps.authority.verify(request.config!, { team, arriving: { revision: request.revision!, nowMs: Date.now() } });
    } catch (error) {
      if (error instanceof Refusal) throw ApplicationFailure.nonRetryable(`refused, nothing changed: ${error.message}`, SUBMISSION_REFUSED);
      throw error;
    }
  }
  const { verified, reasons } = await deps.authority.newestFor(team, [request.config, durable.config]);
  if (verified) return verified;
  const staged = request.config ?? durable.config;
  if (REMOVAL_MODES.has(request.mode)) {
    if (staged) {
      const { config } = await loadSubmission(deps.temporal, staged);
      return config.team === team ? { ref: staged, config } : undefined;
    }
    // A retired team has no config any more: its leftovers are found where the retirement recorded them.
    const scope = await retiredScope(deps.temporal, team);
    return scope ? { config: scopeConfig(team, scope), retired: true } : undefined;
  }
  if (!staged) return undefined;
  const why = `no config of team ${team} can be applied: ${reasons.join('; ')}; submit the team again from CI`;
  // An interval pass still keeps early revocations remembered (that only ever keeps access away), then reports.
  if (request.mode === 'interval') return { ref: staged, config: (await loadSubmission(deps.temporal, staged)).config, unverified: why };
  throw ApplicationFailure.nonRetryable(why, CONFIG_UNVERIFIED);
}

/**
 * A submission older than the last applied one is refused. "Last applied" is the newest config that
 * verifies among those every run recorded: a memo claiming a later revision proves nothing unless the
 * config it names carries that revision's signature.
 */
async function refuseOlder(deps: PassDeps, request: PassRequest, durable: { config?: SubmissionRef; revision?: Revision }): Promise<void> {
  if (!request.revision) return;
  const { verified } = await deps.authority.newestFor(request.team, [durable.config]);
  const applied = verified?.revision ?? (deps.authority.authority.trust.insecureAcceptUnsigned ? durable.revision : undefined);
  if (applied && isOlderRevision(request.revision, applied)) {
    throw ApplicationFailure.nonRetryable(
      `revision ${describeRevision(request.revision)} is older than the last applied revision ${describeRevision(applied)}; refused`,
      'StaleRevision',
    );
  }
}

/** A config that holds nothing but where a retired team's objects are: enough for passes that only remove. */
function scopeConfig(team: string, scope: RetiredScope): TeamConfig {
  return {
    team,
    accounts: { ...scope.accounts },
    policies: {},
    permanent: [],
    temporary: [],
    settings: {
      ...DEFAULT_SETTINGS,
      deployerRole: scope.deployer.roleName,
      partition: scope.deployer.partition as TeamConfig['settings']['partition'],
      ...(scope.deployer.externalId ? { deployerExternalId: scope.deployer.externalId } : {}),
    },
  };
}

/** IAM names ignore case: a team whose name differs from a running team's only in case could meet its policies. */
async function refuseCaseTwin(temporal: Client, team: string): Promise<void> {
  const prefix = reconcileWorkflowId('');
  for await (const run of temporal.workflow.list({ query: `WorkflowType = 'reconcileWorkflow' AND ExecutionStatus = 'Running'` })) {
    const other = run.workflowId.slice(prefix.length);
    if (other !== team && other.toLowerCase() === team.toLowerCase()) {
      throw ApplicationFailure.nonRetryable(
        `refused, nothing changed: team ${team} differs only in case from team ${other}, and IAM names ignore case; rename one of them`,
        SUBMISSION_REFUSED,
      );
    }
  }
}

function refuseBeyondLimit(config: TeamConfig, nowMs: number, maxDays: number, ceiling: number): void {
  const beyond = entriesBeyondLimit(config.temporary, nowMs, maxDays);
  if (beyond.length === 0) return;
  const first = beyond[0]!;
  const capped =
    config.settings.maxTemporaryDays > ceiling
      ? ` (the team sets ${config.settings.maxTemporaryDays}, but the worker's ceiling is ${ceiling}; only the worker's operator can raise it)`
      : '';
  throw ApplicationFailure.nonRetryable(
    `${first.entry.source.file}:${first.entry.source.line}: ${describeExpiryProblem(first, maxDays)}${capped}` +
      (beyond.length > 1 ? ` (and ${beyond.length - 1} more)` : ''),
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
    // The memo lists a grant's expiring copies among what it attaches; they are deleted once detached.
    ...copyArnsOf(entry.memo.attachedArns ?? []),
  };
}

function copyArnsOf(arns: readonly string[]): { copyArns?: string[] } {
  const copies = arns.filter((arn) => parseCopyPolicyName(arn.slice(arn.lastIndexOf('/') + 1)) !== undefined);
  return copies.length ? { copyArns: copies } : {};
}

class PassActions {
  private config: TeamConfig | undefined;
  /** Where the config came from: grants started or re-applied by this pass derive their spec from it. */
  private source: SubmissionRef | undefined;
  private deployer: Deployer | undefined;
  private desired = new Map<string, GrantSpec>();
  private ledger: ReadonlyMap<string, LedgerEntry> = new Map();
  private report = new Report();
  /** When this pass's starts were decided; each grant it starts keeps it in its memo. */
  private decidedAt: string | undefined;

  constructor(
    private readonly deps: PassDeps,
    private readonly request: PassRequest,
  ) {}

  use(
    config: TeamConfig | undefined,
    source: SubmissionRef | undefined,
    desired: readonly GrantSpec[],
    ledger: ReadonlyMap<string, LedgerEntry>,
    report: Report,
    decidedAt: string,
  ): void {
    this.config = config;
    this.source = source;
    this.decidedAt = decidedAt;
    this.deployer = config ? deployerFor(config.settings) : undefined;
    this.desired = new Map(desired.map((g) => [g.id, g]));
    this.ledger = ledger;
    this.report = report;
  }

  /** A pass of a reconcile run that was terminated or reset meanwhile stops before it acts again. */
  async assertCurrent(): Promise<void> {
    const description = await this.deps.temporal.workflow
      .getHandle(reconcileWorkflowId(this.request.team))
      .describe()
      .catch(() => undefined);
    if (description && (description.runId !== this.request.runId || description.status.name !== 'RUNNING')) {
      throw ApplicationFailure.nonRetryable(
        `the reconcile run ${this.request.runId} that asked for this pass is no longer the team's current one; it stops`,
        'PassSuperseded',
      );
    }
  }

  private by(): string {
    return this.request.by ?? this.request.revision?.submittedBy ?? 'grantflow reconcile';
  }

  private revokeRequest(decision: { cause: RevokeDecision['cause'] | 'retired'; reason: string }): RevokeRequest {
    return { reason: decision.reason, origin: 'reconcile', cause: decision.cause, by: this.by() };
  }

  /**
   * A submission is refused, before anything changes, while a principal it grants to lacks the
   * permission boundary the settings require; the error lists each such principal and the fix.
   */
  async refuseUnbounded(grants: readonly GrantSpec[]): Promise<void> {
    const principals = new Map<string, GrantSpec>();
    for (const grant of grants)
      if (grant.permissionsBoundary) principals.set(`${grant.account}/${grant.principalType}/${grant.principal}/${grant.permissionsBoundary}`, grant);
    const problems: string[] = [];
    for (const grant of principals.values()) {
      try {
        const problem = boundaryProblem(grant, await readPermissionsBoundary(this.target(grant), { type: grant.principalType, name: grant.principal }));
        if (problem) problems.push(problem);
      } catch (error) {
        // A principal that does not exist yet is the grant's to report (it retries while IAM propagates).
        if (!(error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound')) throw error;
      }
      this.deps.heartbeat('checking permission boundaries');
    }
    if (problems.length > 0) throw ApplicationFailure.nonRetryable(`refused, nothing changed: ${problems.join('; ')}`, 'PermissionsBoundaryMissing');
  }

  private target(ref: AccountRef): Target {
    return this.deps.accounts.target(ref);
  }

  private error(message: string): void {
    this.report.errors.push(message);
  }

  /** Revokes first (an expiry or removal must not wait behind applies), then everything else. */
  async reconcile(plan: PassPlan, policies: readonly PolicySync[]): Promise<void> {
    const revoked = await this.revoke(plan.revoke);
    this.report.revoked.push(...revoked);
    await this.assertCurrent();
    await this.cleanUp(plan.cleanup);
    await this.record(plan.records);
    await this.syncPolicies(policies);
    await this.assertCurrent();
    // A desired grant whose previous run is still revoking starts once that run has closed, unless an
    // operator's revoke was what it was finishing; a revoke that shares an attachment with a grant
    // about to start (or take a new spec) finishes first too.
    const endings = await this.waitForEnding([...new Set([...plan.waiting, ...plan.revokeFirst.filter((id) => revoked.includes(id))])].sort(compare));
    const waited = new Set(plan.waiting);
    const ended = { open: endings.open.filter((id) => waited.has(id)), early: endings.early.filter((id) => waited.has(id)) };
    const notNow = new Set([...ended.open, ...ended.early]);
    const replacing = new Set(plan.replace.map((r) => r.to));
    const starts = [...plan.start, ...plan.waiting.filter((id) => !notNow.has(id)).map((id) => this.desired.get(id)!)];
    const started = await this.start(starts, replacing);
    this.report.added.push(...started.filter((id) => !replacing.has(id)));
    this.report.kept.push(...(await this.signalReapply(plan.reapply, plan.respec)));
    this.report.sticky.push(...plan.sticky, ...ended.early);
    this.report.waiting.push(...ended.open);
    await this.replace(plan.replace);
    // A policy the YAML dropped is deleted once nothing has it attached: give this pass's revokes a moment to finish.
    if (revoked.length > 0) await this.waitForEnding(revoked);
    const desiredCopies = [...this.desired.values()].flatMap((g) => (g.expiringCopies ?? []).map((c) => c.arn));
    await this.dropUnusedPolicies(new Set(policies.map((p) => p.arn)), new Set(desiredCopies));
  }

  /** Deletes every policy of a retired team that nothing has attached, and reports the others. */
  async dropRetiredPolicies(): Promise<void> {
    const deleted = await this.dropUnusedPolicies(new Set());
    this.report.cleanedObjects += deleted.length;
    for (const [arn, outcome] of Object.entries(this.report.policies)) {
      if (outcome !== 'deleted' && outcome !== 'absent') this.error(`policy ${arn} of the retired team: ${outcome}`);
    }
  }

  /** With no config it may apply, a pass still writes the records that keep early revocations from being forgotten. */
  async keepRemembered(plan: PassPlan): Promise<void> {
    await this.record(plan.records.filter((r) => r.kind === 'reaffirmed'));
  }

  /** Only what cannot wait for the next interval: replacements whose new grant is active, and revokes that follow an operator's. */
  async settle(plan: PassPlan): Promise<void> {
    this.report.revoked.push(...(await this.revoke(plan.revoke.filter((r) => r.cause === 'early'))));
    await this.record(plan.records.filter((r) => r.kind === 'succession'));
    await this.replace(plan.replace);
  }

  /** Grant workflows the ledger lacks (visibility lags a moment behind a start), looked up directly. */
  async lookUp(ids: readonly string[], ledger: Map<string, LedgerEntry>): Promise<void> {
    await eachLimited(
      ids,
      CONCURRENCY,
      async (id) => {
        const entry = await this.describe(id);
        if (entry) ledger.set(id, entry);
      },
      () => this.deps.heartbeat('looking up recent grants'),
    );
  }

  /** One grant workflow's latest run, read directly (strongly consistent, unlike visibility). */
  private async describe(id: string): Promise<LedgerEntry | undefined> {
    try {
      const description = await this.deps.temporal.workflow.getHandle(id).describe();
      return toLedgerEntry(description);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * The team's customer-managed policies, account by account; one that fails does not stop the others, and none stops the pass.
   * A failure a retry can fix (throttling, a 5xx, a lost connection, after the SDK's own quick retries) is tried again
   * in the pass: the grants that need the policy would otherwise wait for the next pass, an interval away.
   */
  private async syncPolicies(policies: readonly PolicySync[]): Promise<void> {
    for (const policy of policies) {
      for (let attempt = 1; ; attempt++) {
        try {
          this.report.policies[policy.arn] = await ensureManagedPolicy(
            this.target({ account: policy.account, environment: policy.environment, deployer: this.deployer! }),
            policy,
          );
          break;
        } catch (error) {
          const retryable = error instanceof GrantflowAwsError ? error.retryable : true;
          if (retryable && attempt < POLICY_SYNC_ATTEMPTS) {
            this.deps.heartbeat(`${policy.arn}: attempt ${attempt} failed, trying again`);
            await sleep(POLICY_SYNC_BACKOFF_MS * 2 ** (attempt - 1));
            continue;
          }
          this.error(`policy ${policy.arn} in ${policy.environment} (${policy.account}): ${(error as Error).message}`);
          break;
        }
      }
      this.deps.heartbeat(policy.arn);
    }
  }

  /** Removes what runs killed from outside (Terminate) or crashed left in IAM, then records it. */
  private async cleanUp(entries: PassPlan['cleanup']): Promise<void> {
    if (!this.deployer) return;
    for (const { entry, record } of entries) {
      const target = targetOf(entry, this.deployer);
      if (!target) continue;
      try {
        const removed = await revokeGrantIam(this.deps, target);
        this.report.cleaned++;
        this.report.cleanedObjects += removed.detached.length + (removed.inline === 'deleted' ? 1 : 0);
        if (ending(entry) === 'abandoned') this.report.terminated.push(entry.id);
        if (record) {
          await this.record([
            {
              id: entry.id,
              kind: 'cleaned',
              cause: record,
              at: entry.closedAt ?? new Date().toISOString(),
              reason: `what its ${entry.status.toLowerCase()} run left in IAM was removed`,
              by: this.by(),
              from: entry,
            },
          ]);
        }
      } catch (error) {
        this.error(`removing what ${entry.id} (${entry.status.toLowerCase()}) left: ${(error as Error).message}`);
      }
      this.deps.heartbeat(entry.id);
    }
  }

  /**
   * Writes record runs, so that visibility keeps saying how each grant stands. A record is written only
   * while no run of its grant is running: such a run is newer than what this pass read from visibility
   * (started a moment before, say), it stands for the grant now, and the next pass decides from it. A
   * record that met one is not counted; one that was to keep the grant revoked early is reported, since
   * the run that stands for the grant instead may hold access (a lifted one is moot: a running run is
   * not sticky, and another pass's record run says the same as this one).
   */
  private async record(records: readonly RecordDecision[]): Promise<void> {
    await eachLimited(
      records,
      CONCURRENCY,
      async (decision) => {
        try {
          const running = await this.startRecord(decision);
          if (!running) this.report.recorded.push(decision.id);
          else if (decision.cause === 'early' && running.memo.record === undefined)
            this.error(
              `did not record that ${decision.id} is revoked early: run ${running.runId} of it is running (${running.state ?? 'state unknown'}, ` +
                `started ${running.startedAt}), newer than this pass's read of the grants; the next pass decides from that run`,
            );
        } catch (error) {
          this.error(`recording that ${decision.id} is ${decision.cause === 'early' ? 'revoked early' : 'no longer sticky'}: ${(error as Error).message}`);
        }
      },
      () => this.deps.heartbeat('recording'),
    );
  }

  /** Starts one record run; when a run of the grant is running, nothing is written and that run is returned. */
  private async startRecord(decision: RecordDecision): Promise<LedgerEntry | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.temporal.workflow.start('grantWorkflow', recordStartOptions(decision, { taskQueue: this.request.taskQueue }));
        return undefined;
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        const running = await this.describe(decision.id);
        if (running?.status === 'RUNNING') return running;
        // It closed in between (another pass's record run ends at once): tried once more.
        if (attempt >= 2) throw error;
      }
    }
  }

  /** Waits (briefly) for grants to close: those still open, and those that turned out revoked early after all. */
  private async waitForEnding(ids: readonly string[]): Promise<{ open: string[]; early: string[] }> {
    const deadline = Date.now() + ENDING_WAIT_MS;
    const open = new Set(ids);
    const early: string[] = [];
    while (open.size > 0 && Date.now() < deadline) {
      for (const id of [...open]) {
        const entry = await this.describe(id);
        if (!entry || entry.status !== 'RUNNING') {
          open.delete(id);
          if (entry && isSticky(entry)) early.push(id);
        }
        this.deps.heartbeat(`waiting for ${open.size} grants to close`);
        if (Date.now() > deadline) break;
      }
      if (open.size > 0) await sleep(250);
    }
    return { open: [...open].sort(compare), early: early.sort(compare) };
  }

  /** Starts grant workflows (an id already running is left as it is); returns the ids started. */
  private async start(grants: readonly GrantSpec[], replacing: ReadonlySet<string>): Promise<string[]> {
    const started: string[] = [];
    await eachLimited(
      grants,
      CONCURRENCY,
      async (spec) => {
        try {
          await this.deps.temporal.workflow.start(
            'grantWorkflow',
            grantStartOptions(spec, {
              taskQueue: this.request.taskQueue,
              reconcileWorkflowId: this.request.reconcileWorkflowId,
              ...(this.request.revision ? { revision: this.request.revision } : {}),
              ...(this.source ? { source: this.source } : {}),
              notifyActive: replacing.has(spec.id),
              ...(this.decidedAt ? { decidedAt: this.decidedAt } : {}),
            }),
          );
          started.push(spec.id);
        } catch (error) {
          this.error(`starting ${spec.id}: ${(error as Error).message}`);
        }
      },
      () => this.deps.heartbeat('starting grants'),
    );
    return started.sort(compare);
  }

  /**
   * Re-applies running grants; each derives its spec from this pass's config (a policy the YAML changed
   * included). A grant that turns out to have ended (visibility lags) is looked up directly: ended
   * early or killed, it stays revoked, and what a Terminate left behind is removed now.
   */
  private async signalReapply(reapply: readonly string[], respec: readonly GrantSpec[]): Promise<string[]> {
    const kept: string[] = [];
    const ended: LedgerEntry[] = [];
    const request: ReapplyRequest = this.source ? { source: this.source } : {};
    await eachLimited(
      [...reapply, ...respec.map((spec) => spec.id)],
      SIGNAL_CONCURRENCY,
      async (id) => {
        try {
          await this.deps.temporal.workflow.getHandle(id).signal(reapplySignal, request);
          kept.push(id);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) {
            this.error(`re-applying ${id}: ${(error as Error).message}`);
            return;
          }
          const entry = await this.describe(id);
          if (entry) ended.push(entry);
        }
      },
      () => this.deps.heartbeat('re-applying grants'),
    );
    for (const entry of ended) if (isSticky(entry)) this.report.sticky.push(entry.id);
    await this.cleanUp(ended.filter((e) => ending(e) === 'abandoned').map((entry) => ({ entry, record: 'early' as const })));
    return kept.sort(compare);
  }

  private async revoke(decisions: readonly { id: string; cause: RevokeDecision['cause'] | 'retired'; reason: string }[]): Promise<string[]> {
    const signalled: string[] = [];
    await eachLimited(
      decisions,
      SIGNAL_CONCURRENCY,
      async (decision) => {
        try {
          await this.deps.temporal.workflow.getHandle(decision.id).signal(revokeSignal, this.revokeRequest(decision));
          signalled.push(decision.id);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) this.error(`revoking ${decision.id}: ${(error as Error).message}`);
        }
      },
      () => this.deps.heartbeat('revoking grants'),
    );
    return signalled.sort(compare);
  }

  /**
   * The new grant first, so there is no moment without access; the old one goes once the new one is
   * active. A new grant that cannot be active yet (its start_date is ahead) leaves the old one for a
   * later pass; so does one that is slow, after a short wait.
   */
  private async replace(pairs: readonly { from: string; to: string }[]): Promise<void> {
    if (pairs.length === 0) return;
    const deadline = Date.now() + REPLACEMENT_WAIT_MS;
    let pending = [...pairs];
    const ready: { from: string; to: string }[] = [];
    while (pending.length > 0) {
      const states = new Map<string, { state: string; startsAt?: string } | undefined>();
      for (const { to } of pending) {
        states.set(to, await this.grantState(to));
        this.deps.heartbeat('waiting for replacements');
        if (Date.now() > deadline) break;
      }
      const split = readyReplacements(
        pending.filter((p) => states.has(p.to)),
        states,
        Date.now(),
      );
      ready.push(...split.ready);
      this.report.waiting.push(...split.notYet);
      const waitFor = new Set([...split.pending, ...pending.filter((p) => !states.has(p.to)).map((p) => p.to)]);
      pending = pending.filter((p) => waitFor.has(p.to));
      if (pending.length === 0 || Date.now() > deadline) break;
      await sleep(250);
    }
    this.report.waiting.push(...pending.map((p) => p.to));
    const revoked = await this.revoke(ready.map((p) => ({ id: p.from, cause: 'superseded' as const, reason: 'replaced by a new expiry' })));
    this.report.replaced.push(...ready.filter((p) => revoked.includes(p.from)));
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

  /**
   * Deletes the team's customer-managed policies no grant uses any more (earlier names included), once
   * nothing has them attached. An expiring copy is kept while a grant the YAML wants may still use it;
   * any other copy nothing has attached goes (one an abandoned apply wrote after its grant's revoke,
   * say), and every copy past its expiry does.
   */
  private async dropUnusedPolicies(wanted: ReadonlySet<string>, wantedCopies: ReadonlySet<string> = new Set()): Promise<string[]> {
    if (!this.config || !this.deployer) return [];
    const deleted: string[] = [];
    for (const [environment, account] of Object.entries(this.config.accounts).sort(([a], [b]) => compare(a, b))) {
      const target = this.target({ account, environment, deployer: this.deployer });
      let owned;
      try {
        owned = await listTeamPolicies(target, this.config.team, { legacy: true });
      } catch (error) {
        this.error(`listing the team's policies in ${environment} (${account}): ${(error as Error).message}`);
        continue;
      }
      for (const policy of owned) {
        if (wanted.has(policy.arn)) continue;
        const copy = parseCopyPolicyName(policy.name);
        if (copy && wantedCopies.has(policy.arn) && Date.parse(copy.expiresAt) > Date.now()) continue;
        try {
          const outcome = await deletePolicyIfUnused(target, policy.arn, this.config.team);
          // A policy still attached somewhere (its grants are being revoked) is tried again next pass.
          if (outcome !== 'in-use') this.report.policies[policy.arn] = outcome;
          if (outcome === 'deleted') deleted.push(policy.arn);
        } catch (error) {
          this.error(`removing unused policy ${policy.arn} in ${environment} (${account}): ${(error as Error).message}`);
        }
        this.deps.heartbeat(policy.arn);
      }
    }
    return deleted;
  }

  /** The sweep, on its own (`grantflow cleanup`): police the limit, clean up after killed runs, then IAM. */
  async sweep(plan: PassPlan, maxDays: number, dryRun: boolean): Promise<void> {
    const beyond = plan.revoke.filter((r) => r.cause === 'beyond-limit');
    if (dryRun) {
      this.report.revoked.push(...beyond.map((r) => r.id));
      this.report.terminated.push(...plan.cleanup.filter((c) => ending(c.entry) === 'abandoned').map((c) => c.entry.id));
    } else {
      this.report.revoked.push(...(await this.revoke(beyond)));
      await this.cleanUp(plan.cleanup);
      await this.record(plan.records);
    }
    await this.sweepIam(plan, maxDays, dryRun);
  }

  /** What should not be in IAM on every principal the team's grant workflows touched within retention. */
  async sweepIam(plan: PassPlan, maxDays: number, dryRun: boolean): Promise<void> {
    if (!this.deployer) return;
    const scopes = new Map<string, { ref: AccountRef; principals: Map<string, { type: 'user' | 'role'; name: string }>; needs: Map<string, string[]> }>();
    const scopeOf = (ref: AccountRef) => {
      const scope = scopes.get(ref.account) ?? { ref, principals: new Map(), needs: new Map() };
      scopes.set(ref.account, scope);
      return scope;
    };
    const live = new Set<string>();
    for (const entry of this.ledger.values()) {
      const target = targetOf(entry, this.deployer);
      if (!target) continue;
      const scope = scopeOf({ account: target.account, environment: target.environment, deployer: this.deployer });
      const key = needsKey(target.principalType, target.principal);
      scope.principals.set(key, { type: target.principalType, name: target.principal });
      if (ending(entry) === 'live') {
        live.add(entry.id);
        scope.needs.set(key, [...(scope.needs.get(key) ?? []), ...target.arns]);
      }
    }
    // Grants this pass started or re-specified hold their policies even before visibility lists them.
    for (const grant of [...plan.start, ...plan.respec]) {
      const key = needsKey(grant.principalType, grant.principal);
      const scope = scopeOf({ account: grant.account, environment: grant.environment, deployer: this.deployer });
      scope.principals.set(key, { type: grant.principalType, name: grant.principal });
      scope.needs.set(key, [...(scope.needs.get(key) ?? []), ...attachedArns(grant)]);
      live.add(grant.id);
    }
    for (const scope of [...scopes.values()].sort((a, b) => compare(a.ref.account, b.ref.account))) {
      try {
        this.report.findings.push(
          ...(await sweepPrincipals(
            this.deps.accounts,
            this.deps.holders,
            {
              team: this.request.team,
              ref: scope.ref,
              principals: [...scope.principals.values()],
              liveGrantIds: live,
              ownNeeds: scope.needs,
              nowMs: Date.now(),
              maxTemporaryDays: maxDays,
              dryRun,
            },
            (name) => this.deps.heartbeat(name),
          )),
        );
      } catch (error) {
        this.error(`sweeping ${scope.ref.environment} (${scope.ref.account}): ${(error as Error).message}`);
      }
    }
  }

  /** Lifts a sticky early revocation and, if the last applied YAML still wants the grant, grants it again. */
  async restore(grantId: string, plan: PassPlan): Promise<RestoreResult> {
    const entry = this.ledger.get(grantId);
    const sticky = plan.sticky.includes(grantId) || isSticky(entry);
    if (!sticky || (entry && ending(entry) === 'live')) {
      const state = entry ? `${ending(entry)}${entry.state ? `, state ${entry.state}` : ''}` : 'no run within retention';
      return { grantId, restored: false, started: false, message: `${grantId} was not revoked early (${state}); nothing to restore` };
    }
    if (entry && ending(entry) === 'abandoned') await this.cleanUp([{ entry }]);
    const spec = this.desired.get(grantId);
    if (!spec) {
      const from = entry ?? this.ledger.get(grantId);
      if (from)
        await this.record([
          { id: grantId, kind: 'lifted', cause: 'lifted', at: new Date().toISOString(), reason: `restored by ${this.by()}`, by: this.by(), from },
        ]);
      return { grantId, restored: true, started: false, message: `${grantId} is no longer in the YAML; it will be granted if its entry is submitted again` };
    }
    const started = await this.start([spec], new Set());
    if (started.length === 0) throw ApplicationFailure.nonRetryable(this.report.errors.items.join('; '), 'RestoreFailed');
    return { grantId, restored: true, started: true, message: `${grantId} restored by ${this.by()} and granted again` };
  }

  /** Revokes every grant of the team, waits for them to finish, then deletes the team's policies. */
  async retire(): Promise<RetireResult> {
    const live = [...this.ledger.values()]
      .filter((e) => ending(e) === 'live' || ending(e) === 'ending')
      .map((e) => e.id)
      .sort(compare);
    const reason = `team retired: ${this.request.reason ?? 'no reason given'}`;
    const revoked = await this.revoke(live.map((id) => ({ id, cause: 'retired' as const, reason })));
    await this.cleanUp(
      [...this.ledger.values()].filter((e) => ['abandoned', 'crashed'].includes(ending(e))).map((entry) => ({ entry, record: 'lifted' as const })),
    );
    // A team submitted again after its retirement starts afresh: an early revoke (Cancel, revoke) is
    // lifted like a Terminate's, so both kinds of stickiness end the same way through a retirement.
    await this.record(
      [...this.ledger.values()]
        .filter((e) => ending(e) === 'early')
        .map((entry) => ({
          id: entry.id,
          kind: 'lifted' as const,
          cause: 'lifted' as const,
          at: new Date().toISOString(),
          reason: 'the team was retired',
          by: this.by(),
          from: entry,
        })),
    );
    const deadline = Date.now() + RETIRE_WAIT_MS;
    const remaining = new Set(live);
    while (remaining.size > 0 && Date.now() < deadline) {
      for (const id of [...remaining]) {
        const entry = await this.describe(id);
        if (!entry || entry.status !== 'RUNNING') remaining.delete(id);
        this.deps.heartbeat(`waiting for ${remaining.size} grants to finish revoking`);
      }
      if (remaining.size > 0) await sleep(500);
    }
    const deleted = remaining.size === 0 ? await this.dropUnusedPolicies(new Set()) : [];
    const left = new Capped<string>();
    left.push(...[...remaining].map((id) => `${id} is still revoking`));
    for (const [arn, outcome] of Object.entries(this.report.policies))
      if (outcome !== 'deleted' && outcome !== 'absent') left.push(`policy ${arn}: ${outcome}`);
    left.push(...this.report.errors.items);
    const revokedList = new Capped<string>();
    revokedList.push(...revoked);
    return {
      revoked: revokedList.items,
      policiesDeleted: deleted.slice(0, SUMMARY_LIST_CAP),
      remaining: left.items,
      counts: { revoked: revoked.length, policiesDeleted: deleted.length, remaining: left.count },
      ...(this.config && this.deployer ? { scope: { accounts: { ...this.config.accounts }, deployer: this.deployer } } : {}),
    };
  }
}
