// Who a name of the YAML is in the identity store, against a stub of the identity store's listing:
// a user by user name or any email, a group by display name, ignoring case; exactly one or refused,
// saying why; one listing shared by every lookup, read again when it does not know a name.
import assert from 'node:assert/strict';
import type { IdentityCenterClients } from '../../../src/aws/identity-center-client';
import { IdentityDirectory } from '../../../src/aws/identities';

const USERS = [
  { UserId: 'u-alice', UserName: 'alice', Emails: [{ Value: 'Alice@Example.com' }] },
  { UserId: 'u-ops1', UserName: 'ops-1', Emails: [{ Value: 'ops@example.com' }] },
  { UserId: 'u-ops2', UserName: 'ops-2', Emails: [{ Value: 'ops@example.com' }, { Value: 'second@example.com' }] },
];
const GROUPS = [
  { GroupId: 'g-admins', DisplayName: 'Platform Admins' },
  { GroupId: 'g-dup1', DisplayName: 'Twins' },
  { GroupId: 'g-dup2', DisplayName: 'twins' },
];

function stub(pages: { users: (typeof USERS)[]; groups: (typeof GROUPS)[] }, clock: { now: number }) {
  const sent: string[] = [];
  const clients = {
    settings: { identityStoreId: 'd-1234567890' },
    roleArn: 'arn:aws:iam::333333333333:role/x',
    identityStore: {
      send: async (command: { constructor: { name: string }; input: { NextToken?: string } }) => {
        const name = command.constructor.name;
        sent.push(name);
        const index = Number(command.input.NextToken ?? 0);
        const list = name === 'ListUsersCommand' ? pages.users : pages.groups;
        const next = index + 1 < list.length ? String(index + 1) : undefined;
        return name === 'ListUsersCommand' ? { Users: pages.users[index] ?? [], NextToken: next } : { Groups: pages.groups[index] ?? [], NextToken: next };
      },
    },
  } as unknown as IdentityCenterClients;
  return { directory: new IdentityDirectory(clients, { now: () => clock.now, maxAgeMs: 60_000, missRefreshMs: 10_000 }), sent };
}

describe('Identity Center identities: who a name of the YAML is', function () {
  const cases: [Parameters<IdentityDirectory['resolve']>[0], string, string | RegExp][] = [
    ['sso-user', 'alice', 'u-alice'],
    ['sso-user', 'ALICE', 'u-alice'],
    ['sso-user', 'alice@example.com', 'u-alice'],
    ['sso-user', 'second@example.com', 'u-ops2'],
    ['sso-user', 'ops@example.com', /"ops@example.com" matches 2 IAM Identity Center users .*ops-1 \(u-ops1\), ops-2 \(u-ops2\)/],
    ['sso-user', 'nobody@example.com', /no IAM Identity Center user has the user name or email "nobody@example.com" in identity store d-1234567890/],
    ['sso-group', 'platform admins', 'g-admins'],
    ['sso-group', 'twins', /"twins" matches 2 IAM Identity Center groups/],
    ['sso-group', 'alice', /no IAM Identity Center group has the display name "alice"/],
    ['sso-user', 'Platform Admins', /no IAM Identity Center user/],
  ];
  for (const [type, written, want] of cases) {
    it(`${type} "${written}": ${typeof want === 'string' ? want : 'refused'}`, async () => {
      const { directory } = stub({ users: [USERS.slice(0, 2), USERS.slice(2)], groups: [GROUPS] }, { now: 0 });
      const found = await directory.resolve(type, written);
      if (typeof want === 'string') assert.deepEqual(found.ok && found.id, want);
      else assert.match(found.ok ? '' : found.message, want);
    });
  }

  it('reads the store once for a burst of lookups, every page of it', async () => {
    const { directory, sent } = stub({ users: [USERS.slice(0, 2), USERS.slice(2)], groups: [GROUPS] }, { now: 0 });
    await Promise.all(['alice', 'ops-1', 'ops-2'].map((name) => directory.resolve('sso-user', name)));
    await directory.resolveAll([{ type: 'sso-group', written: 'platform admins' }]);
    assert.deepEqual(sent, ['ListUsersCommand', 'ListUsersCommand', 'ListGroupsCommand']);
  });

  it('reads it again for a name it does not know, once the listing is some seconds old, and when it is past its age', async () => {
    const clock = { now: 0 };
    const pages = { users: [USERS.slice(0, 1)], groups: [[] as typeof GROUPS] };
    const { directory, sent } = stub(pages, clock);
    assert.equal((await directory.resolve('sso-user', 'ops-1')).ok, false);
    pages.users = [USERS];
    assert.equal((await directory.resolve('sso-user', 'ops-1')).ok, false, 'a listing a moment old is not read again for a miss');
    clock.now = 11_000;
    assert.equal((await directory.resolve('sso-user', 'ops-1')).ok, true, 'a miss on a listing older than 10 s reads the store again');
    const reads = sent.length;
    await directory.resolve('sso-user', 'alice');
    assert.equal(sent.length, reads, 'a hit reads nothing');
    clock.now = 80_000;
    await directory.resolve('sso-user', 'alice');
    assert.equal(sent.length, reads + 2, 'a listing past its age is read again');
  });
});
