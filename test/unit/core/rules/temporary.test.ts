// max_temporary_days is read from grantflow.yaml (or its environment variable), not assumed to be
// the default: each case validates one temporary entry against a limit and checks the verdict a
// second either side of the limit, and that the message names the limit the team set.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { entriesBeyondLimit } from '../../../../src/core/rules/temporary';
import { DAY_MS } from '../../../../src/core/time';
import { validateTeam } from '../../../../src/validate';
import { BASE, NOW, writeTeam } from '../../../harness/config-dir';

const NOW_MS = Date.parse(NOW);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

interface Case {
  name: string;
  days: number;
  /** Where the limit is set: grantflow.yaml or the environment. */
  from: 'file' | 'env';
  /** The entry's expiry, relative to the limit, in seconds. */
  offsetSeconds: number;
  accepted: boolean;
}

const CASES: Case[] = [1, 3, 30, 365].flatMap((days) => [
  { name: `${days} days: one second before the limit`, days, from: 'file' as const, offsetSeconds: -1, accepted: true },
  { name: `${days} days: exactly at the limit`, days, from: 'file' as const, offsetSeconds: 0, accepted: true },
  { name: `${days} days: one second beyond the limit`, days, from: 'file' as const, offsetSeconds: 1, accepted: false },
]);
CASES.push(
  { name: '2 days from GRANTFLOW_MAX_TEMPORARY_DAYS: one second beyond', days: 2, from: 'env', offsetSeconds: 1, accepted: false },
  { name: '2 days from GRANTFLOW_MAX_TEMPORARY_DAYS: at the limit', days: 2, from: 'env', offsetSeconds: 0, accepted: true },
  // The default (6) would reject this; a team's higher limit accepts it.
  { name: '10 days: 7 days away is accepted', days: 10, from: 'file', offsetSeconds: -3 * 86_400, accepted: true },
);

function temporaryFile(expiresAt: string): string {
  return BASE['temporary-access'].replace('expiration_date: 2026-06-03', `expiration_date: "${expiresAt}"`);
}

describe('max_temporary_days: the limit the team sets, to the second', function () {
  for (const c of CASES) {
    it(c.name, async () => {
      const expiresAt = iso(NOW_MS + c.days * DAY_MS + c.offsetSeconds * 1000);
      const dir = writeTeam({
        'temporary-access': temporaryFile(expiresAt),
        ...(c.from === 'file' ? { grantflow: `max_temporary_days: ${c.days}\n` } : {}),
      });
      try {
        const env = c.from === 'env' ? { GRANTFLOW_MAX_TEMPORARY_DAYS: String(c.days) } : {};
        const result = await validateTeam({ dir, team: 'team', env, nowMs: NOW_MS });
        const limitErrors = result.diagnostics.filter((d) => d.severity === 'error' && /max_temporary_days/.test(d.message));
        if (c.accepted) {
          assert.deepEqual(limitErrors, [], 'no limit error');
          assert.ok(result.ok, JSON.stringify(result.diagnostics));
          if (result.ok) assert.equal(result.team.config.settings.maxTemporaryDays, c.days);
        } else {
          assert.equal(result.ok, false);
          assert.equal(limitErrors.length, 1, JSON.stringify(result.diagnostics));
          assert.match(limitErrors[0]!.message, new RegExp(`at most ${c.days} days .*latest allowed now is ${iso(NOW_MS + c.days * DAY_MS)}`));
        }
      } finally {
        fs.rmSync(dir, { recursive: true });
      }
    });
  }

  it('entriesBeyondLimit draws the line at now + days, whatever the days', () => {
    for (const days of [1, 2, 6, 7, 90]) {
      const entry = (offsetMs: number) => ({ expiresAt: iso(NOW_MS + days * DAY_MS + offsetMs) }) as Parameters<typeof entriesBeyondLimit>[0][number];
      const at = entry(0);
      const over = entry(1000);
      const under = entry(-1000);
      const beyond = entriesBeyondLimit([under, at, over], NOW_MS, days);
      assert.deepEqual(
        beyond.map((p) => p.entry),
        [over],
        `${days} days`,
      );
      assert.equal(beyond[0]!.latestAllowed, iso(NOW_MS + days * DAY_MS));
      assert.equal(beyond[0]!.daysAway, days);
    }
  });
});
