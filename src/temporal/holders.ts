// Who else needs a managed policy on a principal. A detach asks Temporal's visibility store for the
// other live grant workflows on the same account and principal (in IAM's case-insensitive form) (search attributes GrantAccount,
// GrantPrincipal, GrantState) and reads the policies each one attaches from its memo. Visibility is
// eventually consistent: a grant started a moment ago may be missed, and the next re-apply restores
// what it needs; the reconcile sweep likewise removes any attachment no grant holds.
import type { Client } from '@temporalio/client';
import { GrantState } from '../../workflows/search-attributes';
import { canonicalPrincipal } from '../core/names';
import type { GrantMemo } from './grant-start';
import { quote } from './team-grants';

export interface HolderQuery {
  account: string;
  principalType: 'user' | 'role';
  principal: string;
  /** The asking grant itself. */
  excludeId?: string;
}

export interface HolderDirectory {
  /** Managed-policy ARNs that live grants other than `excludeId` hold on the principal. */
  neededArns(query: HolderQuery): Promise<Set<string>>;
}

/**
 * Grants started by earlier releases carry the principal as the YAML spelt it; newer ones its lower-case
 * form. Both spellings are asked for, so one release's revoke never misses the other's holder.
 */
function principalClause(principal: string): string {
  const spellings = [...new Set([canonicalPrincipal(principal), principal])];
  return spellings.length === 1 ? `GrantPrincipal = ${quote(spellings[0]!)}` : `(${spellings.map((p) => `GrantPrincipal = ${quote(p)}`).join(' OR ')})`;
}

const ENDING: ReadonlySet<string> = new Set(['revoking', 'revoked', 'failed']);
const PENDING_START_MARGIN_MS = 60_000;

export class VisibilityHolderDirectory implements HolderDirectory {
  constructor(private readonly client: Client) {}

  async neededArns(query: HolderQuery): Promise<Set<string>> {
    const needed = new Set<string>();
    const visibilityQuery =
      `WorkflowType = 'grantWorkflow' AND ExecutionStatus = 'Running' AND ` + `GrantAccount = ${quote(query.account)} AND ${principalClause(query.principal)}`;
    for await (const execution of this.client.workflow.list({ query: visibilityQuery })) {
      if (execution.workflowId === query.excludeId) continue;
      const state = execution.typedSearchAttributes.get(GrantState);
      if (state && ENDING.has(state)) continue;
      const memo = (execution.memo ?? {}) as Partial<GrantMemo>;
      if (memo.principalType !== query.principalType) continue;
      // Waiting for a start_date days away: keeping the policy for it would grant it early. A grant
      // whose start is due now is counted, since its attach may be under way.
      if (state === 'pending' && memo.startsAt && Date.parse(memo.startsAt) > Date.now() + PENDING_START_MARGIN_MS) continue;
      for (const arn of memo.attachedArns ?? []) needed.add(arn);
    }
    return needed;
  }
}
