// Policy documents: the expiry added to every Allow statement and merged with a statement's own
// time limit in every form IAM reads (never widening a stricter one), the statement keys kept in
// IAM's order, the grant's conditions on Allow statements only (in every document grantflow writes),
// expiring copies of managed policy documents and their overhead, sizes, and which documents count
// as the same.
import assert from 'node:assert/strict';
import {
  canonicalDocument,
  holdsStatements,
  conditionAllows,
  copyOverheadPerStatement,
  type GrantConditions,
  mergeConditions,
  policySize,
  renderDocument,
  renderExpiringCopy,
  sameDocument,
  withExpiry,
} from '../../../src/core/documents';
import { expandTeam } from '../../../src/core/expand';
import type { IamStatement } from '../../../src/core/team-config';
import { decideManagedParts } from '../../../src/core/managed-copies';
import { findAwsManagedPolicy } from '../../../src/core/aws-managed-policies';
import { ACCOUNTS, team } from '../../harness/team';

describe('policy documents', function () {
  const statement: IamStatement = { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] };

  it('adds DateLessThan aws:CurrentTime to every Allow statement, merged with its own conditions, and none to a Deny', () => {
    const expiry = '2026-06-03T23:59:59Z';
    const merged = withExpiry(
      [statement, { ...statement, Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }, { ...statement, Effect: 'Deny' }],
      expiry,
    );
    assert.deepEqual(
      merged.map((s) => s.Condition),
      [
        { DateLessThan: { 'aws:CurrentTime': expiry } },
        { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' }, DateLessThan: { 'aws:CurrentTime': expiry } },
        undefined,
      ],
    );
  });

  const earlier: [string, string, string][] = [
    ['2026-06-01T00:00:00Z', '2026-06-03T23:59:59Z', '2026-06-01T00:00:00Z'],
    ['2026-07-01T00:00:00Z', '2026-06-03T23:59:59Z', '2026-06-03T23:59:59Z'],
  ];
  for (const [own, expiry, kept] of earlier) {
    it(`keeps the earlier of its own time limit ${own} and the expiry ${expiry}`, () => {
      const [merged] = withExpiry([{ ...statement, Condition: { DateLessThan: { 'aws:CurrentTime': own, 'aws:EpochTime': 5 } } }], expiry);
      assert.deepEqual(merged!.Condition!.DateLessThan, { 'aws:CurrentTime': kept, 'aws:EpochTime': 5 });
    });
  }

  it('renders minified JSON in IAM key order with sorted conditions, whatever the input order', () => {
    const a = renderDocument([
      { Condition: { StringLike: { b: 'x', a: 'y' }, Bool: { c: true } }, Resource: ['*'], Action: ['s3:GetObject'], Effect: 'Allow' },
    ]);
    const b = renderDocument([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'], Condition: { Bool: { c: true }, StringLike: { a: 'y', b: 'x' } } },
    ]);
    assert.equal(a, b);
    assert.equal(
      a,
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"],"Condition":{"Bool":{"c":true},"StringLike":{"a":"y","b":"x"}}}]}',
    );
  });

  const sizes: [string, number][] = [
    ['{"a": 1}', 7],
    ['{\n  "a" : [ 1 , 2 ]\n}', 11],
    ['\t \r\n', 0],
  ];
  for (const [text, size] of sizes) it(`counts ${size} non-whitespace characters in ${JSON.stringify(text)}`, () => assert.equal(policySize(text), size));

  it('treats documents that differ only in whitespace, key order or one-element lists as the same', () => {
    const ours = renderDocument([statement]);
    const theirs = '{ "Statement": { "Resource": "*", "Effect": "Allow", "Action": "s3:GetObject" }, "Version": "2012-10-17" }';
    assert.ok(sameDocument(ours, theirs), `${canonicalDocument(ours)} vs ${canonicalDocument(theirs)}`);
    assert.ok(!sameDocument(ours, renderDocument([{ ...statement, Action: ['s3:PutObject'] }])));
    assert.ok(!sameDocument(ours, 'not json'));
  });
});

const EXPIRY = '2026-06-01T12:00:00Z';

