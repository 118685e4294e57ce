// One grant in full, for `grantflow show`: every run of its workflow (visibility), the latest run's
// search attributes and memo, its status query when a worker answers, and the state changes each
// run recorded in its history (the GrantState search attribute as it was upserted, with the time).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { GrantStatus } from '../../workflows/messages';
import { grantStatusWithin } from './grant-operations';
import { GrantState } from '../../workflows/search-attributes';
import { workflowRunsQuery } from './grant-query';
import { decodeGrantRow, labelsOf, listRows, type GrantLabels, type GrantRow as GrantRunRow } from './grant-rows';
import { protoMs } from './proto-time';

/** How many of a grant's most recent runs have their history read for state changes. */
const RUNS_WITH_HISTORY = 5;
const QUERY_TIMEOUT_MS = 5_000;

export interface GrantRun {
  runId: string;
  status: string;
  startedAt: string;
  closedAt?: string;
}

export interface StateChange {
  at: string;
  state: string;
  runId: string;
}

export interface GrantDetails extends GrantLabels {
  state: string;
  status: string;
  expiresAt?: string;
  memo: Record<string, unknown>;
  /** The status query of the latest run; absent when no worker answered. */
  live?: GrantStatus;
  runs: GrantRun[];
  stateChanges: StateChange[];
}

function runOf(row: GrantRunRow): GrantRun {
  return { runId: row.runId, status: row.status, startedAt: row.startedAt, ...(row.closedAt ? { closedAt: row.closedAt } : {}) };
}

/** A keyword search attribute's value from its payload (JSON, sometimes a one-element list). */
function decodeKeyword(payload: { data?: Uint8Array | null } | null | undefined): string | undefined {
  if (!payload?.data) return undefined;
  try {
    const value = JSON.parse(Buffer.from(payload.data).toString('utf8')) as unknown;
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : undefined;
  } catch {
    return undefined;
  }
}

async function stateChangesOf(client: Client, id: string, runId: string): Promise<StateChange[]> {
  const history = await client.workflow.getHandle(id, runId).fetchHistory();
  const changes: StateChange[] = [];
  for (const event of history.events ?? []) {
    const fields =
      event.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields ??
      event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    const state = decodeKeyword(fields?.[GrantState.name]);
    const ms = protoMs(event.eventTime);
    if (state && ms !== undefined) changes.push({ at: new Date(ms).toISOString(), state, runId });
  }
  return changes;
}

/** Everything Temporal knows of one grant; undefined when it has no run within retention. */
export async function readGrantDetails(client: Client, id: string): Promise<GrantDetails | undefined> {
  let latest: GrantRunRow;
  try {
    latest = decodeGrantRow(await client.workflow.getHandle(id).describe());
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
  const runs = new Map<string, GrantRun>();
  for await (const row of listRows(client, workflowRunsQuery(id))) runs.set(row.runId, runOf(row));
  // Visibility may not list the latest run yet.
  runs.set(latest.runId, runOf(latest));
  const ordered = [...runs.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const stateChanges = (await Promise.all(ordered.slice(-RUNS_WITH_HISTORY).map((run) => stateChangesOf(client, id, run.runId)))).flat();
  const live = await grantStatusWithin(client, id, QUERY_TIMEOUT_MS);
  return {
    ...labelsOf(latest),
    id,
    state: live?.state ?? latest.state ?? '',
    status: latest.status,
    ...(latest.expiresAt ? { expiresAt: latest.expiresAt } : {}),
    memo: latest.memo,
    ...(live ? { live } : {}),
    runs: ordered,
    stateChanges: stateChanges.sort((a, b) => a.at.localeCompare(b.at)),
  };
}
