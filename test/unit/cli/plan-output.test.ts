// How a plan reads: a grant whose access IAM holds already shows as "add (already in IAM)" in the
// table, the counts and the step summary, so a reviewer sees that submitting changes nobody's access.
import assert from 'node:assert/strict';
import type { PlanEntry } from '../../../src/core/plan';
import { planCounts, planMarkdown, planTable } from '../../../src/cli/plan-output';

const entry = (policy: string, alreadyInIam: boolean): PlanEntry => ({
  action: 'add',
  id: `grantflow/legacy/111111111111/user/alice/${policy}`,
  kind: 'permanent',
  principal: 'user/alice',
  account: '111111111111',
  environment: 'nonprod',
  policy,
  drift: [],
  awsExpires: [],
  workflowExpires: [],
  ...(alreadyInIam ? { alreadyInIam: true as const } : {}),
});

describe('plan output', function () {
  const entries = [entry('aws.ReadOnlyAccess', true), entry('inline.s3', true), entry('new', false)];

  it('shows "add (already in IAM)" where IAM holds the access, and a plain add elsewhere', () => {
    const rows = planTable(entries).split('\n').slice(2);
    assert.deepEqual(
      rows.map((r) => r.split(/ {2,}/)[0]),
      ['add (already in IAM)', 'add (already in IAM)', 'add'],
    );
    assert.match(planMarkdown('legacy', entries, 'grantflow plan'), /\| add \(already in IAM\) \| user\/alice \|/);
  });

  it('counts them among the adds', () => {
    assert.match(planCounts(entries), /^3 to add \(2 already in IAM\), 0 to replace/);
    assert.match(planCounts([entry('new', false)]), /^1 to add, 0 to replace/);
  });
});
