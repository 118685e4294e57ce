// What `submit` reports about the grants it started: every observed shape lands in one bucket, and
// the lines `submit --wait` prints for those not in IAM.
import assert from 'node:assert/strict';
import { finished, judgeOutcomes, type ObservedGrant, type OutcomeReport, plural, problemLines, settled } from '../../../src/core/grant-outcomes';

const NOW = Date.parse('2026-06-01T12:00:00Z');

const CASES: { name: string; observed?: ObservedGrant; bucket: 'active' | 'failed' | 'retrying' | 'scheduled' | 'ended' | 'unanswered'; reason?: RegExp }[] = [
  { name: 'not in visibility yet', bucket: 'unanswered' },
  { name: 'running and active', observed: { state: 'active', running: true }, bucket: 'active' },
  { name: 'pending, no attempt answered yet', observed: { state: 'pending', running: true }, bucket: 'unanswered' },
  {
    name: 'pending and retrying an error',
    observed: { state: 'pending', running: true, lastError: 'IAM user bob does not exist' },
    bucket: 'retrying',
    reason: /bob does not exist/,
  },
  { name: 'pending until its start_date', observed: { state: 'pending', running: true, startsAt: '2026-06-02T00:00:00Z' }, bucket: 'scheduled' },
  { name: 'pending, start_date passed, no answer', observed: { state: 'pending', running: true, startsAt: '2026-05-01T00:00:00Z' }, bucket: 'unanswered' },
  {
    name: 'running, cleaning up after a failed apply',
    observed: { state: 'revoking', running: true, endCause: 'failed', lastError: 'IAM user bob does not exist' },
    bucket: 'failed',
    reason: /bob does not exist/,
  },
  {
    name: 'closed as failed, reason in memo',
    observed: { state: 'failed', running: false, endCause: 'failed', endReason: 'managed policy X does not exist' },
    bucket: 'failed',
    reason: /X does not exist/,
  },
  { name: 'closed as failed by an older release (no memo)', observed: { state: 'failed', running: false }, bucket: 'failed', reason: /no reason recorded/ },
  {
    name: 'closed, revoked early meanwhile',
    observed: { state: 'revoked', running: false, endCause: 'early', endReason: 'incident' },
    bucket: 'ended',
    reason: /ended as revoked \(early\): incident/,
  },
];

describe('judgeOutcomes', function () {
  for (const c of CASES) {
    it(`${c.name}: ${c.bucket}`, () => {
      const report = judgeOutcomes(['g'], new Map(c.observed ? [['g', c.observed]] : []), NOW);
      const buckets = Object.entries(report)
        .filter(([, list]) => (list as unknown[]).length > 0)
        .map(([name]) => name);
      assert.deepEqual(buckets, [c.bucket]);
      const entry = (report[c.bucket] as (string | { id: string; reason: string })[])[0]!;
      if (c.reason) assert.match(typeof entry === 'string' ? '' : entry.reason, c.reason);
    });
  }

  it('is settled once every grant has an answer, finished once none is still retrying', () => {
    const retrying = judgeOutcomes(
      ['a', 'b'],
      new Map<string, ObservedGrant>([
        ['a', { state: 'active', running: true }],
        ['b', { state: 'pending', running: true, lastError: 'e' }],
      ]),
      NOW,
    );
    assert.equal(settled(retrying), true);
    assert.equal(finished(retrying), false);
    const waiting = judgeOutcomes(['a', 'b'], new Map<string, ObservedGrant>([['a', { state: 'active', running: true }]]), NOW);
    assert.equal(settled(waiting), false);
    const done = judgeOutcomes(
      ['a', 'b'],
      new Map<string, ObservedGrant>([
        ['a', { state: 'active', running: true }],
        ['b', { state: 'failed', running: false, endReason: 'r' }],
      ]),
      NOW,
    );
    assert.equal(finished(done), true);
    assert.deepEqual(problemLines(done), ['failed: b: r']);
  });

  it('counts in words', () => {
    assert.equal(plural(1, 'grant'), '1 grant');
    assert.equal(plural(2, 'grant'), '2 grants');
    assert.equal(plural(0, 'entry', 'entries'), '0 entries');
  });
});

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
