// A run of a grant workflow as visibility lists it (or as a describe returns it), decoded once: its
// search attributes and memo as one typed record, GrantRow, that every reader of grants builds on
// (the live grants of `status`, the ledger, `show`, `history`, the holders of a policy, `submit`'s
// watch, `doctor`). Visibility lists every run of an id (a grant revoked early, then restored, has
// two), so the latest run of each id is what stands for the grant.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { LedgerMemo } from '../core/ledger';
import {
  GrantAccount,
  GrantEnvironment,
  GrantExpiresAt,
  GrantKind,
  GrantPolicy,
  GrantPrincipal,
  GrantState,
  GrantTeam,
} from '../../workflows/search-attributes';
import type { GrantMemo } from './grant-start';
import { grantQuery, type GrantQuery } from './grant-query';

/** What a grant run's memo may hold: a record run holds fewer fields; an ended run adds how it ended. */
export type GrantRowMemo = LedgerMemo & Partial<GrantMemo> & { refused?: boolean } & Record<string, unknown>;

/** One run of a grant workflow, from visibility or a describe. */
export interface GrantRow {
  id: string;
  runId: string;
  /** The run's status as Temporal names it: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, ... */
  status: string;
  startedAt: string;
  closedAt?: string;
  /** The search attributes; a run that lacks one shows it empty. */
  team: string;
  principal: string;
  account: string;
  environment: string;
  policy: string;
  kind: string;
  /** GrantState as the run last set it: pending, active, revoking, revoked, failed; absent if it never did. */
  state?: string;
  /** GrantExpiresAt, without milliseconds when it has none. */
  expiresAt?: string;
  memo: GrantRowMemo;
}

/** What names a grant: the search attributes every view of grants shows first. */
export type GrantLabels = Pick<GrantRow, 'id' | 'team' | 'principal' | 'account' | 'environment' | 'policy' | 'kind'>;

export function labelsOf(row: GrantRow): GrantLabels {
  return { id: row.id, team: row.team, principal: row.principal, account: row.account, environment: row.environment, policy: row.policy, kind: row.kind };
}

/** The fields of a listed execution (or a description) a row is decoded from. */
export type GrantExecution = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes' | 'memo'>;

export function decodeGrantRow(run: GrantExecution): GrantRow {
  const sa = run.typedSearchAttributes;
  const state = sa.get(GrantState);
  const expires = sa.get(GrantExpiresAt);
  return {
    id: run.workflowId,
    runId: run.runId,
    status: run.status.name,
    startedAt: run.startTime.toISOString(),
    ...(run.closeTime ? { closedAt: run.closeTime.toISOString() } : {}),
    team: sa.get(GrantTeam) ?? '',
    principal: sa.get(GrantPrincipal) ?? '',
    account: sa.get(GrantAccount) ?? '',
    environment: sa.get(GrantEnvironment) ?? '',
    policy: sa.get(GrantPolicy) ?? '',
    kind: sa.get(GrantKind) ?? '',
    ...(state !== undefined ? { state } : {}),
    ...(expires ? { expiresAt: new Date(expires).toISOString().replace('.000Z', 'Z') } : {}),
    memo: (run.memo ?? {}) as GrantRowMemo,
  };
}

/** Every run a query lists, decoded, as it is listed: a caller may stop early. */
export async function* listRows(client: Client, query: string, onEach?: () => void): AsyncGenerator<GrantRow> {
  for await (const execution of client.workflow.list({ query })) {
    onEach?.();
    yield decodeGrantRow(execution);
  }
}

/** Every run of the grant workflows `filter` describes. */
export async function grantRows(client: Client, filter: GrantQuery): Promise<GrantRow[]> {
  const rows: GrantRow[] = [];
  for await (const row of listRows(client, grantQuery(filter))) rows.push(row);
  return rows;
}

/** The latest run of each grant workflow `filter` describes; `onEach` runs per listed execution (a heartbeat, say). */
export async function latestGrantRows(client: Client, filter: GrantQuery, onEach?: () => void): Promise<GrantRow[]> {
  const latest = new Map<string, GrantRow>();
  for await (const row of listRows(client, grantQuery(filter), onEach)) {
    const seen = latest.get(row.id);
    if (seen && Date.parse(seen.startedAt) >= Date.parse(row.startedAt)) continue;
    latest.set(row.id, row);
  }
  return [...latest.values()];
}

/** How many runs of grant workflows `filter` describes (a cheap count: nothing is listed). */
export async function countGrants(client: Client, filter: GrantQuery): Promise<number> {
  return (await client.workflow.count(grantQuery(filter))).count;
}
