// An inline policy's document as IAM holds it, in each of the shapes IAM accepts, becomes grantflow's
// statements (lists everywhere, IAM's keys); what grantflow's files cannot hold, or whose meaning
// grantflow's policy version would change, is refused with the reason.
import assert from 'node:assert/strict';
import { importStatements } from '../../../../src/core/import/statements';
import type { IamStatement } from '../../../../src/core/team-config';

const V = '2012-10-17';
const doc = (statement: unknown, version: string | null = V) => JSON.stringify({ ...(version ? { Version: version } : {}), Statement: statement });

describe('inline policy documents, imported as statements', function () {
  const accepted: [string, string, IamStatement[]][] = [
    [
      'a Statement that is an object, with strings for lists',
      doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::logs/*' }),
      [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::logs/*'] }],
    ],
    [
      'a list of statements, keys in any order, a Sid, an Id',
      JSON.stringify({ Id: 'x', Statement: [{ Resource: ['*'], Action: ['ec2:Describe*', 'ec2:Get*'], Effect: 'Deny', Sid: 'NoEc2' }], Version: V }),
      [{ Sid: 'NoEc2', Effect: 'Deny', Action: ['ec2:Describe*', 'ec2:Get*'], Resource: ['*'] }],
    ],
    [
      'not_actions and not_resources',
      doc([{ Effect: 'Deny', NotAction: 'iam:*', NotResource: ['arn:aws:s3:::a', 'arn:aws:s3:::b'] }]),
      [{ Effect: 'Deny', NotAction: ['iam:*'], NotResource: ['arn:aws:s3:::a', 'arn:aws:s3:::b'] }],
    ],
    [
      'conditions with a list, a number and a boolean',
      doc({
        Effect: 'Allow',
        Action: 's3:*',
        Resource: '*',
        Condition: {
          IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] },
          NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 },
          Bool: { 'aws:SecureTransport': true },
        },
      }),
      [
        {
          Effect: 'Allow',
          Action: ['s3:*'],
          Resource: ['*'],
          Condition: {
            IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] },
            NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 },
            Bool: { 'aws:SecureTransport': true },
          },
        },
      ],
    ],
    [
      'version 2008-10-17 without policy variables',
      doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }, '2008-10-17'),
      [{ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['*'] }],
    ],
    [
      'policy variables under 2012-10-17',
      doc({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::home/${aws:username}/*' }),
      [{ Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::home/${aws:username}/*'] }],
    ],
  ];
  for (const [what, document, statements] of accepted) {
    it(`imports ${what}`, () => {
      assert.deepEqual(importStatements(document), { ok: true, statements });
    });
  }

  const refused: [string, string, RegExp][] = [
    ['a document that is not JSON', '{"Statement": [', /not JSON/],
    ['a list as the document', '[]', /not a JSON object/],
    [
      'version 2008-10-17 with ${...} variables',
      doc({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::home/${aws:username}/*' }, '2008-10-17'),
      /2008-10-17 and it uses \$\{\.\.\.\} policy variables/,
    ],
    [
      'no version with ${...} variables',
      doc({ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 's3:prefix': '${aws:username}' } } }, null),
      /unset \(read as 2008-10-17\)/,
    ],
    ['an unknown version', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, '2020-01-01'), /Version is "2020-01-01"/],
    ['no statements', doc([]), /no statements/],
    ['a statement that names a Principal', doc({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }), /statement 1: it names a Principal/],
    [
      'a key grantflow does not hold',
      doc([
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Effect: 'Allow', Action: 's3:*', Resource: '*', Extra: 1 },
      ]),
      /statement 2: it has "Extra"/,
    ],
    ['an Effect in the wrong case', doc({ Effect: 'allow', Action: 's3:*', Resource: '*' }), /Effect is "allow"/],
    ['both Action and NotAction', doc({ Effect: 'Allow', Action: 's3:*', NotAction: 'iam:*', Resource: '*' }), /exactly one of Action and NotAction/],
    ['no Resource', doc({ Effect: 'Allow', Action: 's3:*' }), /exactly one of Resource and NotResource/],
    ['an empty Action list', doc({ Effect: 'Allow', Action: [], Resource: '*' }), /Action is not a string or a non-empty list/],
    ['an action with spaces around it', doc({ Effect: 'Allow', Action: ' s3:GetObject', Resource: '*' }), /spaces around it/],
    ['a Sid with a dash', doc({ Sid: 'a-b', Effect: 'Allow', Action: 's3:*', Resource: '*' }), /Sid holds characters/],
    [
      'a condition value that is a map',
      doc({ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:x': { a: 1 } } } }),
      /Condition StringEquals aws:x/,
    ],
    ['a condition that is a list', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: [] }), /Condition is not a map/],
  ];
  for (const [what, document, reason] of refused) {
    it(`refuses ${what}, saying why`, () => {
      const imported = importStatements(document);
      assert.equal(imported.ok, false);
      if (!imported.ok) assert.match(imported.reason, reason);
    });
  }
});
