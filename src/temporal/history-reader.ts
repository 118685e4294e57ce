// Every run of the grant workflows that visibility still lists (running, and closed within the
// namespace's retention), narrowed by the search attributes `history` filters on. The periods are
// built from them in src/core/history.ts.
import type { Client } from '@temporalio/client';
import type { LedgerEntry } from '../core/ledger';
import { requestQuery, withoutEmpty } from './grant-query';
import { grantRows, listRows } from './grant-rows';
import { ledgerEntryOf } from './ledger-reader';

export interface HistoryQuery {
  team?: string;
  principal?: string;
  account?: string;
  environment?: string;
  policy?: string;
}

/** Every listed run, not only the latest of each grant: each early revoke and restore is a period of its own. */
export async function readGrantRuns(client: Client, filter: HistoryQuery): Promise<LedgerEntry[]> {
  const { team, principal, account, environment, policy } = filter;
  const rows = await grantRows(client, withoutEmpty({ team, principal, account, environment, policy }));
  return rows.map(ledgerEntryOf);
}

/** When each break-glass request's grant was first recorded by a verified submission, by request id (its request workflow says). */
export async function readRatifications(client: Client, team?: string): Promise<Map<string, string>> {
  const ratified = new Map<string, string>();
  for await (const row of listRows(client, requestQuery(team ? { team } : {}))) {
    const at = row.memo.ratifiedAt;
    if (typeof at === 'string') ratified.set(row.id, at);
  }
  return ratified;
}
