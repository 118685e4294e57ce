// Interval passes of many teams on the same interval spread over it instead of running together.
import assert from 'node:assert/strict';
import { intervalPhaseMs, nextIntervalDelayMs } from '../../../src/core/interval-phase';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-06-01T12:00:00Z');
const TEAMS = Array.from({ length: 50 }, (_, i) => `team-${i}`);

describe('interval pass phases', function () {
  it('spreads 50 teams submitted at the same moment over the interval', function () {
    const firstPass = TEAMS.map((team) => NOW + nextIntervalDelayMs(team, HOUR, NOW));
    const secondPass = TEAMS.map((team, i) => firstPass[i]! + nextIntervalDelayMs(team, HOUR, firstPass[i]!));
    for (const [what, times] of [
      ['first', firstPass],
      ['second', secondPass],
    ] as const) {
      // Without phases all 50 would fall on one tick. Here no tenth of the interval holds more than
      // 12 of them (5 on average); the bound holds for these names, which are fixed.
      const buckets = new Map<number, number>();
      for (const at of times) buckets.set(Math.floor((at % HOUR) / (HOUR / 10)), (buckets.get(Math.floor((at % HOUR) / (HOUR / 10))) ?? 0) + 1);
      assert.equal(buckets.size, 10, `${what} passes: every tenth of the interval has some`);
      assert.ok(Math.max(...buckets.values()) <= 12, `${what} passes: at most 12 in a tenth, got ${JSON.stringify([...buckets.entries()])}`);
      assert.equal(new Set(times).size, 50, `${what} passes: no two teams on the same millisecond`);
    }
  });

  it('keeps each team on its own slot, one interval apart, once it has it', function () {
    for (const team of TEAMS.slice(0, 10)) {
      const first = NOW + nextIntervalDelayMs(team, HOUR, NOW);
      assert.equal(first % HOUR, intervalPhaseMs(team, HOUR) % HOUR, `${team}: the first pass lands on its phase`);
      // A pass that took 7 minutes: the next still comes on the slot, an interval after the last one.
      assert.equal(first + 7 * 60_000 + nextIntervalDelayMs(team, HOUR, first + 7 * 60_000), first + HOUR, team);
      assert.equal(first + nextIntervalDelayMs(team, HOUR, first), first + HOUR, team);
    }
  });

  it('never waits less than half an interval nor an interval and a half', function () {
    const cases: [string, number, number][] = [
      ['a', HOUR, NOW],
      ['b', HOUR, NOW + 1],
      ['c', 5 * 60_000, NOW + 123_456],
      ['d', 24 * HOUR, NOW - 99_999],
      ['e', 1000, NOW],
    ];
    for (const [team, interval, now] of cases) {
      const delay = nextIntervalDelayMs(team, interval, now);
      assert.ok(delay >= interval / 2 && delay < interval * 1.5, `${team}: ${delay} for interval ${interval}`);
      assert.equal(nextIntervalDelayMs(team, interval, now), delay, 'the same answer every time (replay)');
    }
  });

  it('gives different intervals and teams their own phase, within the interval', function () {
    for (const team of TEAMS) {
      for (const interval of [60_000, HOUR, 24 * HOUR]) {
        const phase = intervalPhaseMs(team, interval);
        assert.ok(phase >= 0 && phase < interval, `${team}: ${phase}`);
      }
    }
    assert.notEqual(intervalPhaseMs('team-a', HOUR), intervalPhaseMs('team-b', HOUR));
  });
});

describe('interval phase: fixed values and edges', function () {
  it('a team keeps the same slot across releases (the hash is part of the schedule)', () => {
    assert.equal(intervalPhaseMs('payments', 3_600_000), 2_403_690);
    assert.equal(intervalPhaseMs('a', 1000), 311);
  });

  it('no interval: no delay to compute', () => {
    assert.equal(nextIntervalDelayMs('a', 0, 5000), 0);
    assert.equal(nextIntervalDelayMs('a', -10, 5000), -10);
  });

  it('a slot exactly half an interval away is kept; one nearer is skipped to the next', () => {
    const phase = intervalPhaseMs('a', 1000);
    assert.equal(nextIntervalDelayMs('a', 1000, 10_000 + phase - 500), 500);
    assert.equal(nextIntervalDelayMs('a', 1000, 10_000 + phase - 499), 1499);
  });
});
