// From account listings to a team's policies and entries: what principals hold becomes policies
// (AWS managed, customer-managed with its path, each inline policy its own), principals holding the
// same set are one entry, across accounts and across users and roles; what grantflow must not take
// over is listed with its reason; and the result does not depend on the order IAM lists things in.
import assert from 'node:assert/strict';
import { importAccounts, type ImportOptions, type ImportResult } from '../../../../src/core/import/convert';
import type { AccountListing, ListedPrincipal } from '../../../../src/core/import/listing';
import { digest } from '../../../../src/core/digest';
import { attachmentTagKey } from '../../../../src/core/names';
import { DEFAULT_SETTINGS } from '../../../../src/core/team-config';

const NONPROD = '111111111111';
const PROD = '222222222222';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const VIEW_ONLY = 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess';
const S3_READ = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::logs/*'] }] });
const S3_WRITE = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::logs/*'] }] });

function principal(type: 'user' | 'role', name: string, holds: Partial<Omit<ListedPrincipal, 'type' | 'name'>> = {}): ListedPrincipal {
  return { type, name, path: '/', inline: [], attached: [], groups: [], tags: [], ...holds };
}
const user = (name: string, holds?: Partial<ListedPrincipal>) => principal('user', name, holds);
const role = (name: string, holds?: Partial<ListedPrincipal>) => principal('role', name, holds);
const account = (environment: string, id: string, principals: ListedPrincipal[], groups: AccountListing['groups'] = []): AccountListing => ({
  environment,
  account: id,
  principals,
  groups,
});

/** grantflow's ownership mark for an attachment (src/aws/ownership-marks.ts writes it). */
const markerKey = (arn: string) => attachmentTagKey(digest(arn));

const OPTIONS: ImportOptions = { team: 'legacy', settings: DEFAULT_SETTINGS };
const run = (listings: AccountListing[], options: Partial<ImportOptions> = {}) => importAccounts(listings, { ...OPTIONS, ...options });
const entries = (result: ImportResult) => result.entries.map(({ users, roles, environments, grants }) => ({ users, roles, environments, grants }));
const reasons = (result: ImportResult) =>
  result.reserved.map((r) => `${r.environment} ${r.kind} ${r.principal ? `${r.principal} ` : ''}${r.name}: ${r.reason}`);

