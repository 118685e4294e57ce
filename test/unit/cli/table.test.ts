// The status table's expiry column: the instant, and how far off it is in words.
import assert from 'node:assert/strict';
import { expiry } from '../../../src/cli/table';

describe('expiry column of the status table', function () {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const cases: [string | undefined, string][] = [
    [undefined, 'never (permanent)'],
    ['2026-06-03T03:00:00Z', '2026-06-03T03:00:00Z (in 2d 3h)'],
    ['2026-06-01T01:30:00Z', '2026-06-01T01:30:00Z (in 1h 30m)'],
    ['2026-06-01T00:05:10Z', '2026-06-01T00:05:10Z (in 5m)'],
    ['2026-06-01T00:00:20Z', '2026-06-01T00:00:20Z (in 20s)'],
    ['2026-05-31T21:00:00Z', '2026-05-31T21:00:00Z (3h 0m ago)'],
  ];
  for (const [iso, shown] of cases) {
    it(`shows ${iso ?? 'no expiry'} as "${shown}"`, () => assert.equal(expiry(iso, now), shown));
  }
});
