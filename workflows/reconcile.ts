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
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, PassRequest, PassResult } from '../activities';
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

const DEFAULT_INTERVAL_MS = 60 * 60 * 1000;
const HISTORY_LIMIT = 10_000;
/** A revision dated further ahead of the server's clock than this is refused: it would block every later one as "older". */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

export async function reconcileWorkflow(input: ReconcileInput): Promise<void> {
  const { team } = input;
  const { workflowId: selfId, taskQueue } = workflowInfo();
  let state: ReconcileState = input.state ?? {};
  let intervalChanged = false;
  let settleSoon = false;
  let retired = false;

  // Submissions, restores, sweeps, retirement and interval passes run one at a time, in arrival order.
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  // A fresh run reads back what its predecessors knew (terminated or retired runs included); queued first.
  if (!input.state) void serialized(recover);

  setHandler(reconcileStatusQuery, () => ({
    team,
    ...(state.revision ? { revision: state.revision } : {}),
    ...(state.config ? { config: state.config } : {}),
    ...(state.lastPassAt ? { lastPassAt: state.lastPassAt } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
  }));
  // Grants started by earlier releases report every ending. What matters: a replacement became active
  // while its predecessor waits for it, or an operator revoked a grant early (a replacement it raced goes too).
  const endedEarly: NonNullable<ReconcileState['endedEarly']> = [...(state.endedEarly ?? [])];
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
  setHandler(
    sweepUpdate,
    (request) => serialized(async () => (refuseRetired(), (await pass({ mode: 'sweep', dryRun: request.dryRun, by: request.by })).sweep!)),
    {
      validator: (_request) => refuseRetired(),
    },
  );
  setHandler(
    retireUpdate,
    (request) =>
      serialized(async () => {
        refuseRetired();
        const result = (await pass({ mode: 'retire', by: request.by, reason: request.reason })).retire!;
        if (state.config) await supersede(state.config.workflowId);
        // Nothing of the team's past applies to a team submitted again later: it starts afresh.
        state = { retiredAt: new Date(Date.now()).toISOString() };
        remember();
        retired = true;
        return result;
      }),
    { validator: (_request) => refuseRetired() },
  );

  /** A retired team's reconcile workflow is ending: anything queued behind the retirement is refused. */
  function refuseRetired(): void {
    if (retired) throw ApplicationFailure.nonRetryable(`team ${team} was retired; submit it again to start it afresh`, 'TeamRetired');
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
      remember();
      // The caller (`grantflow submit`, say) is told why, not that "an activity failed".
      if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
        throw ApplicationFailure.create({ message: error.cause.message, type: error.cause.type ?? 'PassFailed', nonRetryable: true });
      }
      throw error;
    }
    delete state.lastError;
    state.lastPassAt = new Date(Date.now()).toISOString();
    if (result.summary) state.waitingReplacements = result.summary.waiting.length;
    remember();
    return result;
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
    // Teams on the same interval pass at their own phase of it rather than together; workflows of
    // earlier releases keep timing a whole interval from the last pass.
    const wait = patched('interval-phase') ? nextIntervalDelayMs(team, interval, Date.now()) : interval;
    const woken = await condition(() => wantsContinueAsNew() || intervalChanged || settleSoon || retired, wait);
    if (retired) break;
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
      // The memo (generation, state) goes along, and so do signals not yet acted on.
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
