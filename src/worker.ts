// The grantflow worker: runs the grant and reconcile workflows and the IAM activities.
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { AccountClients, type CallObserver, type CallOutcomeObserver } from './aws/accounts';
import { createIdentityCenter, type IdentityCenter } from './aws/identity-center';
import type { IdentityCenterSettings } from './core/identity-center';
import { VisibilityHolderDirectory, type HolderDirectory } from './temporal/holders';
import { refreshShare, watchShare, workerIdentity, type ShareWatchOptions } from './temporal/worker-share';
import { watchReconciles } from './temporal/reconcile-keeper';
import { createActivities, DEFAULT_AUTHORITY, type Authority } from '../activities';
import type { NotificationSink } from './core/notification-sink';

export { DEFAULT_AUTHORITY };

/**
 * Written by `npm run build` (scripts/bundle-workflows.js), so the worker starts without bundling.
 * Nothing here checks that it is newer than the workflow code: `npm run build` writes both, and
 * `npm run grantflow` / `npm run demo` rebuild when a source is newer (scripts/ensure-built.js).
 */
export const PREBUILT_BUNDLE = path.resolve(__dirname, '..', 'workflow-bundle.js');
const WORKFLOWS_PATH = require.resolve('../workflows');

let bundlePromise: Promise<WorkflowBundleOption> | undefined;

/** The prebuilt bundle if there is one, else a bundle made now from lib/workflows. */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  bundlePromise ??= (async () => {
    if (fs.existsSync(PREBUILT_BUNDLE)) return { codePath: PREBUILT_BUNDLE };
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
    return { code };
  })();
  return bundlePromise;
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`bundler: ${message}\n`),
  error: (message: string) => process.stderr.write(`bundler: ${message}\n`),
  log: () => undefined,
};

/** Workflows kept in memory unless the worker is told otherwise. */
export const DEFAULT_CACHED_WORKFLOWS = 100;
/**
 * Workflow tasks a worker runs at once. A revoke or a quick apply runs inside its workflow task, so
 * with the SDK's 40, 200 grants expiring together waited for a slot in turn. Half the cache: a task
 * for a workflow that is not cached always finds a place to load it, where with one slot per cached
 * workflow a new grant's first task could wait until its timeout for a cached one to finish.
 */
function workflowTaskSlots(cached: number): number {
  return Math.max(2, Math.floor(cached / 2));
}
/** Polls for workflow tasks a worker keeps open, as many on the normal queue as on its sticky one. */
const WORKFLOW_TASK_POLLS = 20;
/** Local activities a worker runs at once: every cached workflow's, so none waits for a slot. */
const LOCAL_ACTIVITY_SLOTS = 5000;
/** Activity tasks a worker runs at once: a burst of applies, and the passes beside them. */
const ACTIVITY_SLOTS = 5000;

export interface WorkerOptions {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  taskQueue: string;
  iamCallsPerSecond: number;
  /** Workflows kept in memory (default 100); sleeping grants beyond it are replayed from their short histories when they wake. */
  maxCachedWorkflows?: number;
  observer?: CallObserver;
  /** Each AWS call once answered (the metrics endpoint counts them). */
  outcomes?: CallOutcomeObserver;
  holders?: HolderDirectory;
  identity?: string;
  /**
   * Whose submissions the worker applies and the guardrails they must meet, which the worker's
   * operator sets and no submission can lower (default: no trusted key, max_temporary_days ceiling 6).
   */
  authority?: Authority;
  /** Webhook sinks the grant workflows notify (grantflow.yaml `notifications:`). */
  notifications?: { sinks: readonly NotificationSink[]; webUiUrl?: string };
  /** The IAM Identity Center instance the worker assigns permission sets in (its configuration's `identity_center`). */
  identityCenter?: IdentityCenterSettings;
  /** Told the number of workers serving the task queue (this one included) whenever it changes. */
  onShareChange?: (workers: number) => void;
  /** How often the workers serving the task queue are counted (default 5 s). */
  shareRefreshMs?: number;
  /**
   * Start again, every few minutes, the reconcile workflow of each team on the task queue that lacks
   * one (not retired), so its passes never wait for a submission (default on; `everyMs` for tests).
   */
  keepReconciles?: boolean | { everyMs: number };
  /** Told the teams whose reconcile workflow it started again. */
  onReconcilesStarted?: (teams: string[]) => void;
  /** The retention passes reckon with instead of the namespace's: tests only, which cannot wait a day for a run to age. */
  assumeRetentionMs?: number;
}