describe('rendering a policy document', function () {
  it('keeps every key of a statement, in IAM order, with conditions sorted and lists kept as lists', () => {
    const statement = {
      Condition: { StringEquals: { 'aws:b': ['y', 'x'], 'aws:a': 'z' } },
      NotResource: ['arn:aws:s3:::secret'],
      NotAction: ['iam:*'],
      Effect: 'Allow',
      Sid: 'Everything',
    } as unknown as IamStatement;
    assert.equal(
      renderDocument([statement]),
      '{"Version":"2012-10-17","Statement":[{"Sid":"Everything","Effect":"Allow","NotAction":["iam:*"],"NotResource":["arn:aws:s3:::secret"],"Condition":{"StringEquals":{"aws:a":"z","aws:b":["y","x"]}}}]}',
    );
  });
});

describe('the expiry merged with a statement’s own time limit', function () {
  const own = (value: unknown) =>
    mergeConditions({ DateLessThan: { 'aws:CurrentTime': value } } as never, { expiresAt: EXPIRY }).DateLessThan!['aws:CurrentTime'];
  const cases: [string, unknown, unknown][] = [
    ['an earlier date without a time', '2026-01-01', '2026-01-01T00:00:00Z'],
    ['earlier epoch seconds, spaced', ' 1700000000 ', '2023-11-14T22:13:20Z'],
    ['earlier epoch seconds as a number', 1700000000, '2023-11-14T22:13:20Z'],
    ['a later time', '2027-01-01T00:00:00Z', EXPIRY],
    ['the same instant', '2026-06-01T12:00:00.000Z', EXPIRY],
    ['not a time at all', true, EXPIRY],
    ['a list: its latest counts', ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'], '2026-02-01T00:00:00Z'],
  ];
  for (const [name, value, want] of cases) it(name, () => assert.deepEqual(own(value), want));

  it('at the same instant, the grant’s own spelling of the expiry is written', () => {
    const merged = mergeConditions({ DateLessThan: { 'aws:CurrentTime': EXPIRY } }, { expiresAt: '2026-06-01T12:00:00.000Z' });
    assert.equal(merged.DateLessThan!['aws:CurrentTime'], '2026-06-01T12:00:00.000Z');
  });
});

describe('the conditions a grant adds go on Allow statements only', function () {
  // A condition narrows the statement it is on: on a Deny it narrows what is denied. MFA on a Deny
  // would let every caller without MFA through; an expiry would lift the Deny before the workflow
  // detaches the policies attached as they are.
  const add: GrantConditions = { expiresAt: EXPIRY, mfa: true };
  const guards = { DateLessThan: { 'aws:CurrentTime': EXPIRY }, Bool: { 'aws:MultiFactorAuthPresent': 'true' } };
  const allow: IamStatement = { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] };
  const deny: IamStatement = { Effect: 'Deny', Action: ['s3:DeleteBucket'], Resource: ['*'] };
  const ownDenyCondition = {
    StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] },
    // Later than the grant's expiry, and MFA "false": the grant's stricter values must not replace them.
    DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' },
    Bool: { 'aws:MultiFactorAuthPresent': 'false' },
  };
  const cases: { name: string; statements: IamStatement[]; want: IamStatement[] }[] = [
    { name: 'an Allow gains the expiry and MFA', statements: [allow], want: [{ ...allow, Condition: guards }] },
    {
      name: 'an Allow with conditions of its own gains them beside its own',
      statements: [{ ...allow, Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }],
      want: [{ ...allow, Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' }, ...guards } }],
    },
    { name: 'a Deny is left exactly as written, without a Condition key', statements: [deny], want: [deny] },
    {
      name: 'a NotAction Deny is left exactly as written',
      statements: [{ Effect: 'Deny', NotAction: ['iam:Get*', 'iam:List*'], Resource: ['*'] }],
      want: [{ Effect: 'Deny', NotAction: ['iam:Get*', 'iam:List*'], Resource: ['*'] }],
    },
    {
      name: 'a NotResource Deny is left exactly as written',
      statements: [{ Sid: 'OnlyLogs', Effect: 'Deny', Action: ['s3:*'], NotResource: ['arn:aws:s3:::logs', 'arn:aws:s3:::logs/*'] }],
      want: [{ Sid: 'OnlyLogs', Effect: 'Deny', Action: ['s3:*'], NotResource: ['arn:aws:s3:::logs', 'arn:aws:s3:::logs/*'] }],
    },
    {
      name: 'a Deny with conditions of its own keeps exactly those, not the stricter expiry or MFA',
      statements: [{ ...deny, Condition: ownDenyCondition }],
      want: [{ ...deny, Condition: ownDenyCondition }],
    },
    {
      name: 'a mixed document: each Allow gains them, each Deny does not, in the order written',
      statements: [allow, deny, { ...allow, Action: ['ec2:DescribeInstances'] }, { ...deny, Condition: ownDenyCondition }],
      want: [
        { ...allow, Condition: guards },
        deny,
        { ...allow, Action: ['ec2:DescribeInstances'], Condition: guards },
        { ...deny, Condition: ownDenyCondition },
      ],
    },
  ];

  const statementsOf = (document: string) => (JSON.parse(document) as { Statement: IamStatement[] }).Statement;
  const expand = (statements: IamStatement[]) =>
    expandTeam(
      team({
        policies: { p: { description: 'p', managedPolicyArns: [], statements, source: { file: 'aws-policies/p.yaml', line: 1 } } },
        permanent: [{ users: ['alice'], environments: ['prod'], grants: ['p'] }],
        temporary: [{ user: 'bob', environment: 'prod', grant: 'p', expiresAt: EXPIRY }],
        settings: { requireMfa: ['prod'] },
      }),
      Date.parse(EXPIRY) - 86_400_000,
    );

  for (const c of cases) {
    describe(c.name, function () {
      it('in the statements grantflow renders', () => assert.deepEqual(conditionAllows(c.statements, add), c.want));
      it('in the inline policy of a temporary grant (expiry and MFA)', () => {
        const grant = expand(c.statements).grants.find((g) => g.kind === 'temporary')!;
        assert.deepEqual(statementsOf(grant.inlinePolicy!.document), c.want);
      });
      it('in the customer-managed policy of a permanent grant (MFA only)', () => {
        const [synced] = expand(c.statements).policies.filter((p) => p.account === ACCOUNTS.prod);
        const mfaOnly = c.want.map((s, i) => (s.Effect === 'Allow' ? { ...s, Condition: mergeConditions(c.statements[i]!.Condition, { mfa: true }) } : s));
        assert.deepEqual(statementsOf(synced!.document), mfaOnly);
      });
      it('in the expiring copy of a managed policy', () => {
        const source = JSON.stringify({ Version: '2012-10-17', Statement: c.statements });
        assert.deepEqual(statementsOf(renderExpiringCopy(source, add)), c.want);
      });
    });
  }

  it('a copy of a policy that only denies is its source, character for character', () => {
    const source = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'DenyAll', Effect: 'Deny', Action: ['*'], Resource: '*' }] });
    assert.equal(renderExpiringCopy(source, add), source);
  });

  it('the size a copy is judged by stays an upper bound when some statements are Deny', () => {
    const source = JSON.stringify({ Version: '2012-10-17', Statement: cases.at(-1)!.statements });
    const growth = policySize(renderExpiringCopy(source, add)) - policySize(source);
    assert.ok(growth > 0 && growth <= cases.at(-1)!.statements.length * copyOverheadPerStatement(add), `${growth}`);
    const [part] = decideManagedParts(['arn:aws:iam::aws:policy/AWSDenyAll'], { mode: 'copy', conditions: add });
    assert.equal(part!.mode, 'copy', 'a Deny-only AWS managed policy is still copied');
  });
});

