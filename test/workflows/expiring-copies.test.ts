// Expiring copies through the real workflows (dev server + worker + moto): a temporary grant of a
// small AWS managed policy holds a copy, not the original, for its life; the copy is deleted when
// the grant expires and when it is revoked; a policy too large to copy is attached as it is.
import assert from 'node:assert/strict';
import { revokeGrantNow } from '../../src/temporal/grant-operations';
import { grantsOf, inHours, policy, READ_ONLY, revisionSequence, team } from '../harness/team';
import { workflowSuite } from '../harness/workflow-suite';

const revision = revisionSequence('copies', '2026-01-01T00:00:00Z');
const POWER_USER = 'arn:aws:iam::aws:policy/PowerUserAccess';

describe('expiring copies in the grant workflow (dev server + moto)', function () {
  const { stack, submit, waitState, nextTeam, account } = workflowSuite({ revision, teamPrefix: 'copy-team', users: ['bob'] });
  const breakGlass = (expiresAt: string, managed = [POWER_USER]) =>
    team({
      name: nextTeam(),
      policies: { 'break-glass': policy(managed) },
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'break-glass', expiresAt }],
    });

  it('creates and attaches the copy, and deletes it when the grant expires', async () => {
    const config = breakGlass(new Date(Date.now() + 8000).toISOString().replace(/\.\d+Z/, 'Z'));
    const grant = grantsOf(config)[0]!;
    const copy = grant.expiringCopies![0]!;
    await submit(config);
    await waitState(grant.id, 'active');
    const during = await account();
    assert.deepEqual(during.users.bob!.attached, [copy.arn], 'the copy is attached, not PowerUserAccess');
    assert.ok(during.policies[copy.arn], 'the copy exists');
    assert.match(JSON.stringify(during.policies[copy.arn]!.document), new RegExp(`"aws:CurrentTime":"${grant.expiresAt}"`));
    await waitState(grant.id, 'revoked', 30_000);
    const after = await account();
    assert.deepEqual(after.users.bob, { attached: [], inline: {}, tags: {} });
    assert.equal(after.policies[copy.arn], undefined, 'the copy is deleted at expiry');
  });

  it('deletes the copy when the grant is revoked early', async () => {
    const config = breakGlass(inHours(24));
    const grant = grantsOf(config)[0]!;
    await submit(config);
    await waitState(grant.id, 'active');
    assert.equal(await revokeGrantNow(stack.client, grant.id, { reason: 'done', by: 'ops' }), 'revoked');
    const after = await account();
    assert.deepEqual(after.users.bob, { attached: [], inline: {}, tags: {} });
    assert.deepEqual(Object.keys(after.policies), [], 'no copy is left');
  });

  it('attaches a managed policy too large to copy as it is', async () => {
    const config = breakGlass(inHours(24), [READ_ONLY, POWER_USER]);
    const grant = grantsOf(config)[0]!;
    assert.deepEqual(grant.managedPolicyArns, [READ_ONLY]);
    await submit(config);
    await waitState(grant.id, 'active');
    assert.deepEqual((await account()).users.bob!.attached.sort(), [grant.expiringCopies![0]!.arn, READ_ONLY].sort());
  });
});
