// Keeps a worker's share of each account's IAM call budget in step with the number of workers
// serving its task queue, as Temporal sees them polling (src/core/worker-share.ts does the count).
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { workerShare, type PollerSighting } from '../core/worker-share';
import { protoMs } from './proto-time';
import { repeatEvery } from './repeat';

/** How often a worker asks Temporal who else polls its task queue. */
export const SHARE_REFRESH_MS = 5000;

const QUEUE_TYPES = [temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY];

/**
 * Every worker Temporal has seen polling the task queue for workflow or activity tasks: grants make
 * their IAM calls from local activities (workflow pollers), reconcile passes from activities, and a
 * worker busy with one kind may have stopped polling for it.
 */
export async function taskQueuePollers(client: Client, namespace: string, taskQueue: string): Promise<PollerSighting[]> {
  const answers = await Promise.all(
    QUEUE_TYPES.map((taskQueueType) => client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType })),
  );
  return answers.flatMap((answer) =>
    (answer.pollers ?? []).map((poller) => {
      const lastAccessMs = protoMs(poller.lastAccessTime);
      return { identity: poller.identity ?? '', ...(lastAccessMs !== undefined ? { lastAccessMs } : {}) };
    }),
  );
}

export interface ShareWatchOptions {
  client: Client;
  namespace: string;
  taskQueue: string;
  /** This worker's identity, as it polls. */
  identity: string;
  /** Given the number of workers whenever it is counted. */
  apply: (workers: number) => void;
  everyMs?: number;
}

/** Counts the workers once now; a failed count keeps the share it had. */
export async function refreshShare(options: ShareWatchOptions, nowMs = Date.now): Promise<void> {
  try {
    const pollers = await taskQueuePollers(options.client, options.namespace, options.taskQueue);
    options.apply(workerShare(pollers, nowMs(), options.identity));
  } catch {
    // Temporal unreachable: the worker cannot poll for new work either; the last count stands.
  }
}

/** Counts the workers every `everyMs` until stopped; one count at a time. */
export function watchShare(options: ShareWatchOptions): { stop(): void } {
  return repeatEvery(options.everyMs ?? SHARE_REFRESH_MS, (stopped) =>
    refreshShare({ ...options, apply: (workers: number) => (stopped() ? undefined : options.apply(workers)) }),
  );
}

/** In the identity of a worker that accepts unsigned submissions, so that `doctor` names it wherever it runs. */
export const INSECURE_IDENTITY_MARK = 'insecure-accept-unsigned';

/** The identity a worker polls with (Temporal's usual pid@host unless given), marked when the worker accepts unsigned submissions. */
export function workerIdentity(options: { insecure: boolean }, base = `${process.pid}@${os.hostname()}`): string {
  return options.insecure && !isInsecureIdentity(base) ? `${base} ${INSECURE_IDENTITY_MARK}` : base;
}

export function isInsecureIdentity(identity: string): boolean {
  return identity.split(/\s+/).includes(INSECURE_IDENTITY_MARK);
}
