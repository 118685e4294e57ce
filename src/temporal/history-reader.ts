// Every run of the grant workflows that visibility still lists (running, and closed within the
// namespace's retention), narrowed by the search attributes `history` filters on. The periods are
// built from them in src/core/history.ts.
import type { Client } from '@temporalio/client';
import type { LedgerEntry } from '../core/ledger';
import { canonicalPrincipal } from '../core/names';
import { toLedgerEntry } from './ledger-reader';
import { quote } from './team-grants';

export interface HistoryQuery {
  team?: string;
  principal?: string;
  account?: string;
  environment?: string;
  policy?: string;
}

export function historyQuery(filter: HistoryQuery): string {
  const clauses = [`WorkflowType = 'grantWorkflow'`];
  if (filter.team) clauses.push(`GrantTeam = ${quote(filter.team)}`);
  if (filter.principal) clauses.push(`GrantPrincipal = ${quote(canonicalPrincipal(filter.principal))}`);
  if (filter.account) clauses.push(`GrantAccount = ${quote(filter.account)}`);
  if (filter.environment) clauses.push(`GrantEnvironment = ${quote(filter.environment)}`);
  if (filter.policy) clauses.push(`GrantPolicy = ${quote(filter.policy)}`);
  return clauses.join(' AND ');
}

/** Every listed run, not only the latest of each grant: each early revoke and restore is a period of its own. */
export async function readGrantRuns(client: Client, filter: HistoryQuery): Promise<LedgerEntry[]> {
  const runs: LedgerEntry[] = [];
  for await (const execution of client.workflow.list({ query: historyQuery(filter) })) runs.push(toLedgerEntry(execution));
  return runs;
}
