// One reconcile workflow per team keeps IAM equal to the team's YAML. It takes submissions, restores,
// sweeps and retirement one at a time (an older revision than the last applied is refused, and so is
// one dated ahead of the server's clock), and on an interval repeats the pass: re-apply live grants
// (drift repair), police max_temporary_days, sweep IAM for what nothing holds.
//
// Its memory is a cache. What a pass decides comes from durable sources, read by its activity each
// time: the team's grant workflows in Temporal visibility (running, and closed runs within retention
// with how they ended, kept true by record runs), grantflow's marks in IAM, and the last applied
// revision and config in this workflow's memo (which a fresh run reads back from its predecessors).
// So a reconcile workflow that was terminated, reset or started fresh behaves as the original would have.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, PassRequest, PassResult } from '../activities';
import { notificationWorkflowId, sinksFor, type SubmissionNotification } from '../src/core/notifications';
import type { notificationWorkflow } from './notifications';
import { describeRevision, isOlderRevision, type Revision } from '../src/core/revision';
import { parseGrantWorkflowId } from '../src/core/ids';
import { nextIntervalDelayMs } from '../src/core/interval-phase';
import {
  adoptSignal,
  grantChangedSignal,
  reconcileStatusQuery,
  restoreUpdate,
  retireUpdate,
  submitUpdate,
  supersedeSignal,
  sweepUpdate,
  type ReconcileInput,
  type ReconcileState,
  type Submission,
} from './messages';

const { reconcileTeam, recoverTeamState } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  // Passes heartbeat as they go; a worker that dies mid-pass is noticed within this.
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

const { notificationPlan } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });

/**
 * Failures of a submission that change nothing and say why: the submitter is told, and operators see
 * the latest in the workflow's state (`doctor`, the Web UI) and hear of it through the notification sinks.
 */
const REFUSALS = new Set(['SubmissionRefused', 'StaleRevision', 'RevisionInFuture', 'BeyondMaxTemporaryDays', 'PermissionsBoundaryMissing', 'WrongTeam']);

const DEFAULT_INTERVAL_MS = 60 * 60 * 1000;
const RETIRE_FINISH_EVERY = '5 minutes';
const RETIRE_FINISH_TRIES = 12;
const HISTORY_LIMIT = 10_000;
/** A revision dated further ahead of the server's clock than this is refused: it would block every later one as "older". */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

