// A Deny written in YAML (or in an AWS managed policy that is copied) denies whatever grantflow adds:
// MFA (require_mfa) and a temporary grant's expiry go on Allow statements only, since a condition on a
// Deny narrows what it denies. Grants are expanded by the core, applied by the activities against
// moto, every policy the user then holds is read back from moto (which ignores conditions) and the
// whole set is judged by an independent IAM policy evaluator, as AWS would judge a request: by a
// caller without MFA (every access key), with MFA, before and after the grant's expiry.
import assert from 'node:assert/strict';
import { GetPolicyCommand, GetPolicyVersionCommand } from '@aws-sdk/client-iam';
import { createIamActivities } from '../../activities';
import { AccountClients } from '../../src/aws/accounts';
import { ensureManagedPolicy } from '../../src/aws/managed-policies';
import { expandTeam } from '../../src/core/expand';
import type { GrantSpec } from '../../src/core/grant';
import { attachedArns, deployerFor } from '../../src/core/grant-derived';
import { DEFAULT_SETTINGS, type IamStatement, type Settings } from '../../src/core/team-config';
import type { HolderDirectory, HolderQuery } from '../../src/temporal/holders';
import { startMoto, type Moto } from '../../src/local/moto';
import { decide as evaluate } from '../harness/iam-evaluator';
import { snapshotUsers } from '../harness/iam-snapshot';
import { ACCOUNTS, inHours, team } from '../harness/team';

const POWER_USER = 'arn:aws:iam::aws:policy/PowerUserAccess';
/** Small enough to be copied, and carries a Deny of its own: Allow lakeformation:* ..., Deny lakeformation:PutDataLakeSettings. */
const LAKE_ADMIN = 'arn:aws:iam::aws:policy/AWSLakeFormationDataAdmin';
const ACCOUNT = ACCOUNTS.nonprod;

/** The team's custom statements: one action to allow (PowerUserAccess does not), one to deny (it does). */
const STATEMENTS: IamStatement[] = [
  { Effect: 'Allow', Action: ['iam:GetUser'], Resource: ['*'] },
  { Effect: 'Deny', Action: ['s3:DeleteBucket'], Resource: ['*'] },
];

class LiveGrants implements HolderDirectory {
  async neededArns(_query: HolderQuery): Promise<Set<string>> {
    return new Set();
  }
}

type Document = { Statement: { Effect: string; Condition?: unknown }[] };
/** How the caller signs in: without MFA the key is "false" (console) or absent (an access key). */
type Mfa = 'with MFA' | 'MFA false' | 'access key';
const MFA_VALUES: Record<Mfa, Record<string, string>> = {
  'with MFA': { 'aws:MultiFactorAuthPresent': 'true' },
  'MFA false': { 'aws:MultiFactorAuthPresent': 'false' },
  'access key': {},
};
const WITHOUT_MFA: Mfa[] = ['MFA false', 'access key'];

const RESOURCES: Record<string, string> = {
  's3:DeleteBucket': 'arn:aws:s3:::any-bucket',
  'iam:GetUser': `arn:aws:iam::${ACCOUNT}:user/someone`,
};