describe('import: account listings to policies and entries', function () {
  describe('grouping', function () {
    const cases: [string, AccountListing[], ReturnType<typeof entries>][] = [
      [
        'principals holding the same set in several accounts: one entry with several environments',
        [account('nonprod', NONPROD, [user('alice', { attached: [READ_ONLY] })]), account('prod', PROD, [user('alice', { attached: [READ_ONLY] })])],
        [{ users: ['alice'], roles: [], environments: ['nonprod', 'prod'], grants: ['aws.ReadOnlyAccess'] }],
      ],
      [
        'principals holding the same set: one entry with several users and roles',
        [
          account('nonprod', NONPROD, [
            user('bob', { attached: [READ_ONLY] }),
            role('ci', { attached: [READ_ONLY] }),
            user('alice', { attached: [READ_ONLY] }),
          ]),
        ],
        [{ users: ['alice', 'bob'], roles: ['ci'], environments: ['nonprod'], grants: ['aws.ReadOnlyAccess'] }],
      ],
      [
        'a principal holding different sets in two accounts: an entry for each',
        [
          account('nonprod', NONPROD, [user('alice', { attached: [READ_ONLY, VIEW_ONLY] })]),
          account('prod', PROD, [user('alice', { attached: [READ_ONLY] }), user('bob', { attached: [READ_ONLY] })]),
        ],
        [
          { users: ['alice'], roles: [], environments: ['nonprod'], grants: ['aws.ReadOnlyAccess', 'aws.ViewOnlyAccess'] },
          { users: ['alice', 'bob'], roles: [], environments: ['prod'], grants: ['aws.ReadOnlyAccess'] },
        ],
      ],
      [
        'the same inline policy on two users: one policy, one entry',
        [
          account('nonprod', NONPROD, [
            user('alice', { inline: [{ name: 's3-read', document: S3_READ }] }),
            user('bob', { inline: [{ name: 's3-read', document: S3_READ }] }),
          ]),
        ],
        [{ users: ['alice', 'bob'], roles: [], environments: ['nonprod'], grants: ['inline.s3-read'] }],
      ],
      [
        'a customer-managed policy (its ARN names its account): a policy per account',
        [
          account('nonprod', NONPROD, [user('alice', { attached: [`arn:aws:iam::${NONPROD}:policy/teams/dev/DevAccess`] })]),
          account('prod', PROD, [user('alice', { attached: [`arn:aws:iam::${PROD}:policy/teams/dev/DevAccess`] })]),
        ],
        [
          { users: ['alice'], roles: [], environments: ['nonprod'], grants: ['customer.nonprod.DevAccess'] },
          { users: ['alice'], roles: [], environments: ['prod'], grants: ['customer.prod.DevAccess'] },
        ],
      ],
    ];
    for (const [what, listings, expected] of cases) {
      it(what, () => {
        assert.deepEqual(entries(run(listings)), expected);
      });
    }
  });

  describe('policies', function () {
    it('keeps ARNs and paths: AWS managed as aws.<name>, customer-managed as customer.<env>.<name>, each inline policy its own with replaces_inline', () => {
      const result = run([
        account('nonprod', NONPROD, [
          user('alice', { attached: [VIEW_ONLY, `arn:aws:iam::${NONPROD}:policy/teams/dev/DevAccess`], inline: [{ name: 's3-read', document: S3_READ }] }),
        ]),
      ]);
      assert.deepEqual(result.policies, [
        {
          name: 'aws.ViewOnlyAccess',
          description: 'AWS managed policy /job-function/ViewOnlyAccess, attached before grantflow',
          managedPolicies: [VIEW_ONLY],
          statements: [],
        },
        {
          name: 'customer.nonprod.DevAccess',
          description: `customer-managed policy /teams/dev/DevAccess of nonprod (${NONPROD}), attached before grantflow`,
          managedPolicies: [`arn:aws:iam::${NONPROD}:policy/teams/dev/DevAccess`],
          statements: [],
        },
        {
          name: 'inline.s3-read',
          description: 'inline policy s3-read, imported from IAM',
          managedPolicies: [],
          statements: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::logs/*'] }],
          replacesInline: 's3-read',
        },
      ]);
    });

    it('tells apart inline policies of one name (letter case aside) that hold different statements, by a digest of each', () => {
      const result = run([
        account('nonprod', NONPROD, [
          user('alice', { inline: [{ name: 'S3', document: S3_READ }] }),
          user('bob', { inline: [{ name: 's3', document: S3_WRITE }] }),
          user('carol', { inline: [{ name: 's3', document: S3_WRITE }] }),
        ]),
      ]);
      const names = result.policies.map((p) => p.name);
      assert.equal(names.length, 2);
      for (const name of names) assert.match(name, /^inline\.[sS]3\.[0-9a-f]{8}$/);
      assert.deepEqual(
        result.policies.map((p) => p.replacesInline),
        result.policies.map((p) => (p.statements[0]!.Action![0] === 's3:GetObject' ? 'S3' : 's3')),
      );
      assert.deepEqual(
        entries(result).map((e) => e.users),
        [['alice'], ['bob', 'carol']],
      );
    });

    it("cuts a name too long for grantflow's policy grantflow.<team>.<name> (128 characters) and keeps it apart by a digest", () => {
      const long = 'x'.repeat(128);
      const [policy] = run([account('nonprod', NONPROD, [user('alice', { inline: [{ name: long, document: S3_READ }] })])]).policies;
      assert.equal(`grantflow.legacy.${policy!.name}`.length, 128);
      assert.match(policy!.name, /^inline\.x+\.[0-9a-f]{8}$/);
      assert.equal(policy!.replacesInline, long);
    });
  });

  describe('never imported, each with its reason', function () {
    const ownPolicy = `arn:aws:iam::${NONPROD}:policy/grantflow/legacy/grantflow.legacy.inline.s3-read`;
    const otherTeams = `arn:aws:iam::${NONPROD}:policy/grantflow/payments/grantflow.payments.reader`;
    const cases: [string, AccountListing, RegExp][] = [
      [
        'a group, with its members',
        account('nonprod', NONPROD, [user('alice', { groups: ['devs'], attached: [READ_ONLY] })], [{ name: 'devs', path: '/', inline: ['x'], attached: [] }]),
        /^nonprod group devs: grantflow grants to users and roles, not groups: .*members: alice\)/,
      ],
      [
        'a role made by IAM Identity Center (its path)',
        account('nonprod', NONPROD, [role('AWSReservedSSO_Admin_0123', { path: '/aws-reserved/sso.amazonaws.com/', attached: [READ_ONLY] })]),
        /role AWSReservedSSO_Admin_0123: made by IAM Identity Center/,
      ],
      [
        'a role made by IAM Identity Center (its name)',
        account('nonprod', NONPROD, [role('AWSReservedSSO_ReadOnly_99', { attached: [READ_ONLY] })]),
        /made by IAM Identity Center/,
      ],
      [
        'a service-linked role',
        account('nonprod', NONPROD, [role('AWSServiceRoleForSupport', { path: '/aws-service-role/support.amazonaws.com/', attached: [READ_ONLY] })]),
        /role AWSServiceRoleForSupport: a service-linked role/,
      ],
      [
        'the deployer role, in any letter case',
        account('nonprod', NONPROD, [role('awsselfservedeployer', { attached: [READ_ONLY] })]),
        /the deployer role grantflow acts through/,
      ],
      ['a user whose name holds @', account('nonprod', NONPROD, [user('bob@example.com', { attached: [READ_ONLY] })]), /bob@example.com would be IAM user bob/],
      [
        "another team's grantflow policy",
        account('nonprod', NONPROD, [user('alice', { attached: [READ_ONLY, otherTeams] })]),
        /attachment user\/alice .*grantflow\.payments\.reader: grantflow's own policy \(it is under grantflow's path \/grantflow\/\), attached by the grants of team payments/,
      ],
      [
        "this team's own grantflow policy (an import after a submission)",
        account('nonprod', NONPROD, [user('alice', { attached: [READ_ONLY, ownPolicy] })]),
        /attached by the grants of this team/,
      ],
      [
        "an attachment carrying grantflow's ownership mark",
        account('nonprod', NONPROD, [user('alice', { attached: [READ_ONLY, VIEW_ONLY], tags: [{ key: markerKey(VIEW_ONLY), value: VIEW_ONLY }] })]),
        /ViewOnlyAccess: attached by grantflow: the principal carries grantflow's ownership mark/,
      ],
      [
        "grantflow's inline policy of a temporary grant",
        account('nonprod', NONPROD, [
          user('alice', { attached: [READ_ONLY], inline: [{ name: 'grantflow.payments.reader.20260101T000000Z', document: S3_READ }] }),
        ]),
        /inline-policy user\/alice grantflow\.payments\.reader\.20260101T000000Z: grantflow's own inline policy of a temporary grant of team payments/,
      ],
      [
        'an inline policy of version 2008-10-17 with ${...} variables',
        account('nonprod', NONPROD, [
          user('alice', {
            inline: [
              {
                name: 'home',
                document: JSON.stringify({
                  Version: '2008-10-17',
                  Statement: { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::home/${aws:username}' },
                }),
              },
            ],
          }),
        ]),
        /inline-policy user\/alice home: its Version is 2008-10-17 and it uses \$\{\.\.\.\} policy variables/,
      ],
      [
        'an inline policy too large for one managed policy',
        account('nonprod', NONPROD, [
          role('ci', {
            inline: [
              {
                name: 'big',
                document: JSON.stringify({
                  Version: '2012-10-17',
                  Statement: { Effect: 'Allow', Action: Array.from({ length: 600 }, (_, i) => `s3:Action${i}`), Resource: '*' },
                }),
              },
            ],
          }),
        ]),
        /inline-policy role\/ci big: too large for one managed policy: [\d,]+ characters as grantflow writes it, IAM allows 6,144/,
      ],
      [
        'a principal that would exceed the attach quota once its inline policies are managed policies',
        account('nonprod', NONPROD, [
          user('alice', {
            attached: Array.from({ length: 9 }, (_, i) => `arn:aws:iam::${NONPROD}:policy/p${i}`),
            inline: [
              { name: 'a', document: S3_READ },
              { name: 'b', document: S3_WRITE },
            ],
          }),
        ]),
        /user alice: would hold 11 managed policies once grantflow's policies for its 2 inline policies are attached, over the quota of 10/,
      ],
    ];
    for (const [what, listing, reason] of cases) {
      it(what, () => {
        const result = run([listing]);
        assert.ok(
          reasons(result).some((r) => reason.test(r)),
          reasons(result).join('\n'),
        );
      });
    }

    it('imports the rest of a principal some of whose policies it leaves out, and leaves out every policy of a reserved principal', () => {
      const result = run([
        account('nonprod', NONPROD, [
          user('alice', { attached: [READ_ONLY, `arn:aws:iam::${NONPROD}:policy/grantflow/x/grantflow.x.p`] }),
          role('AWSServiceRoleForSupport', { path: '/aws-service-role/support.amazonaws.com/', attached: [READ_ONLY] }),
        ]),
      ]);
      assert.deepEqual(entries(result), [{ users: ['alice'], roles: [], environments: ['nonprod'], grants: ['aws.ReadOnlyAccess'] }]);
      assert.deepEqual(result.counts, { users: 1, roles: 0, notChosen: 0, holdingNothing: 0 });
    });
  });

  it('chooses principals by --principals (name, or user/NAME and role/NAME) and --skip-roles', () => {
    const listing = account('nonprod', NONPROD, [
      user('alice', { attached: [READ_ONLY] }),
      user('bob', { attached: [READ_ONLY] }),
      role('ci', { attached: [READ_ONLY] }),
    ]);
    assert.deepEqual(entries(run([listing], { principals: /^a/ }))[0]!.users, ['alice']);
    assert.deepEqual(entries(run([listing], { principals: /^role\// }))[0]!.roles, ['ci']);
    const users = run([listing], { skipRoles: true });
    assert.deepEqual(entries(users), [{ users: ['alice', 'bob'], roles: [], environments: ['nonprod'], grants: ['aws.ReadOnlyAccess'] }]);
    assert.equal(users.counts.notChosen, 1);
  });

  it('writes adopt: true on every entry with --adopt', () => {
    const listing = account('nonprod', NONPROD, [user('alice', { attached: [READ_ONLY] }), role('ci', { attached: [VIEW_ONLY] })]);
    assert.deepEqual(
      run([listing], { adopt: true }).entries.map((e) => e.adopt),
      [true, true],
    );
    assert.deepEqual(
      run([listing]).entries.map((e) => e.adopt),
      [false, false],
    );
  });

  it('gives the same result whatever order IAM lists accounts, principals, policies and attachments in', () => {
    const listings = [
      account('prod', PROD, [
        user('bob', { attached: [VIEW_ONLY, READ_ONLY] }),
        user('alice', { inline: [{ name: 's3-read', document: S3_READ }], attached: [READ_ONLY] }),
      ]),
      account(
        'nonprod',
        NONPROD,
        [
          role('ci', { inline: [{ name: 'w', document: S3_WRITE }] }),
          user('alice', { attached: [READ_ONLY], inline: [{ name: 's3-read', document: S3_READ }] }),
        ],
        [{ name: 'devs', path: '/', inline: [], attached: [] }],
      ),
    ];
    const reversed = listings
      .map((l) => ({ ...l, principals: [...l.principals].reverse().map((p) => ({ ...p, attached: [...p.attached].reverse() })) }))
      .reverse();
    assert.deepEqual(run(reversed), run(listings));
  });

  it("gives the same result after a submission: grantflow's own policies and marks beside what was there count for nothing", () => {
    const before = [
      account('nonprod', NONPROD, [
        user('alice', {
          attached: Array.from({ length: 8 }, (_, i) => `arn:aws:iam::${NONPROD}:policy/p${i}`),
          inline: [
            { name: 's3-read', document: S3_READ },
            { name: 'w', document: S3_WRITE },
          ],
        }),
      ]),
    ];
    const first = run(before);
    const own = first.policies.filter((p) => p.statements.length > 0).map((p) => `arn:aws:iam::${NONPROD}:policy/grantflow/legacy/grantflow.legacy.${p.name}`);
    const after = [
      account('nonprod', NONPROD, [
        {
          ...before[0]!.principals[0]!,
          attached: [...before[0]!.principals[0]!.attached, ...own],
          tags: own.map((arn) => ({ key: markerKey(arn), value: arn })),
        },
      ]),
    ];
    const second = run(after);
    assert.deepEqual({ ...second, reserved: [] }, { ...first, reserved: [] }, 'the same policies and entries');
    assert.equal(first.entries.length, 1, 'at the quota, not over it');
  });
});
