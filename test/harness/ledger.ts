// A grant's run as a reconcile pass or `plan` reads it from visibility, for the pure-core tests.
import type { GrantSpec } from '../../src/core/grant';
import { grantShape } from '../../src/core/grant-derived';
import type { LedgerEntry } from '../../src/core/ledger';
import { ACCOUNTS } from './team';

/** A run of `grant` (a spec, or just an id with an empty memo) in nonprod, running and active unless told. */
export function ledgerEntry(grant: GrantSpec | string, status: LedgerEntry['status'] = 'RUNNING', state = 'active'): LedgerEntry {
  const id = typeof grant === 'string' ? grant : grant.id;
  return {
    id,
    runId: `run-${id}`,
    status,
    state,
    startedAt: '2026-01-01T00:00:00Z',
    account: ACCOUNTS.nonprod,
    environment: 'nonprod',
    memo: typeof grant === 'string' ? {} : { shape: grantShape(grant), attachedArns: [] },
  };
}

export const ledgerOf = (...entries: LedgerEntry[]) => new Map(entries.map((e) => [e.id, e]));
