// Revokes first in an account's IAM call budget, seen at IAM: with the budget saturated by a burst of
// applies, an expiring grant's revoke calls reach IAM (moto, behind the counting proxy) ahead of the
// apply calls queued before it. The assertion is on the order of calls, not on how long anything took.
import assert from 'node:assert/strict';
import { AccountClients } from '../../src/aws/accounts';
import { applyGrantIam, revokeGrantIam } from '../../src/aws/grant-iam';
import { revokeTarget } from '../../src/core/grant-derived';
import { startMoto, type Moto } from '../../src/local/moto';
import { startIamProxy, type IamProxy } from '../harness/iam-proxy';
import { ACCOUNTS, grantsOf, policy, READ_ONLY, team } from '../harness/team';

const USERS = Array.from({ length: 30 }, (_, i) => `burst${i}`);
const noHolders = { neededArns: async () => new Set<string>() };

describe('the IAM call budget at IAM (moto)', function () {
  this.timeout(180_000);
  let moto: Moto;
  let proxy: IamProxy;
  const saved = { ...process.env };

  before(async () => {
    moto = await startMoto();
    proxy = await startIamProxy(moto.endpoint);
    Object.assign(process.env, moto.env, { AWS_ENDPOINT_URL_IAM: proxy.endpoint, AWS_ENDPOINT_URL_STS: proxy.endpoint });
    await moto.createUsers(ACCOUNTS.nonprod, [...USERS, 'leaver']);
  });
  after(async () => {
    await proxy?.close();
    await moto?.stop();
    process.env = saved;
  });

  it("sends an expiring grant's revoke calls before the apply calls already queued", async function () {
    const config = team({
      policies: { reader: policy([READ_ONLY]) },
      permanent: [{ users: [...USERS, 'leaver'], environments: ['nonprod'], grants: ['reader'] }],
    });
    const grants = grantsOf(config);
    const leaver = grants.find((g) => g.principal === 'leaver')!;
    const burst = grants.filter((g) => g.principal !== 'leaver');

    // The leaver's grant is in place before the burst (through a budget of its own).
    const fast = new AccountClients({ iamCallsPerSecond: 1000 });
    const applied = await applyGrantIam({ accounts: fast, holders: noHolders }, leaver);
    fast.destroy();

    const accounts = new AccountClients({ iamCallsPerSecond: 10 });
    const deps = { accounts, holders: noHolders };
    try {
      proxy.record(['ListAttachedUserPolicies', 'ListUserTags', 'TagUser', 'UntagUser', 'AttachUserPolicy', 'DetachUserPolicy']);
      const applies = Promise.all(burst.map((g) => applyGrantIam(deps, g)));
      // Wait until the budget is saturated: every apply has a call waiting for a token.
      const limiter = accounts.limiter(ACCOUNTS.nonprod);
      while (limiter.waiting().apply < burst.length - 10) await new Promise((resolve) => setTimeout(resolve, 20));
      const queuedApplies = limiter.waiting().apply;
      const revokeStart = proxy.events().length;
      // With the grant's record of what it attached, as its workflow sends it.
      await revokeGrantIam(deps, { ...revokeTarget(leaver), ownedArns: applied.attached });
      await applies;

      const events = proxy.events().sort((a, b) => a.sentAt - b.sentAt);
      const revokeCalls = events.filter((e) => e.user === 'leaver');
      assert.ok(
        revokeCalls.some((e) => e.action === 'DetachUserPolicy'),
        'the revoke detached the policy',
      );
      const first = events.indexOf(revokeCalls[0]!);
      const last = events.indexOf(revokeCalls[revokeCalls.length - 1]!);
      const appliesBetween = events.slice(first, last + 1).filter((e) => e.user !== 'leaver').length;
      // Each revoke call goes first when it asks; an apply call can only slip in while the revoke
      // waits for IAM's answer to its previous call (one token per gap at most). Served in arrival
      // order, the revoke would have waited behind every one of the queued calls.
      assert.ok(queuedApplies >= 20, `the burst saturated the budget (${queuedApplies} apply calls queued)`);
      assert.ok(appliesBetween <= revokeCalls.length - 1, `${appliesBetween} apply calls went between the revoke's ${revokeCalls.length} calls`);
      const appliesAfter = events.slice(last + 1).filter((e) => e.user !== 'leaver').length;
      assert.ok(
        appliesAfter >= queuedApplies - revokeCalls.length,
        `the queued applies went after the revoke (${appliesAfter} after it); revoke began at event ${revokeStart}`,
      );
    } finally {
      accounts.destroy();
    }
  });
});
