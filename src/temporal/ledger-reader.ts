// Fills the ledger (src/core/ledger.ts) from Temporal visibility: the latest run of every grant
// workflow of a team, running or closed within retention, with its state, expiry and memo. Shared by
// the reconcile activities, `plan`, `status` and the demo.
import type { Client } from '@temporalio/client';
import type { LedgerEntry, RunStatus } from '../core/ledger';
import { decodeGrantRow, latestGrantRows, type GrantExecution, type GrantRow } from './grant-rows';

const STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT']);

/** A grant run's ledger entry. */
export function ledgerEntryOf(row: GrantRow): LedgerEntry {
  return {
    id: row.id,
    runId: row.runId,
    status: (STATUSES.has(row.status) ? row.status : 'UNKNOWN') as RunStatus,
    ...(row.state ? { state: row.state } : {}),
    startedAt: row.startedAt,
    ...(row.closedAt ? { closedAt: row.closedAt } : {}),
    ...(row.expiresAt ? { expiresAt: row.expiresAt } : {}),
    account: row.account,
    environment: row.environment,
    memo: row.memo,
  };
}

/** A run as visibility lists it (or as a describe returns it, which carries the same fields). */
export function toLedgerEntry(run: GrantExecution): LedgerEntry {
  return ledgerEntryOf(decodeGrantRow(run));
}

/** The team's ledger, by grant id; `onEach` runs per listed execution (a heartbeat, say). */
export async function readLedger(client: Client, team: string, onEach?: () => void): Promise<Map<string, LedgerEntry>> {
  const rows = await latestGrantRows(client, { team }, onEach);
  return new Map(rows.map((row) => [row.id, ledgerEntryOf(row)]));
}
