// The visibility queries over grant workflows, built in one place: every reader of grants (status,
// show, history, the ledger, holders, doctor, the metrics) says what it wants as a GrantQuery, and the
// search attribute names and the quoting are written here once. Pure: src/temporal/grant-rows.ts runs
// the queries and decodes what they list.
import { canonicalPrincipal } from '../core/names';
import {
  GrantAccount,
  GrantEnvironment,
  GrantKind,
  GrantPolicy,
  GrantPrincipal,
  GrantState,
  GrantTeam,
  type GrantState as GrantStateName,
} from '../../workflows/search-attributes';

/** Quoted for a visibility query. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Which runs of grant workflows a query lists. An absent field does not narrow it; a given one does,
 * even empty (`withoutEmpty` drops those where an empty value means "any", as in a command's filters).
 */
export interface GrantQuery {
  /** One grant: its workflow id. */
  id?: string;
  team?: string;
  /** An IAM user or role name in any case: grants record it in lower case. */
  principal?: string;
  /** Any of these principals (in any case). */
  principals?: readonly string[];
  account?: string;
  environment?: string;
  policy?: string;
  kind?: string;
  /** The GrantState a run shows (every run's, not only the latest one's). */
  state?: GrantStateName;
  /** Running runs only; with `closedSince`, running runs and those closed after it. */
  running?: boolean;
  /** Runs closed after this moment only; with `running`, those and the running runs. */
  closedSince?: Date;
}

function principalClause(principal: string): string {
  return `${GrantPrincipal.name} = ${quote(canonicalPrincipal(principal))}`;
}

function runsClause(running: boolean, closedSince: Date | undefined): string | undefined {
  const closed = closedSince ? `CloseTime > ${quote(closedSince.toISOString())}` : undefined;
  if (running && closed) return `(ExecutionStatus = 'Running' OR ${closed})`;
  return running ? `ExecutionStatus = 'Running'` : closed;
}

/** The visibility query for the runs of grant workflows that `filter` describes. */
export function grantQuery(filter: GrantQuery = {}): string {
  const clauses = [`WorkflowType = 'grantWorkflow'`];
  const equals = (key: { name: string }, value: string | undefined) => {
    if (value !== undefined) clauses.push(`${key.name} = ${quote(value)}`);
  };
  if (filter.id !== undefined) clauses.push(`WorkflowId = ${quote(filter.id)}`);
  equals(GrantTeam, filter.team);
  if (filter.principal !== undefined) clauses.push(principalClause(filter.principal));
  if (filter.principals !== undefined)
    clauses.push(`${GrantPrincipal.name} IN (${[...new Set(filter.principals.map(canonicalPrincipal))].map(quote).join(', ')})`);
  equals(GrantAccount, filter.account);
  equals(GrantEnvironment, filter.environment);
  equals(GrantPolicy, filter.policy);
  equals(GrantKind, filter.kind);
  equals(GrantState, filter.state);
  const runs = runsClause(filter.running ?? false, filter.closedSince);
  if (runs) clauses.push(runs);
  return clauses.join(' AND ');
}

/** `filter` without its empty strings: for filters where an empty value narrows nothing. */
export function withoutEmpty(filter: GrantQuery): GrantQuery {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined && value !== '')) as GrantQuery;
}

/** Every run of one workflow id, whatever its type (a grant's, a reconcile workflow's). */
export function workflowRunsQuery(workflowId: string): string {
  return `WorkflowId = ${quote(workflowId)}`;
}

/** A team's grant workflows, narrowed by further clauses of the caller's own (`teams` adds one). */
export function teamGrantsQuery(team: string, ...clauses: string[]): string {
  return [grantQuery({ team }), ...clauses].join(' AND ');
}

/** Which break-glass request workflows a query lists: by team and state, running or not. */
export interface RequestQuery {
  team?: string;
  state?: string;
  running?: boolean;
}

/** The visibility query for break-glass request workflows (they carry the grants' search attributes, GrantKind `request`). */
export function requestQuery(filter: RequestQuery = {}): string {
  const clauses = [`WorkflowType = 'requestWorkflow'`];
  if (filter.team !== undefined) clauses.push(`${GrantTeam.name} = ${quote(filter.team)}`);
  if (filter.state !== undefined) clauses.push(`${GrantState.name} = ${quote(filter.state)}`);
  if (filter.running) clauses.push(`ExecutionStatus = 'Running'`);
  return clauses.join(' AND ');
}
