// What the command line (and tests) ask of grant workflows: revoke one now, its status, and the
// grants visibility lists (live ones, recent runs, a team's states and count).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { revokeUpdate, statusQuery, type GrantStatus, type RevokeRequest } from '../../workflows/messages';
import type { GrantState as GrantStateName } from '../../workflows/search-attributes';
import { withoutEmpty } from './grant-query';
import { countGrants, grantRows, labelsOf, latestGrantRows, type GrantLabels, type GrantRow } from './grant-rows';
import { askPatiently } from './patience';

/** Revokes a running grant now; resolves with its final state once IAM no longer holds it. A worker that is away is waited for. */
export async function revokeGrantNow(client: Client, grantId: string, request: RevokeRequest, onWait?: (line: string) => void): Promise<GrantStateName> {
  // One update id for every attempt: a revoke sent again after a lost answer is one revoke.
  const id = randomUUID();
  return askPatiently(() => client.workflow.getHandle(grantId).executeUpdate(revokeUpdate, { updateId: id, args: [{ origin: 'operator', ...request }] }), {
    waitingFor: `the worker of grant ${grantId}`,
    ...(onWait ? { onWait } : {}),
  });
}

export async function grantStatus(client: Client, grantId: string): Promise<GrantStatus> {
  return client.workflow.getHandle(grantId).query(statusQuery);
}

/** The grant's status query if its worker answers within `withinMs`; undefined otherwise (for views that go on without it). */
export async function grantStatusWithin(client: Client, grantId: string, withinMs: number): Promise<GrantStatus | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      grantStatus(client, grantId).catch(() => undefined),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), withinMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A grant as visibility shows it: enough for `status` without querying each workflow. */
export interface LiveGrant extends GrantLabels {
  state: string;
  expiresAt?: string;
  status: string;
  closedAt?: string;
  memo: Record<string, unknown>;
}

function toLiveGrant(row: GrantRow): LiveGrant {
  return {
    ...labelsOf(row),
    state: row.state ?? '',
    ...(row.expiresAt ? { expiresAt: row.expiresAt } : {}),
    status: row.status,
    ...(row.closedAt ? { closedAt: row.closedAt } : {}),
    memo: row.memo,
  };
}

const byId = (a: LiveGrant, b: LiveGrant) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The state of every grant workflow of a team (latest run per id, running or closed), from visibility. */
export async function teamGrantStates(client: Client, team: string): Promise<Map<string, { state: string; running: boolean }>> {
  const rows = await latestGrantRows(client, { team });
  return new Map(rows.map((row) => [row.id, { state: row.state ?? '', running: row.status === 'RUNNING' }]));
}

/** How many of a team's grant workflows are running and active (a cheap count, for progress). */
export async function countTeamGrants(client: Client, team: string): Promise<{ active: number }> {
  return { active: await countGrants(client, { team, running: true, state: 'active' }) };
}

/** Running grant workflows, optionally of one team, principal or policy. */
export async function listLiveGrants(client: Client, filter: { team?: string; principal?: string; policy?: string } = {}): Promise<LiveGrant[]> {
  const { team, principal, policy } = filter;
  const rows = await grantRows(client, { ...withoutEmpty({ team, principal, policy }), running: true });
  return rows.map(toLiveGrant).sort(byId);
}

/**
 * The latest run of each grant workflow that is running or closed after `closedSince` (failed,
 * expired, revoked...), optionally of one team, principal or policy: what `status` shows beside the
 * live grants.
 */
export async function listGrantRuns(
  client: Client,
  filter: { team?: string; principal?: string; policy?: string; id?: string; account?: string; environment?: string; kind?: string; closedSince: Date },
): Promise<LiveGrant[]> {
  const { team, principal, policy, id, account, environment, kind, closedSince } = filter;
  const rows = await latestGrantRows(client, { ...withoutEmpty({ id, account, environment, kind, team, principal, policy }), running: true, closedSince });
  return rows.map(toLiveGrant).sort(byId);
}
