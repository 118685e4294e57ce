// A run of a grant workflow as visibility lists it (or as a describe returns it), decoded once: its
// search attributes and memo as one typed record, GrantRow, that every reader of grants builds on
// (the live grants of `status`, the ledger, `show`, `history`, the holders of a policy, `submit`'s
// watch, `doctor`). Visibility lists every run of an id (a grant revoked early, then restored, has
// two), so the latest run of each id is what stands for the grant.
import { ServiceError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
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

type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;

/** The run statuses by their code, as Temporal's SDK names them. */
const STATUS_NAMES = ['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT', 'PAUSED'];

function protoDate(time: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined): Date | undefined {
  if (!time?.seconds && !time?.nanos) return undefined;
  const seconds = typeof time.seconds === 'number' ? time.seconds : (time.seconds?.toNumber() ?? 0);
  return new Date(seconds * 1000 + Math.floor((time.nanos ?? 0) / 1e6));
}

/**
 * One listed run, decoded straight from the server's answer: what a GrantRow needs and no more. (The
 * SDK's list decodes each run through its asynchronous codec chain and walks the whole answer for
 * externally stored payloads, which grantflow never writes; for 11,000 grants that was most of
 * `status`'s time.) Memos are JSON, written with the default payload converter.
 */
function fromRaw(raw: RawExecution): GrantExecution {
  const fields = raw.memo?.fields ?? {};
  const memo = Object.fromEntries(Object.entries(fields).map(([key, payload]) => [key, defaultPayloadConverter.fromPayload(payload as Payload)]));
  const code = raw.status ?? 0;
  return {
    workflowId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    status: { code, name: STATUS_NAMES[code] ?? 'UNSPECIFIED' } as GrantExecution['status'],
    startTime: protoDate(raw.startTime) ?? new Date(0),
    ...(protoDate(raw.closeTime) ? { closeTime: protoDate(raw.closeTime)! } : {}),
    typedSearchAttributes: searchAttributesOf(raw.searchAttributes?.indexedFields ?? {}),
    memo,
  } as GrantExecution;
}

/** The search attributes of a listed run, read by key as `decodeGrantRow` reads them (a keyword, or a date as text). */
function searchAttributesOf(fields: Record<string, Payload | null | undefined>): GrantExecution['typedSearchAttributes'] {
  const values = new Map<string, unknown>();
  for (const [name, payload] of Object.entries(fields)) {
    if (!payload) continue;
    const value = defaultPayloadConverter.fromPayload(payload);
    // A keyword written as a one-element list reads as that keyword.
    values.set(name, Array.isArray(value) && value.length === 1 ? value[0] : value);
  }
  return { get: (key: { name: string }) => values.get(key.name) } as unknown as GrantExecution['typedSearchAttributes'];
}

/**
 * Every run a query lists, decoded, as it is listed: a caller may stop early. The next page is asked
 * for while this one is decoded and handed out.
 */
export async function* listRows(client: Client, query: string, onEach?: () => void): AsyncGenerator<GrantRow> {
  const page = async (nextPageToken: Uint8Array) => {
    try {
      return await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, nextPageToken });
    } catch (error) {
      throw new ServiceError('Failed to list workflows', { cause: error as Error });
    }
  };
  let next: ReturnType<typeof page> | undefined = page(new Uint8Array());
  while (next) {
    const response: Awaited<ReturnType<typeof page>> = await next;
    const token = response.nextPageToken;
    next = token && token.length > 0 ? page(token) : undefined;
    // An abandoned prefetch (the caller stopped early) must not surface as an unhandled rejection.
    next?.catch(() => undefined);
    for (const raw of response.executions ?? []) {
      onEach?.();
      yield decodeGrantRow(fromRaw(raw));
    }
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
