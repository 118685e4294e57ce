// Workflow ids: reconcile and submission ids, grant ids read back only when the whole id is in its
// form, and the replacement key of a temporary grant.
import assert from 'node:assert/strict';
import { parseGrantWorkflowId, reconcileWorkflowId, replacementKey, submissionWorkflowId } from '../../../src/core/ids';

describe('workflow ids', function () {
  it('reconcile and submission ids', () => {
    assert.equal(reconcileWorkflowId('payments'), 'grantflow-reconcile/payments');
    assert.equal(submissionWorkflowId('payments', 'd1g'), 'grantflow-submission/payments/d1g');
  });

  const notGrantIds = [
    'other/t/111111111111/user/bob/reader',
    'grantflow/t/111111111111/user/bob',
    'grantflow/t/111111111111/user/bob/reader/until',
    'grantflow/t/111111111111/user/bob/reader/until/2026-01-01T00:00:00Z/x',
    'grantflow/t/111111111111/group/bob/reader',
    'grantflow/t/111111111111/user/bob/reader/since/2026-01-01T00:00:00Z',
  ];
  for (const id of notGrantIds)
    it(`not a grant id: ${id}`, () => {
      assert.equal(parseGrantWorkflowId(id), undefined);
      assert.equal(replacementKey(id), undefined);
    });

  it('a temporary id reads back, and its replacement key ignores expiry and case', () => {
    assert.deepEqual(parseGrantWorkflowId('grantflow/t/111111111111/role/CI/reader/until/2026-01-01T00:00:00Z'), {
      team: 't',
      kind: 'temporary',
      account: '111111111111',
      principalType: 'role',
      principal: 'CI',
      policy: 'reader',
      expiresAt: '2026-01-01T00:00:00Z',
    });
    assert.equal(replacementKey('grantflow/t/111111111111/role/CI/reader/until/2026-01-01T00:00:00Z'), 'temporary/t/111111111111/role/ci/reader');
  });
});
