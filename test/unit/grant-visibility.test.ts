// The visibility queries over grant workflows and the decoding of what visibility lists: pure, so
// tested without a server (the workflow tests run them against one).
import assert from 'node:assert/strict';
import { TypedSearchAttributes } from '@temporalio/common';
import type { GrantExecution } from '../../src/temporal/grant-rows';
import { grantQuery, quote, teamGrantsQuery, withoutEmpty, workflowRunsQuery } from '../../src/temporal/grant-query';
import { decodeGrantRow } from '../../src/temporal/grant-rows';
import { ledgerEntryOf, toLedgerEntry } from '../../src/temporal/ledger-reader';
import { GrantAccount, GrantExpiresAt, GrantPrincipal, GrantState, GrantTeam } from '../../workflows/search-attributes';

const TYPE = `WorkflowType = 'grantWorkflow'`;

describe('grant visibility queries', function () {
  it('quotes quotes and backslashes', function () {
    assert.equal(quote(`it's`), `'it\\'s'`);
    assert.equal(quote('a\\b'), `'a\\\\b'`);
  });

  it('lists every grant workflow when nothing narrows it', function () {
    assert.equal(grantQuery(), TYPE);
  });

  it('narrows by each attribute, the principal in lower case', function () {
    const query = grantQuery({
      id: 'grantflow/t/1',
      team: 't',
      principal: 'Bob',
      account: '111122223333',
      environment: 'prod',
      policy: 'read',
      kind: 'temporary',
      state: 'active',
    });
    assert.equal(
      query,
      [
        TYPE,
        `WorkflowId = 'grantflow/t/1'`,
        `GrantTeam = 't'`,
        `GrantPrincipal = 'bob'`,
        `GrantAccount = '111122223333'`,
        `GrantEnvironment = 'prod'`,
        `GrantPolicy = 'read'`,
        `GrantKind = 'temporary'`,
        `GrantState = 'active'`,
      ].join(' AND '),
    );
  });

  it('asks for both spellings of a principal when told to, and one when they agree', function () {
    assert.equal(grantQuery({ principal: 'Bob' }), `${TYPE} AND GrantPrincipal = 'bob'`);
  });

  it('narrows to running runs, runs closed since a moment, or either', function () {
    const since = new Date('2030-01-02T03:04:05.000Z');
    assert.equal(grantQuery({ running: true }), `${TYPE} AND ExecutionStatus = 'Running'`);
    assert.equal(grantQuery({ closedSince: since }), `${TYPE} AND CloseTime > '2030-01-02T03:04:05.000Z'`);
    assert.equal(grantQuery({ running: true, closedSince: since }), `${TYPE} AND (ExecutionStatus = 'Running' OR CloseTime > '2030-01-02T03:04:05.000Z')`);
  });

  it('narrows by an empty value unless it is dropped first', function () {
    assert.equal(grantQuery({ team: '' }), `${TYPE} AND GrantTeam = ''`);
    assert.equal(grantQuery(withoutEmpty({ team: '', policy: 'read', principal: undefined })), `${TYPE} AND GrantPolicy = 'read'`);
  });

  it('quotes what it is given', function () {
    assert.equal(grantQuery({ team: `o'brien` }), `${TYPE} AND GrantTeam = 'o\\'brien'`);
    assert.equal(workflowRunsQuery(`a'b`), `WorkflowId = 'a\\'b'`);
    assert.equal(teamGrantsQuery('t', `ExecutionStatus = 'Running'`), `${TYPE} AND GrantTeam = 't' AND ExecutionStatus = 'Running'`);
  });
});

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
