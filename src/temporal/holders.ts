// Who else needs a managed policy (or, for an IAM Identity Center principal, an assignment) on a principal. A detach asks Temporal's visibility store for the
// other live grant workflows on the same account and principal (in IAM's case-insensitive form) (search attributes GrantAccount,
// GrantPrincipal, GrantState) and reads the policies each one attaches from its memo. Visibility is
// eventually consistent: a grant started a moment ago may be missed, and the next re-apply restores
// what it needs; the reconcile sweep likewise removes any attachment no grant holds. Asks for one
// account made within a few milliseconds go as one query (a mass expiry's revokes ask together).
import type { Client } from '@temporalio/client';
import type { PrincipalType } from '../core/ids';
import { canonicalPrincipal } from '../core/names';
import { listRows, type GrantRow } from './grant-rows';
import { grantQuery } from './grant-query';

export interface HolderQuery {
  account: string;
  principalType: PrincipalType;
  principal: string;
  /** The asking grant itself. */
  excludeId?: string;
}

export interface HolderDirectory {
  /** Managed-policy ARNs that live grants other than `excludeId` hold on the principal. */
  neededArns(query: HolderQuery): Promise<Set<string>>;
}

const ENDING: ReadonlySet<string> = new Set(['revoking', 'revoked', 'failed']);
const PENDING_START_MARGIN_MS = 60_000;

/** How long asks wait to be sent together: a mass expiry's revokes ask within the same few milliseconds. */
const GATHER_MS = 5;
/** Principals per query: the query text stays short. */
const PRINCIPALS_PER_QUERY = 100;

interface Ask {
  query: HolderQuery;
  resolve: (arns: Set<string>) => void;
  reject: (error: unknown) => void;
}

/**
 * Asks that arrive within a few milliseconds of each other, for one account, go to visibility as one
 * query naming all their principals: 200 grants expiring together ask once or twice, not 200 times,
 * and each answer is read after its ask was made, as fresh as a query of its own.
 */
export class VisibilityHolderDirectory implements HolderDirectory {
  private readonly gathering = new Map<string, Ask[]>();

  constructor(private readonly client: Client) {}

  neededArns(query: HolderQuery): Promise<Set<string>> {
    return new Promise((resolve, reject) => {
      const asks = this.gathering.get(query.account);
      if (asks) asks.push({ query, resolve, reject });
      else {
        this.gathering.set(query.account, [{ query, resolve, reject }]);
        setTimeout(() => void this.answer(query.account), GATHER_MS);
      }
    });
  }

  private async answer(account: string): Promise<void> {
    const asks = this.gathering.get(account) ?? [];
    this.gathering.delete(account);
    const principals = [...new Set(asks.map((ask) => canonicalPrincipal(ask.query.principal)))];
    for (let i = 0; i < principals.length; i += PRINCIPALS_PER_QUERY) {
      const chunk = new Set(principals.slice(i, i + PRINCIPALS_PER_QUERY));
      const mine = asks.filter((ask) => chunk.has(canonicalPrincipal(ask.query.principal)));
      try {
        const rows: GrantRow[] = [];
        for await (const row of listRows(this.client, grantQuery({ running: true, account, principals: [...chunk] }))) rows.push(row);
        for (const ask of mine) ask.resolve(neededOf(rows, ask.query));
      } catch (error) {
        for (const ask of mine) ask.reject(error);
      }
    }
  }
}

/** Of the live grants listed, the managed-policy ARNs those other than the asker hold on its principal. */
function neededOf(rows: readonly GrantRow[], query: HolderQuery): Set<string> {
  const needed = new Set<string>();
  const principal = canonicalPrincipal(query.principal);
  for (const grant of rows) {
    // Of every team: grants record the principal in IAM's case-insensitive (lower-case) form.
    if (grant.principal !== principal || grant.id === query.excludeId) continue;
    const state = grant.state;
    if (state && ENDING.has(state)) continue;
    if (grant.memo.principalType !== query.principalType) continue;
    // Waiting for a start_date days away: keeping the policy for it would grant it early. A grant
    // whose start is due now is counted, since its attach may be under way.
    if (state === 'pending' && grant.memo.startsAt && Date.parse(grant.memo.startsAt) > Date.now() + PENDING_START_MARGIN_MS) continue;
    for (const arn of grant.memo.attachedArns ?? []) needed.add(arn);
  }
  return needed;
}
