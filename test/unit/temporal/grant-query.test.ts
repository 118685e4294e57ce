// The visibility queries over grant workflows: pure, so tested without a server (the workflow tests
// run them against one).
import assert from 'node:assert/strict';
import { grantQuery, quote, teamGrantsQuery, withoutEmpty, workflowRunsQuery } from '../../../src/temporal/grant-query';

const TYPE = `WorkflowType = 'grantWorkflow'`;

describe('grant visibility queries', function () {
  it('quotes quotes and backslashes', function () {
    assert.equal(quote(`it's`), `'it\\'s'`);
    assert.equal(quote('a\\b'), `'a\\\\b'`);
  });

  it('lists every grant workflow when nothing narrows it', function () {
    assert.equal(grantQuery(), TYPE);
  });

  it('narrows to any of several principals, each once and in lower case', function () {
    assert.equal(
      grantQuery({ account: '111122223333', principals: ['Bob', 'bob', "o'neil"], running: true }),
      `${TYPE} AND GrantPrincipal IN ('bob', 'o\\'neil') AND GrantAccount = '111122223333' AND ExecutionStatus = 'Running'`,
    );
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