export async function createWorker(options: WorkerOptions): Promise<{ worker: Worker; accounts: AccountClients; identityCenter?: IdentityCenter }> {
  const observers = { ...(options.observer ? { observer: options.observer } : {}), ...(options.outcomes ? { outcomes: options.outcomes } : {}) };
  const accounts = new AccountClients({ iamCallsPerSecond: options.iamCallsPerSecond, ...observers });
  const identityCenter = options.identityCenter ? createIdentityCenter(options.identityCenter, observers) : undefined;
  const authority = options.authority ?? DEFAULT_AUTHORITY;
  const activities = createActivities({
    accounts,
    ...(identityCenter ? { identityCenter } : {}),
    holders: options.holders ?? new VisibilityHolderDirectory(options.client),
    temporal: options.client,
    namespace: options.namespace,
    authority,
    ...(options.assumeRetentionMs !== undefined ? { assumeRetentionMs: options.assumeRetentionMs } : {}),
    ...(options.notifications ? { notifications: options.notifications } : {}),
  });
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: workflowTaskSlots(options.maxCachedWorkflows ?? DEFAULT_CACHED_WORKFLOWS),
    // A burst's new grants (and the grants a mass expiry wakes after their eviction) arrive on the task
    // queue's normal queue, not the worker's sticky one: with the SDK's 2 of 10 polls there, a burst's
    // first tasks waited seconds for a poll while slots stood free.
    maxConcurrentWorkflowTaskPolls: Math.min(WORKFLOW_TASK_POLLS, workflowTaskSlots(options.maxCachedWorkflows ?? DEFAULT_CACHED_WORKFLOWS)),
    nonStickyToStickyPollRatio: 1,
    // A grant's apply runs as an activity task that spends most of its life waiting for the account's
    // call budget (a promise, not a thread): a burst's applies all wait here, in the budget's order,
    // rather than in the server's queue, where a reconcile pass's activity would wait behind them.
    maxConcurrentActivityTaskExecutions: ACTIVITY_SLOTS,
    // A revoke's local activity (or an apply of a grant started before applies became activity
    // tasks) can spend most of its life waiting for the account's call budget, which
    // costs a promise, not a thread. With few slots, a revoke's local activity would wait for a slot
    // behind queued applies before its calls could go first in the budget (src/aws/rate-limit.ts).
    maxConcurrentLocalActivityExecutions: LOCAL_ACTIVITY_SLOTS,
    shutdownGraceTime: '20 seconds',
    // `doctor` reads the pollers' identities: a worker that accepts unsigned submissions says so in its own.
    identity: workerIdentity({ insecure: authority.trust.insecureAcceptUnsigned }, options.identity),
  });
  // `iamCallsPerSecond` is per account for the deployment: this worker spends 1/N of it, N being the
  // workers Temporal sees polling the task queue. Counted once before the worker polls (a worker
  // joining others starts at its share), then while it runs.
  const share: ShareWatchOptions = {
    client: options.client,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    identity: worker.options.identity,
    apply: (workers) => {
      if (workers === accounts.currentShare()) return;
      accounts.setShare(workers);
      // The Identity Center instance's rate and creations in flight are shared the same way.
      identityCenter?.clients.setShare(workers);
      options.onShareChange?.(workers);
    },
    ...(options.shareRefreshMs ? { everyMs: options.shareRefreshMs } : {}),
  };
  await refreshShare(share);
  // `runUntil` calls `run` too, so every way of running the worker counts the workers while it runs.
  const run = worker.run.bind(worker);
  const keep = options.keepReconciles ?? true;
  worker.run = async () => {
    const watch = watchShare(share);
    const keeper = keep
      ? watchReconciles({
          client: options.client,
          taskQueue: options.taskQueue,
          ...(typeof keep === 'object' ? { everyMs: keep.everyMs } : {}),
          ...(options.onReconcilesStarted ? { onStarted: options.onReconcilesStarted } : {}),
        })
      : undefined;
    try {
      await run();
    } finally {
      watch.stop();
      keeper?.stop();
      // The Identity Center clients are the worker's own: they end with it (the IAM clients are the caller's to destroy).
      identityCenter?.clients.destroy();
    }
  };
  return { worker, accounts, ...(identityCenter ? { identityCenter } : {}) };
}
