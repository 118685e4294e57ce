// How `submit --wait` sorts each grant it waited for, and the lines it prints for those not in IAM.
import assert from 'node:assert/strict';
import { finished, judgeOutcomes, problemLines, type ObservedGrant, type OutcomeReport } from '../../src/core/grant-outcomes';

const NOW = Date.parse('2026-06-01T12:00:00Z');

describe('grant outcomes, one grant at a time', function () {
  const cases: [string, ObservedGrant | undefined, keyof OutcomeReport, string?][] = [
    ['closed with state failed', { running: false, state: 'failed' }, 'failed', 'no reason recorded'],
    [
      'closed, its end cause failed, with the last error',
      { running: false, state: 'revoked', endCause: 'failed', lastError: 'AccessDenied' },
      'failed',
      'AccessDenied',
    ],
    ['closed without a state or cause', { running: false }, 'ended', 'ended as closed'],
    [
      'closed, revoked early with a reason',
      { running: false, state: 'revoked', endCause: 'early', endReason: 'leak' },
      'ended',
      'ended as revoked (early): leak',
    ],
    ['closed, revoked, nothing more said', { running: false, state: 'revoked' }, 'ended', 'ended as revoked'],
    ['running, cleaning up after a failed apply', { running: true, state: 'revoking', endCause: 'failed', endReason: 'bad policy' }, 'failed', 'bad policy'],
    ['running, failed apply, nothing said', { running: true, state: 'revoking', endCause: 'failed' }, 'failed', 'no reason recorded'],
    ['pending, its start ahead', { running: true, state: 'pending', startsAt: '2026-06-01T13:00:00Z' }, 'scheduled'],
    ['pending, starting this very moment', { running: true, state: 'pending', startsAt: '2026-06-01T12:00:00Z' }, 'unanswered'],
    ['pending, no start date', { running: true, state: 'pending' }, 'unanswered'],
    ['revoking with a start date ahead', { running: true, state: 'revoking', startsAt: '2026-06-01T13:00:00Z' }, 'unanswered'],
  ];
  for (const [name, observed, bucket, reason] of cases)
    it(name, () => {
      const report = judgeOutcomes(['g'], new Map(observed ? [['g', observed]] : []), NOW);
      const where = (Object.keys(report) as (keyof OutcomeReport)[]).filter((k) => report[k].length > 0);
      assert.deepEqual(where, [bucket]);
      if (reason !== undefined) assert.equal((report[bucket][0] as { reason: string }).reason, reason);
    });
});

describe('grant outcomes, what submit --wait waits for and prints', function () {
  const report: OutcomeReport = {
    active: [],
    failed: [{ id: 'a', reason: 'AccessDenied' }],
    retrying: [{ id: 'b', reason: 'Throttling' }],
    scheduled: [],
    ended: [{ id: 'c', reason: 'ended as revoked' }],
    unanswered: [],
  };

  it('a retrying grant is not finished', () => {
    assert.equal(finished(report), false);
    assert.equal(finished({ ...report, retrying: [] }), true);
  });

  it('names each grant and why', () => {
    assert.deepEqual(problemLines(report), ['failed: a: AccessDenied', 'not applied (retrying): b: Throttling', 'ended: c: ended as revoked']);
  });
});
