// Who else needs a managed policy (or, for an IAM Identity Center principal, an assignment) on a principal. A detach asks Temporal's visibility store for the
// other live grant workflows on the same account and principal (in IAM's case-insensitive form) (search attributes GrantAccount,
// GrantPrincipal, GrantState) and reads the policies each one attaches from its memo. Visibility is
// eventually consistent: a grant started a moment ago may be missed, and the next re-apply restores
// what it needs; the reconcile sweep likewise removes any attachment no grant holds.
import type { Client } from '@temporalio/client';
import type { PrincipalType } from '../core/ids';
import { listRows } from './grant-rows';
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

export class VisibilityHolderDirectory implements HolderDirectory {
  constructor(private readonly client: Client) {}

  async neededArns(query: HolderQuery): Promise<Set<string>> {
    const needed = new Set<string>();
    // Of every team: grants record the principal in IAM's case-insensitive (lower-case) form.
    const visibilityQuery = grantQuery({ running: true, account: query.account, principal: query.principal });
    for await (const grant of listRows(this.client, visibilityQuery)) {
      if (grant.id === query.excludeId) continue;
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
}
