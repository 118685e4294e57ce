// Decoding what visibility lists of grant workflows, and the ledger entry of a run: pure, so tested
// without a server (the workflow tests read real ones).
import assert from 'node:assert/strict';
import { TypedSearchAttributes } from '@temporalio/common';
import { decodeGrantRow, type GrantExecution } from '../../../src/temporal/grant-rows';
import { ledgerEntryOf, toLedgerEntry } from '../../../src/temporal/ledger-reader';
import { GrantAccount, GrantExpiresAt, GrantPrincipal, GrantState, GrantTeam } from '../../../workflows/search-attributes';

describe('grant rows', function () {
  const execution = (fields: Partial<GrantExecution> = {}): GrantExecution => ({
    workflowId: 'grantflow/t/1',
    runId: 'run-1',
    status: { name: 'RUNNING' } as GrantExecution['status'],
    startTime: new Date('2030-01-01T00:00:00.123Z'),
    typedSearchAttributes: new TypedSearchAttributes([
      { key: GrantTeam, value: 't' },
      { key: GrantPrincipal, value: 'bob' },
      { key: GrantAccount, value: '111122223333' },
      { key: GrantState, value: 'active' },
      { key: GrantExpiresAt, value: new Date('2030-02-01T00:00:00.000Z') },
    ]),
    memo: { principalType: 'user', attachedArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] },
    ...fields,
  });

  it('decodes the search attributes and memo, an attribute it lacks as empty', function () {
    assert.deepEqual(decodeGrantRow(execution()), {
      id: 'grantflow/t/1',
      runId: 'run-1',
      status: 'RUNNING',
      startedAt: '2030-01-01T00:00:00.123Z',
      team: 't',
      principal: 'bob',
      account: '111122223333',
      environment: '',
      policy: '',
      kind: '',
      state: 'active',
      expiresAt: '2030-02-01T00:00:00Z',
      memo: { principalType: 'user', attachedArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] },
    });
  });

  it('keeps the close time, and a run without state, expiry or memo', function () {
    const row = decodeGrantRow(
      execution({ typedSearchAttributes: new TypedSearchAttributes([]), memo: undefined, closeTime: new Date('2030-01-03T00:00:00.000Z') }),
    );
    assert.equal(row.closedAt, '2030-01-03T00:00:00.000Z');
    assert.equal('state' in row, false);
    assert.equal('expiresAt' in row, false);
    assert.deepEqual(row.memo, {});
  });

  it('makes the ledger entry of a run', function () {
    const entry = toLedgerEntry(execution({ status: { name: 'SOMETHING_NEW' } as unknown as GrantExecution['status'] }));
    assert.equal(entry.status, 'UNKNOWN');
    assert.deepEqual(ledgerEntryOf(decodeGrantRow(execution())), {
      id: 'grantflow/t/1',
      runId: 'run-1',
      status: 'RUNNING',
      state: 'active',
      startedAt: '2030-01-01T00:00:00.123Z',
      expiresAt: '2030-02-01T00:00:00Z',
      account: '111122223333',
      environment: '',
      memo: { principalType: 'user', attachedArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] },
    });
  });
});
