// Policy documents at their edges: the statement keys kept in IAM's order, the expiry merged with a
// statement's own time limit in every form IAM reads, expiring copies of odd source documents, the
// copy's overhead, and which documents count as the same.
import assert from 'node:assert/strict';
import {
  canonicalDocument,
  copyOverheadPerStatement,
  mergeConditions,
  policySize,
  renderDocument,
  renderExpiringCopy,
  sameDocument,
} from '../../src/core/documents';
import type { IamStatement } from '../../src/core/team-config';

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
