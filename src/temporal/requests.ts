// What the command line (and the reconcile pass) ask of break-glass request workflows: start one,
// read its status, send an approval or a denial, list requests, and nudge granted ones to look for
// the YAML entry that records their grant.
import crypto from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { RequestAsk, SignedApproval } from '../core/break-glass';
import { requestWorkflowId } from '../core/ids';
import { formatDuration } from '../core/time';
import {
  approveUpdate,
  denyUpdate,
  ratifySignal,
  requestStatusQuery,
  type ApproveResult,
  type RequestInput,
  type RequestOutcome,
  type RequestStatus,
  type SubmissionRef,
} from '../../workflows/messages';
import { requestSearchAttributes } from '../../workflows/search-attributes';
import { requestQuery, type RequestQuery } from './grant-query';
import { askPatiently } from './patience';
import { decodeGrantRow, listRows, type GrantRow } from './grant-rows';

/** Ten letters and digits at random: a request id no one can guess or reuse. */
export function requestNonce(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...crypto.randomBytes(10)].map((byte) => alphabet[byte % 32]).join('');
}

/** Starts a request; the worker checks it against the rule in force before anyone is asked to approve. */
export async function startRequest(client: Client, ask: RequestAsk, options: { taskQueue: string; nonce?: string }): Promise<string> {
  const id = requestWorkflowId(ask.team, options.nonce ?? requestNonce());
  await client.workflow.start<(input: RequestInput) => Promise<RequestOutcome>>('requestWorkflow', {
    workflowId: id,
    taskQueue: options.taskQueue,
    args: [ask],
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: requestSearchAttributes(ask, 'checking'),
    // What `grantflow requests` lists beside the search attributes (the starter's words; the worker's terms are in the status).
    memo: {
      rule: ask.rule,
      duration: formatDuration(ask.durationMs),
      reason: ask.reason,
      ...(ask.ticket ? { ticket: ask.ticket } : {}),
      requestedBy: ask.requestedBy,
    },
  });
  return id;
}

/** The request's status; a worker that is away is waited for. */
export async function requestStatus(client: Client, id: string, onWait?: (line: string) => void): Promise<RequestStatus> {
  return askPatiently(() => client.workflow.getHandle(id).query(requestStatusQuery), {
    waitingFor: `the worker of request ${id}`,
    ...(onWait ? { onWait } : {}),
  });
}

/** Polls the request's status until `done` says so; undefined if `timeoutMs` passes first. */
export async function waitForRequest(
  client: Client,
  id: string,
  done: (status: RequestStatus) => boolean,
  options: { timeoutMs: number; everyMs?: number; onChange?: (status: RequestStatus) => void },
): Promise<RequestStatus | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let last: string | undefined;
  for (;;) {
    const status = await requestStatus(client, id);
    if (status.state !== last) {
      last = status.state;
      options.onChange?.(status);
    }
    if (done(status)) return status;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 250));
  }
}

/** Sends one approval; a worker that is away is waited for, and an approval sent again after a lost answer is one approval. */
export async function approveRequest(client: Client, id: string, approval: SignedApproval, onWait?: (line: string) => void): Promise<ApproveResult> {
  const updateId = crypto.randomUUID();
  return askPatiently(() => client.workflow.getHandle(id).executeUpdate(approveUpdate, { updateId, args: [{ approval }] }), {
    waitingFor: `the worker of request ${id}`,
    ...(onWait ? { onWait } : {}),
  });
}

/** Denies an open request; as patient as an approval. */
export async function denyRequest(
  client: Client,
  id: string,
  request: { by: string; reason: string },
  onWait?: (line: string) => void,
): Promise<RequestStatus> {
  const updateId = crypto.randomUUID();
  return askPatiently(() => client.workflow.getHandle(id).executeUpdate(denyUpdate, { updateId, args: [request] }), {
    waitingFor: `the worker of request ${id}`,
    ...(onWait ? { onWait } : {}),
  });
}

/** A request as visibility lists it. */
export interface RequestRow {
  id: string;
  state: string;
  team: string;
  principal: string;
  environment: string;
  policy: string;
  status: string;
  startedAt: string;
  memo: GrantRow['memo'];
}

/** The latest run of each request that visibility lists (running, and closed within retention), newest first. */
export async function listRequests(client: Client, filter: RequestQuery = {}): Promise<RequestRow[]> {
  const rows = new Map<string, GrantRow>();
  for await (const row of listRows(client, requestQuery(filter))) {
    const seen = rows.get(row.id);
    if (!seen || Date.parse(row.startedAt) > Date.parse(seen.startedAt)) rows.set(row.id, row);
  }
  return [...rows.values()]
    .map((row) => ({
      id: row.id,
      state: row.state ?? '',
      team: row.team,
      principal: row.principal,
      environment: row.environment,
      policy: row.policy,
      status: row.status,
      startedAt: row.startedAt,
      memo: row.memo,
    }))
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? -1 : 1));
}

/** A request as a describe returns it (visibility may not list one started a moment ago). */
export async function describeRequest(client: Client, id: string): Promise<GrantRow> {
  return decodeGrantRow(await client.workflow.getHandle(id).describe());
}

/**
 * Tells the team's running requests of a submission (after its pass): a granted one looks for its
 * YAML entry and whether its rule still stands; one approved while the pass ran does so once granted.
 * Returns how many were told.
 */
export async function nudgeRatification(client: Client, team: string, config?: SubmissionRef): Promise<number> {
  let told = 0;
  for await (const row of listRows(client, requestQuery({ team, running: true }))) {
    try {
      await client.workflow.getHandle(row.id).signal(ratifySignal, config ? { config } : {});
      told++;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return told;
}