export async function reconcileWorkflow(input: ReconcileInput): Promise<void> {
  const { team } = input;
  const { workflowId: selfId, taskQueue } = workflowInfo();
  // A state in the input counts only when this run continues an earlier one (the server says so);
  // a run started by hand with a state of its own reads its predecessors back instead, as far as
  // their configs verify, so a forged state can neither apply a config nor block a later submission.
  const continued = workflowInfo().continuedFromExecutionRunId !== undefined;
  let state: ReconcileState = continued ? (input.state ?? {}) : {};
  let intervalChanged = false;
  let settleSoon = false;
  let retired = false;
  /** Items the retirement has yet to remove. */
  let unfinished = 0;

  // Submissions, restores, sweeps, retirement and interval passes run one at a time, in arrival order.
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  // A fresh run reads back what its predecessors knew (terminated or retired runs included); queued first.
  if (!continued) void serialized(recover);

  setHandler(reconcileStatusQuery, () => ({
    team,
    ...(state.revision ? { revision: state.revision } : {}),
    ...(state.config ? { config: state.config } : {}),
    ...(state.lastPassAt ? { lastPassAt: state.lastPassAt } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
    ...(state.signer ? { signer: state.signer } : {}),
    ...(state.lastRefused ? { lastRefused: state.lastRefused } : {}),
  }));
  // What matters: a replacement became active while its predecessor waits for it, or an operator
  // revoked a grant early (a replacement it raced goes too).
  const endedEarly: NonNullable<ReconcileState['endedEarly']> = [...(state.endedEarly ?? [])].slice(0, 1000);
  settleSoon = endedEarly.length > 0;
  setHandler(grantChangedSignal, (change) => {
    if (change.state === 'active' && (state.waitingReplacements ?? 0) > 0) settleSoon = true;
    if (change.state === 'revoked' && change.cause === 'early') {
      // Visibility may not show the run closed yet when the pass reads it: the pass is told.
      if (endedEarly.length < 1000) endedEarly.push({ id: change.id, ...(change.runId ? { runId: change.runId } : {}), at: change.at });
      settleSoon = true;
    }
  });
  setHandler(submitUpdate, (submission) => serialized(() => applySubmission(submission)), {
    validator: (submission) => {
      const shaped =
        typeof submission?.revision?.submittedAt === 'string' &&
        typeof submission.config?.workflowId === 'string' &&
        typeof submission.config.digest === 'string' &&
        Number.isInteger(submission.config.parts);
      if (!shaped) throw new Error('the submission is not a staged team config with a revision; use `grantflow submit`');
      // Refused where it arrives: a revision whose dates cannot be read would order wrongly against every other.
      for (const [field, value] of [
        ['submittedAt', submission.revision.submittedAt],
        ['committedAt', submission.revision.committedAt],
      ] as const) {
        if (value !== undefined && (typeof value !== 'string' || !Number.isFinite(Date.parse(value)))) {
          throw new Error(
            `the submission's revision ${field} "${String(value)}" is not a date; submit with \`grantflow submit\` (or set GRANTFLOW_REVISION_TIME to an ISO time)`,
          );
        }
      }
      if (!submission.config.workflowId.startsWith(`grantflow-submission/${team}/`))
        throw new Error(`this reconcile workflow is for team ${team}, not for ${submission.config.workflowId}`);
      refuseRetired();
      refuse(submission.revision);
    },
  });
  setHandler(
    restoreUpdate,
    (request) => serialized(async () => (refuseRetired(), (await pass({ mode: 'restore', grantId: request.grantId, by: request.by })).restore!)),
    {
      validator: (request) => {
        refuseRetired();
        if (parseGrantWorkflowId(request?.grantId ?? '')?.team !== team) throw new Error(`${request?.grantId} is not a grant of team ${team}`);
      },
    },
  );
  // A sweep only removes: it is open on a retired team too (its leftovers are found through the
  // scope the retirement recorded), which is how `grantflow cleanup` finishes a retirement.
  setHandler(sweepUpdate, (request) => serialized(async () => (await pass({ mode: 'sweep', dryRun: request.dryRun, by: request.by })).sweep!));
  setHandler(
    retireUpdate,
    (request) =>
      serialized(async () => {
        refuseRetired();
        const result = (await pass({ mode: 'retire', by: request.by, reason: request.reason })).retire!;
        if (state.config) await supersede(state.config.workflowId);
        // Nothing of the team's past applies to a team submitted again later: it starts afresh. Where
        // its objects were is kept, so that what the retirement could not remove yet is still found.
        state = { retiredAt: new Date(Date.now()).toISOString(), ...(result.scope ? { retiredScope: result.scope } : {}) };
        remember();
        retired = true;
        unfinished = result.counts.remaining;
        return result;
      }),
    { validator: (_request) => refuseRetired() },
  );

  /** A retired team's reconcile workflow is ending: anything queued behind the retirement is refused. */
  function refuseRetired(): void {
    if (!retired) return;
    const finishing = unfinished > 0 ? ` (it is still removing ${unfinished} leftover item(s); \`grantflow cleanup ${team}\` does it now)` : '';
    throw ApplicationFailure.nonRetryable(`team ${team} was retired${finishing}; submit it again, once that has ended, to start it afresh`, 'TeamRetired');
  }

  /**
   * What the retirement could not remove yet (a grant still revoking, a policy still attached) is
   * tried again every few minutes, for up to an hour, before the workflow ends; after that,
   * `grantflow cleanup <team>` finds it through the scope the retirement recorded.
   */
  async function finishRetirement(): Promise<void> {
    for (let attempt = 0; unfinished > 0 && attempt < RETIRE_FINISH_TRIES; attempt++) {
      await sleep(RETIRE_FINISH_EVERY);
      try {
        unfinished = (await serialized(() => pass({ mode: 'retire', by: 'grantflow', reason: 'finishing the retirement' }))).retire?.counts.remaining ?? 0;
      } catch (error) {
        log.warn('finishing the retirement failed; trying again', { team, error: (error as Error).message });
      }
    }
  }

  /** Refuses a revision older than the last applied one, or dated ahead of the server's clock. */
  function refuse(revision: Revision): void {
    if (state.revision && isOlderRevision(revision, state.revision)) {
      throw ApplicationFailure.nonRetryable(
        `revision ${describeRevision(revision)} is older than the last applied revision ${describeRevision(state.revision)}; refused`,
        'StaleRevision',
      );
    }
    const dated = Math.max(Date.parse(revision.submittedAt), Date.parse(revision.committedAt ?? revision.submittedAt));
    if (dated > Date.now() + FUTURE_TOLERANCE_MS) {
      throw ApplicationFailure.nonRetryable(
        `revision ${describeRevision(revision)} is dated ${new Date(dated).toISOString()}, ahead of the server's clock (${new Date(Date.now()).toISOString()}); ` +
          'refused, because it would make every later submission look older. Fix the clock of the machine that made the commit, or set GRANTFLOW_REVISION_TIME',
        'RevisionInFuture',
      );
    }
  }

  async function recover(): Promise<void> {
    state = await recoverTeamState({ team, runId: workflowInfo().runId });
    // The loop began timing with the default interval before the state was back: time it again.
    if (state.reconcileIntervalMs !== undefined) intervalChanged = true;
    remember();
  }

  function remember(): void {
    upsertMemo({ state: { ...state } });
  }

  /** Runs a pass of `mode` over the team's last applied config (or the one given), and keeps the facts it returns. */
  async function pass(request: Pick<PassRequest, 'mode'> & Partial<PassRequest>): Promise<PassResult> {
    let result: PassResult;
    try {
      result = await reconcileTeam({
        team,
        reconcileWorkflowId: selfId,
        runId: workflowInfo().runId,
        taskQueue,
        ...(state.config ? { config: state.config } : {}),
        ...(state.revision ? { revision: state.revision } : {}),
        ...(state.receivedAt ? { receivedAt: state.receivedAt } : {}),
        ...request,
      });
    } catch (error) {
      state.lastError = error instanceof ActivityFailure && error.cause ? error.cause.message : (error as Error).message;
      const type = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause.type : undefined;
      if (request.mode === 'submit' && type && REFUSALS.has(type)) await noteRefusal(state.lastError, request);
      remember();
      // The caller (`grantflow submit`, say) is told why, not that "an activity failed".
      if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
        throw ApplicationFailure.create({ message: error.cause.message, type: error.cause.type ?? 'PassFailed', nonRetryable: true });
      }
      throw error;
    }
    delete state.lastError;
    if (result.signer) state.signer = result.signer;
    state.lastPassAt = new Date(Date.now()).toISOString();
    if (result.summary) state.waitingReplacements = result.summary.waiting.length;
    remember();
    return result;
  }

  /** A refused submission, kept in the state (its latest) and told to the sinks that want `refused`. */
  let refusals = 0;
  async function noteRefusal(reason: string, request: Partial<PassRequest>): Promise<void> {
    const at = new Date(Date.now()).toISOString();
    state.lastRefused = {
      at,
      reason,
      ...(request.revision ? { revision: request.revision } : {}),
      ...(request.config ? { workflowId: request.config.workflowId } : {}),
    };
    const plan = await notificationPlan().catch(() => undefined);
    if (!plan) return;
    const message: SubmissionNotification = {
      event: 'refused',
      at,
      submission: {
        team,
        reconcileId: selfId,
        runId: workflowInfo().runId,
        ...(request.config ? { staged: request.config.workflowId } : {}),
        ...(request.revision ? { revision: describeRevision(request.revision) } : {}),
      },
      error: reason,
      sequence: refusals++,
    };
    for (const sink of sinksFor(plan, message)) {
      await startChild<typeof notificationWorkflow>('notificationWorkflow', {
        workflowId: notificationWorkflowId(sink, message),
        args: [{ sink, message }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      }).catch((error: Error) => log.warn('could not start a notification', { team, sink, error: error.message }));
    }
  }

  async function supersede(workflowId: string): Promise<void> {
    try {
      await getExternalWorkflowHandle(workflowId).signal(supersedeSignal);
    } catch (error) {
      log.warn('could not end a superseded submission workflow', { workflowId, error: (error as Error).message });
    }
  }

  async function applySubmission(submission: Submission) {
    refuseRetired();
    refuse(submission.revision);
    const receivedAt = new Date(Date.now()).toISOString();
    const result = await pass({ mode: 'submit', config: submission.config, revision: submission.revision, receivedAt });
    const previous = state.config;
    state.config = submission.config;
    state.revision = submission.revision;
    state.receivedAt = receivedAt;
    if (state.reconcileIntervalMs !== submission.settings.reconcileIntervalMs) intervalChanged = true;
    state.reconcileIntervalMs = submission.settings.reconcileIntervalMs;
    remember();
    await getExternalWorkflowHandle(submission.config.workflowId).signal(adoptSignal, { revision: submission.revision });
    if (previous && previous.workflowId !== submission.config.workflowId) await supersede(previous.workflowId);
    return result.summary!;
  }

  /** A pass that fails (IAM or Temporal unreachable for longer than the activity retries) is logged and tried again next time. */
  async function background(mode: 'interval' | 'settle', endedEarly: PassRequest['endedEarly'] = []): Promise<void> {
    if (!state.config) return;
    try {
      const { summary, sweep } = await pass({ mode, ...(endedEarly.length ? { endedEarly } : {}) });
      log.info(`${mode} pass`, {
        team,
        kept: summary?.counts.kept,
        added: summary?.counts.added,
        revoked: summary?.counts.revoked,
        swept: sweep?.findings.length,
        errors: [...(summary?.errors ?? []), ...(sweep?.errors ?? [])],
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn(`${mode} pass failed; the next one tries again`, { team, error: (error as Error).message });
    }
  }

  const historyLimit = input.historyLimit ?? HISTORY_LIMIT;
  const wantsContinueAsNew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;
  for (;;) {
    const interval = state.reconcileIntervalMs ?? DEFAULT_INTERVAL_MS;
    // Teams on the same interval pass at their own phase of it rather than together.
    const wait = nextIntervalDelayMs(team, interval, Date.now());
    const woken = await condition(() => wantsContinueAsNew() || intervalChanged || settleSoon || retired, wait);
    if (retired) {
      await finishRetirement();
      break;
    }
    if (intervalChanged) {
      // A submission set a new interval: start timing it from now.
      intervalChanged = false;
      continue;
    }
    if (settleSoon) {
      settleSoon = false;
      const told = endedEarly.splice(0);
      await serialized(() => background('settle', told));
    } else if (!woken) await serialized(() => background('interval'));
    if (wantsContinueAsNew()) {
      await condition(allHandlersFinished);
      // The memo (state) goes along, and so do signals not yet acted on.
      const carried: ReconcileState = { ...state, ...(endedEarly.length ? { endedEarly: [...endedEarly] } : {}) };
      await makeContinueAsNewFunc<typeof reconcileWorkflow>({ memo: workflowInfo().memo ?? {} })({
        team,
        state: carried,
        ...(input.historyLimit ? { historyLimit: input.historyLimit } : {}),
      });
    }
  }
  await condition(allHandlersFinished);
}