describe('a Deny denies whatever grantflow adds (moto, IAM policy evaluator)', function () {
  let moto: Moto;
  let accounts: AccountClients;
  let activities: ReturnType<typeof createIamActivities>;

  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env);
  });
  after(async () => {
    accounts?.destroy();
    await moto?.stop();
  });
  beforeEach(async () => {
    accounts?.destroy();
    await moto.reset();
    await moto.createUsers(ACCOUNT, ['alice', 'bob']);
    accounts = new AccountClients({ iamCallsPerSecond: 1000 });
    activities = createIamActivities({ accounts, holders: new LiveGrants() });
  });

  /** Expands the team, writes its customer-managed policies and applies the grant to `user`, as a pass and the grant workflow would. */
  async function granted(input: { kind: GrantSpec['kind']; managed: string[]; statements?: IamStatement[]; settings?: Partial<Settings> }): Promise<GrantSpec> {
    const user = input.kind === 'permanent' ? 'alice' : 'bob';
    const expansion = expandTeam(
      team({
        policies: {
          guarded: {
            description: 'guarded',
            managedPolicyArns: input.managed,
            statements: input.statements ?? [],
            source: { file: 'aws-policies/g.yaml', line: 1 },
          },
        },
        ...(input.kind === 'permanent'
          ? { permanent: [{ users: [user], environments: ['nonprod'], grants: ['guarded'] }] }
          : { temporary: [{ user, environment: 'nonprod', grant: 'guarded', expiresAt: inHours(24) }] }),
        settings: input.settings ?? {},
      }),
      Date.now(),
    );
    const ref = { account: ACCOUNT, environment: 'nonprod', deployer: deployerFor(DEFAULT_SETTINGS) };
    for (const sync of expansion.policies) await ensureManagedPolicy({ client: accounts.iam(ref), account: ACCOUNT, environment: 'nonprod' }, sync);
    const grant = expansion.grants[0]!;
    await activities.applySpec(grant);
    return grant;
  }

  /** A managed policy's default document, as moto holds it. */
  async function managedDocument(arn: string): Promise<Document> {
    const iam = await moto.iamIn(ACCOUNT);
    try {
      const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
      const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.Policy!.DefaultVersionId! }));
      return JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!)) as Document;
    } finally {
      iam.destroy();
    }
  }

  /** Every policy the user holds in moto: inline documents and the documents of what is attached. */
  async function held(user: string): Promise<{ name: string; policy: Document }[]> {
    const snapshot = (await snapshotUsers(moto, ACCOUNT, [user]))[user]!;
    const inline = Object.entries(snapshot.inline).map(([name, text]) => ({ name, policy: JSON.parse(text) as Document }));
    const attached = await Promise.all(
      snapshot.attached.map(async (arn) => ({ name: arn.slice(arn.lastIndexOf('/') + 1), policy: await managedDocument(arn) })),
    );
    return [...inline, ...attached];
  }

  function decide(user: string, policies: { name: string; policy: Document }[], action: string, at: { atMs: number; mfa: Mfa }): Promise<string> {
    const context = { 'aws:CurrentTime': new Date(at.atMs).toISOString(), ...MFA_VALUES[at.mfa] };
    return evaluate(policies, { account: ACCOUNT, principal: `user/${user}`, action, resource: RESOURCES[action] ?? '*', context });
  }

  /** Every expectation that fails, so one run names them all. */
  async function judge(user: string, expectations: [action: string, at: { atMs: number; mfa: Mfa }, want: string][]): Promise<void> {
    const policies = await held(user);
    const wrong: string[] = [];
    for (const [action, at, want] of expectations) {
      const got = await decide(user, policies, action, at);
      if (got !== want) wrong.push(`${action} ${at.mfa} at ${new Date(at.atMs).toISOString()}: ${got}, want ${want}`);
    }
    assert.deepEqual(wrong, []);
  }

  const mfaSettings: [string, Partial<Settings>][] = [
    ['without require_mfa', {}],
    ['with require_mfa', { requireMfa: ['nonprod'] }],
  ];

  for (const [label, settings] of mfaSettings) {
    it(`a permanent grant of PowerUserAccess and a custom Deny s3:DeleteBucket: the Deny denies every caller ${label}`, async () => {
      const grant = await granted({ kind: 'permanent', managed: [POWER_USER], statements: STATEMENTS, settings });
      assert.deepEqual(attachedArns(grant), [grant.customPolicyArn!, POWER_USER]);
      const now = Date.now();
      await judge('alice', [
        ...(['with MFA', ...WITHOUT_MFA] as Mfa[]).map((mfa): [string, { atMs: number; mfa: Mfa }, string] => [
          's3:DeleteBucket',
          { atMs: now, mfa },
          'ExplicitlyDenied',
        ]),
        // PowerUserAccess is attached as it is (validate says it carries no MFA): it allows the rest.
        ['s3:CreateBucket', { atMs: now, mfa: 'access key' }, 'Allowed'],
      ]);
    });
  }

  it('a permanent grant with require_mfa: the custom Allow needs MFA, the custom Deny does not', async () => {
    await granted({ kind: 'permanent', managed: [POWER_USER], statements: STATEMENTS, settings: { requireMfa: ['nonprod'] } });
    const now = Date.now();
    await judge('alice', [
      ['iam:GetUser', { atMs: now, mfa: 'with MFA' }, 'Allowed'],
      ...WITHOUT_MFA.map((mfa): [string, { atMs: number; mfa: Mfa }, string] => ['iam:GetUser', { atMs: now, mfa }, 'ImplicitlyDenied']),
      ...WITHOUT_MFA.map((mfa): [string, { atMs: number; mfa: Mfa }, string] => ['s3:DeleteBucket', { atMs: now, mfa }, 'ExplicitlyDenied']),
    ]);
  });

  it('a temporary grant with require_mfa (inline policy and expiring copy of PowerUserAccess): without MFA nothing is allowed and the Deny denies, before and after expiry', async () => {
    const grant = await granted({ kind: 'temporary', managed: [POWER_USER], statements: STATEMENTS, settings: { requireMfa: ['nonprod'] } });
    assert.equal(grant.expiringCopies?.length, 1, 'PowerUserAccess is an expiring copy');
    const expiresMs = Date.parse(grant.expiresAt!);
    const before = expiresMs - 1000;
    const after = expiresMs + 60_000;
    const rows: [string, { atMs: number; mfa: Mfa }, string][] = [
      ['ec2:DescribeInstances', { atMs: before, mfa: 'with MFA' }, 'Allowed'],
      ['iam:GetUser', { atMs: before, mfa: 'with MFA' }, 'Allowed'],
      ['ec2:DescribeInstances', { atMs: after, mfa: 'with MFA' }, 'ImplicitlyDenied'],
      ['iam:GetUser', { atMs: after, mfa: 'with MFA' }, 'ImplicitlyDenied'],
    ];
    for (const mfa of WITHOUT_MFA) {
      rows.push(['ec2:DescribeInstances', { atMs: before, mfa }, 'ImplicitlyDenied'], ['iam:GetUser', { atMs: before, mfa }, 'ImplicitlyDenied']);
    }
    for (const atMs of [before, after])
      for (const mfa of ['with MFA', ...WITHOUT_MFA] as Mfa[]) rows.push(['s3:DeleteBucket', { atMs, mfa }, 'ExplicitlyDenied']);
    await judge('bob', rows);
  });

  it('a temporary grant whose PowerUserAccess is attached as it is: after expiry, until the workflow revokes, the Deny still denies what PowerUserAccess allows', async () => {
    const grant = await granted({
      kind: 'temporary',
      managed: [POWER_USER],
      statements: STATEMENTS,
      settings: { requireMfa: ['nonprod'], temporaryManagedPolicies: 'attach' },
    });
    assert.deepEqual(grant.managedPolicyArns, [POWER_USER]);
    const after = Date.parse(grant.expiresAt!) + 60_000;
    await judge('bob', [
      ['s3:CreateBucket', { atMs: after, mfa: 'access key' }, 'Allowed'],
      ...(['with MFA', ...WITHOUT_MFA] as Mfa[]).map((mfa): [string, { atMs: number; mfa: Mfa }, string] => [
        's3:DeleteBucket',
        { atMs: after, mfa },
        'ExplicitlyDenied',
      ]),
    ]);
  });

  it('an expiring copy of an AWS managed policy with a Deny of its own (AWSLakeFormationDataAdmin) keeps that Deny exactly, and it denies before and after expiry, with or without MFA', async () => {
    const grant = await granted({ kind: 'temporary', managed: [LAKE_ADMIN], settings: { requireMfa: ['nonprod'] } });
    const copy = grant.expiringCopies?.[0];
    assert.equal(copy?.sourceArn, LAKE_ADMIN, 'copied');
    const source = await managedDocument(LAKE_ADMIN);
    const written = await managedDocument(copy.arn);
    const denies = (d: Document) => d.Statement.filter((s) => s.Effect === 'Deny');
    assert.equal(denies(source).length, 1);
    assert.deepEqual(denies(written), denies(source), 'the Deny as AWS wrote it');
    assert.ok(
      written.Statement.filter((s) => s.Effect === 'Allow').every((s) => JSON.stringify(s.Condition).includes('aws:MultiFactorAuthPresent')),
      'each Allow needs MFA',
    );
    const expiresMs = Date.parse(grant.expiresAt!);
    const rows: [string, { atMs: number; mfa: Mfa }, string][] = [
      ['lakeformation:GetDataLakeSettings', { atMs: expiresMs - 1000, mfa: 'with MFA' }, 'Allowed'],
      ['lakeformation:GetDataLakeSettings', { atMs: expiresMs - 1000, mfa: 'access key' }, 'ImplicitlyDenied'],
      ['lakeformation:GetDataLakeSettings', { atMs: expiresMs, mfa: 'with MFA' }, 'ImplicitlyDenied'],
    ];
    for (const atMs of [expiresMs - 1000, expiresMs + 60_000])
      for (const mfa of ['with MFA', ...WITHOUT_MFA] as Mfa[]) rows.push(['lakeformation:PutDataLakeSettings', { atMs, mfa }, 'ExplicitlyDenied']);
    await judge('bob', rows);
  });
});