describe('expiring copies of a managed policy document', function () {
  it('a single statement object, no Version: the current version, the statement conditioned', () => {
    assert.equal(
      renderExpiringCopy('{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}', { expiresAt: EXPIRY }),
      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"${EXPIRY}"}}}]}`,
    );
  });

  it('keeps the source document’s own Version', () => {
    assert.equal(JSON.parse(renderExpiringCopy('{"Version":"2008-10-17","Statement":[{"Effect":"Allow"}]}', { expiresAt: EXPIRY })).Version, '2008-10-17');
  });

  const refused: [string, string][] = [
    ['{}', 'the managed policy document has no statements'],
    ['{"Statement":[]}', 'the managed policy document has no statements'],
    ['{"Statement":"s3:GetObject"}', 'the managed policy document has no statements'],
    ['{"Statement":["s3:GetObject"]}', 'a statement of the managed policy document is not an object'],
  ];
  for (const [doc, message] of refused) it(`refuses ${doc}`, () => assert.throws(() => renderExpiringCopy(doc, { expiresAt: EXPIRY }), { message }));
});

describe('the most a copy grows per statement', function () {
  const size = (condition: unknown) => policySize(`,"Condition":${JSON.stringify(condition)}`);
  it('without an expiry, counted for an expiry of the usual length, no MFA', () => {
    assert.equal(copyOverheadPerStatement({}), size({ DateLessThan: { 'aws:CurrentTime': '2000-01-01T00:00:00Z' } }));
  });
  it('with an expiry written longer, counted as written', () => {
    assert.equal(
      copyOverheadPerStatement({ expiresAt: '2026-06-01T12:00:00.000Z' }),
      size({ DateLessThan: { 'aws:CurrentTime': '2026-06-01T12:00:00.000Z' } }),
    );
  });
  it('with MFA', () => {
    assert.equal(
      copyOverheadPerStatement({ mfa: true }),
      size({ DateLessThan: { 'aws:CurrentTime': '2000-01-01T00:00:00Z' }, Bool: { 'aws:MultiFactorAuthPresent': 'true' } }),
    );
  });
});

describe('the same document, as IAM sees it', function () {
  const cases: [string, string, string, boolean][] = [
    ['one value or a list of one', '{"Statement":[{"Action":["s3:GetObject"]}]}', '{"Statement":{"Action":"s3:GetObject"}}', true],
    ['lists of two that differ', '{"Statement":[{"Action":["a:A","b:B"]}]}', '{"Statement":[{"Action":["a:A","c:C"]}]}', false],
    ['two statements that differ', '{"Statement":[{"Sid":"a"},{"Sid":"b"}]}', '{"Statement":[{"Sid":"a"},{"Sid":"c"}]}', false],
    ['not JSON', 'not json', '{}', false],
  ];
  for (const [name, a, b, same] of cases) it(name, () => assert.strictEqual(sameDocument(a, b), same));

  it('a list of one statement stays a list', () => {
    assert.equal(canonicalDocument('{"Statement":[{"Sid":"a"}]}'), '{"Statement":[{"Sid":"a"}]}');
  });
});

const GRANT_EXPIRY = '2026-06-03T23:59:59Z';
const statement = (condition?: IamStatement['Condition']): IamStatement => ({
  Effect: 'Allow',
  Action: ['s3:GetObject'],
  Resource: ['*'],
  ...(condition ? { Condition: condition } : {}),
});
const limitOf = (s: IamStatement) => s.Condition?.DateLessThan?.['aws:CurrentTime'];

describe('the expiry condition keeps any stricter limit the statement already has', () => {
  const cases: { name: string; own: unknown; want: unknown }[] = [
    { name: 'no limit of its own', own: undefined, want: GRANT_EXPIRY },
    { name: 'an earlier ISO time', own: '2026-06-02T00:00:00Z', want: '2026-06-02T00:00:00Z' },
    { name: 'a later ISO time', own: '2027-01-01T00:00:00Z', want: GRANT_EXPIRY },
    { name: 'an earlier time in a one-element list', own: ['2026-06-02T00:00:00Z'], want: '2026-06-02T00:00:00Z' },
    // IAM ORs the values of one key: [early, late] allows until `late`, so the stricter of that and the expiry wins.
    { name: 'a list whose latest value is earlier', own: ['2026-06-01T12:00:00Z', '2026-06-02T00:00:00Z'], want: '2026-06-02T00:00:00Z' },
    { name: 'a list whose latest value is later', own: ['2026-06-01T12:00:00Z', '2027-01-01T00:00:00Z'], want: GRANT_EXPIRY },
    { name: 'an earlier epoch in seconds', own: 1780358400, want: '2026-06-02T00:00:00Z' },
    { name: 'an earlier epoch written as a string', own: '1780358400', want: '2026-06-02T00:00:00Z' },
    { name: 'a later epoch', own: 1893456000, want: GRANT_EXPIRY },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const own = c.own === undefined ? undefined : { DateLessThan: { 'aws:CurrentTime': c.own as string } };
      const [result] = withExpiry([statement(own)], GRANT_EXPIRY);
      assert.equal(limitOf(result!), c.want);
    });
  }
  it('keeps the other keys and operators of the statement', () => {
    const [result] = withExpiry([statement({ DateLessThan: { 'aws:EpochTime': '5' }, Bool: { 'aws:SecureTransport': 'true' } })], GRANT_EXPIRY);
    assert.deepEqual(result!.Condition, { DateLessThan: { 'aws:EpochTime': '5', 'aws:CurrentTime': GRANT_EXPIRY }, Bool: { 'aws:SecureTransport': 'true' } });
  });
});

const COPY_EXPIRY = '2030-06-01T12:00:00Z';
const POWER_USER = 'arn:aws:iam::aws:policy/PowerUserAccess';

describe('expiring copies: conditions', function () {
  const cases: {
    name: string;
    own?: Record<string, Record<string, unknown>>;
    add: { expiresAt?: string; mfa?: boolean };
    want: Record<string, Record<string, unknown>>;
  }[] = [
    { name: 'adds the expiry to a statement without conditions', add: { expiresAt: COPY_EXPIRY }, want: { DateLessThan: { 'aws:CurrentTime': COPY_EXPIRY } } },
    {
      name: 'keeps a stricter own expiry',
      own: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
      add: { expiresAt: COPY_EXPIRY },
      want: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
    },
    {
      name: 'replaces a laxer own expiry',
      own: { DateLessThan: { 'aws:CurrentTime': '2031-01-01T00:00:00Z' } },
      add: { expiresAt: COPY_EXPIRY },
      want: { DateLessThan: { 'aws:CurrentTime': COPY_EXPIRY } },
    },
    {
      name: 'compares the latest of a list of own times (IAM ORs them)',
      own: { DateLessThan: { 'aws:CurrentTime': ['2029-01-01T00:00:00Z', '2031-01-01T00:00:00Z'] } },
      add: { expiresAt: COPY_EXPIRY },
      want: { DateLessThan: { 'aws:CurrentTime': COPY_EXPIRY } },
    },
    {
      name: 'keeps other keys of the same operator and other operators',
      own: { DateLessThan: { 'aws:EpochTime': 5 }, StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      add: { expiresAt: COPY_EXPIRY },
      want: { DateLessThan: { 'aws:EpochTime': 5, 'aws:CurrentTime': COPY_EXPIRY }, StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
    },
    { name: 'adds MFA', add: { mfa: true }, want: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
    {
      name: 'adds MFA beside an own Bool key',
      own: { Bool: { 'aws:SecureTransport': 'true' } },
      add: { expiresAt: COPY_EXPIRY, mfa: true },
      want: { Bool: { 'aws:SecureTransport': 'true', 'aws:MultiFactorAuthPresent': 'true' }, DateLessThan: { 'aws:CurrentTime': COPY_EXPIRY } },
    },
    {
      name: 'MFA wins over an own "false" (the stricter value)',
      own: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
      add: { mfa: true },
      want: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    },
    { name: 'adds nothing when nothing is asked', own: { StringLike: { 's3:prefix': 'a/*' } }, add: {}, want: { StringLike: { 's3:prefix': 'a/*' } } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(mergeConditions(c.own as never, c.add), c.want));
  }

  it('leaves statements untouched when there is nothing to add', () => {
    const statements = [{ Effect: 'Allow' as const, Action: ['s3:GetObject'], Resource: ['*'] }];
    assert.deepEqual(conditionAllows(statements, {}), statements);
  });
});

describe('expiring copies: the copy document', function () {
  const source = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      { Sid: 'Own', Effect: 'Allow', Action: 'iam:GetRole', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } },
      { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
    ],
  });
  it('conditions every Allow statement, leaves the Deny exactly as written, and keeps everything else as written', () => {
    const copy = JSON.parse(renderExpiringCopy(source, { expiresAt: COPY_EXPIRY, mfa: true })) as { Statement: Record<string, unknown>[] };
    const original = (JSON.parse(source) as { Statement: Record<string, unknown>[] }).Statement;
    assert.equal(copy.Statement.length, 3);
    copy.Statement.slice(0, 2).forEach((s, i) => {
      const { Condition, ...rest } = s;
      const { Condition: _own, ...originalRest } = original[i]!;
      assert.deepEqual(rest, originalRest);
      assert.equal((Condition as { Bool: Record<string, string> }).Bool['aws:MultiFactorAuthPresent'], 'true');
    });
    assert.deepEqual(
      copy.Statement.slice(0, 2).map((s) => (s.Condition as { DateLessThan: Record<string, string> }).DateLessThan['aws:CurrentTime']),
      [COPY_EXPIRY, '2030-01-01T00:00:00Z'],
    );
    assert.deepEqual(copy.Statement[2], original[2], 'the Deny takes no condition');
  });
  it('accepts a single statement written as an object', () => {
    const copy = JSON.parse(
      renderExpiringCopy(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }), { expiresAt: COPY_EXPIRY }),
    ) as { Statement: unknown[] };
    assert.equal(copy.Statement.length, 1);
  });
  for (const bad of ['{}', '{"Statement": []}', '{"Statement": [1]}', 'not json']) {
    it(`refuses ${bad}`, () => assert.throws(() => renderExpiringCopy(bad, { expiresAt: COPY_EXPIRY })));
  }
  it('grows by at most the overhead the decision assumes', () => {
    const known = findAwsManagedPolicy(POWER_USER)!;
    const [part] = decideManagedParts([POWER_USER], { mode: 'copy', conditions: { expiresAt: COPY_EXPIRY, mfa: true } });
    assert.equal(part!.mode, 'copy');
    const copy = renderExpiringCopy(source, { expiresAt: COPY_EXPIRY, mfa: true });
    const perStatement = (policySize(copy) - policySize(source)) / 3;
    const assumed = part!.mode === 'copy' ? (part!.estimatedSize - known.size) / known.statements : 0;
    assert.ok(perStatement <= assumed, `${perStatement} > ${assumed}`);
  });
});

describe('holdsStatements: whether a document as IAM holds it has exactly these statements', function () {
  const statements: IamStatement[] = [
    { Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::logs/*'], Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
  ];
  const cases: [string, unknown, boolean][] = [
    [
      'the same, written as IAM often does: an object Statement, strings for one-element lists',
      {
        Version: '2012-10-17',
        Statement: {
          Sid: 'Read',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::logs/*',
          Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        },
      },
      true,
    ],
    [
      'the same in another key order, with an Id',
      {
        Id: 'p',
        Statement: [
          {
            Resource: ['arn:aws:s3:::logs/*'],
            Condition: { Bool: { 'aws:SecureTransport': ['true'] } },
            Action: ['s3:GetObject'],
            Effect: 'Allow',
            Sid: 'Read',
          },
        ],
        Version: '2012-10-17',
      },
      true,
    ],
    ['the same under version 2008-10-17 (no variables)', { Version: '2008-10-17', Statement: statements }, true],
    ['another action', { Version: '2012-10-17', Statement: [{ ...statements[0], Action: ['s3:PutObject'] }] }, false],
    ['one statement more', { Version: '2012-10-17', Statement: [...statements, { Effect: 'Deny', Action: ['s3:DeleteObject'], Resource: ['*'] }] }, false],
    ['no condition', { Version: '2012-10-17', Statement: [{ ...statements[0], Condition: undefined }] }, false],
    ['a key IAM policies do not have', { Version: '2012-10-17', Statement: statements, Extra: 1 }, false],
  ];
  for (const [what, document, holds] of cases) {
    it(`${holds ? 'holds' : 'does not hold'}: ${what}`, () => {
      assert.equal(holdsStatements(JSON.stringify(document), statements), holds);
    });
  }

  it('does not hold when ${...} variables would change meaning: 2008-10-17 reads them as text, grantflow writes 2012-10-17', () => {
    const withVariable: IamStatement[] = [{ Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::home/${aws:username}/*'] }];
    assert.equal(holdsStatements(JSON.stringify({ Version: '2012-10-17', Statement: withVariable }), withVariable), true);
    assert.equal(holdsStatements(JSON.stringify({ Version: '2008-10-17', Statement: withVariable }), withVariable), false);
    assert.equal(holdsStatements(JSON.stringify({ Statement: withVariable }), withVariable), false);
    assert.equal(holdsStatements('not json', withVariable), false);
  });
});
