// Fills the ledger (src/core/ledger.ts) from Temporal visibility: the latest run of every grant
// workflow of a team, running or closed within retention, with its state, expiry and memo. Shared by
// the reconcile activities, `plan`, `status` and the demo.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { LedgerEntry, LedgerMemo, RunStatus } from '../core/ledger';
import { GrantAccount, GrantEnvironment, GrantExpiresAt, GrantState } from '../../workflows/search-attributes';
import { latestTeamGrantRuns } from './team-grants';

const STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT']);

const iso = (date: Date) => date.toISOString();

/** A run as visibility lists it (or as a describe returns it, which carries the same fields). */
export function toLedgerEntry(run: Omit<WorkflowExecutionInfo, 'raw'>): LedgerEntry {
  const sa = run.typedSearchAttributes;
  const expires = sa.get(GrantExpiresAt);
  const state = sa.get(GrantState);
  const memo = (run.memo ?? {}) as LedgerMemo & { principalWritten?: string };
  return {
    id: run.workflowId,
    runId: run.runId,
    status: (STATUSES.has(run.status.name) ? run.status.name : 'UNKNOWN') as RunStatus,
    ...(state ? { state } : {}),
    startedAt: iso(run.startTime),
    ...(run.closeTime ? { closedAt: iso(run.closeTime) } : {}),
    ...(expires ? { expiresAt: new Date(expires).toISOString().replace('.000Z', 'Z') } : {}),
    account: sa.get(GrantAccount) ?? '',
    environment: sa.get(GrantEnvironment) ?? '',
    memo,
  };
}

/** The team's ledger, by grant id; `onEach` runs per listed execution (a heartbeat, say). */
export async function readLedger(client: Client, team: string, onEach?: () => void): Promise<Map<string, LedgerEntry>> {
  const runs = await latestTeamGrantRuns(client, team, onEach);
  return new Map(runs.map((run) => [run.workflowId, toLedgerEntry(run)]));
}
