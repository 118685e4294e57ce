// Temporary access must really be temporary: no expiry beyond max_temporary_days, a start before
// the end, and a warning for entries whose time is already over.
import { error, warning, type Diagnostic } from '../diagnostics';
import { DAY_MS, toIamTime } from '../time';
import type { TemporaryGrantEntry } from '../team-config';
import type { Rule } from './context';

export interface ExpiryProblem {
  entry: TemporaryGrantEntry;
  latestAllowed: string;
  daysAway: number;
}

/** Entries whose expiry lies beyond `max_temporary_days` from `nowMs`; shared with the reconcile validator. */
export function entriesBeyondLimit(entries: readonly TemporaryGrantEntry[], nowMs: number, maxDays: number): ExpiryProblem[] {
  const latestMs = nowMs + maxDays * DAY_MS;
  return entries
    .filter((entry) => Date.parse(entry.expiresAt) > latestMs)
    .map((entry) => ({
      entry,
      latestAllowed: toIamTime(latestMs),
      daysAway: Math.round(((Date.parse(entry.expiresAt) - nowMs) / DAY_MS) * 10) / 10,
    }));
}

export function describeExpiryProblem(problem: ExpiryProblem, maxDays: number): string {
  return (
    `expiration_date ${problem.entry.expiresAt} is ${problem.daysAway} days away; temporary access may last at most ` +
    `${maxDays} days (max_temporary_days), so the latest allowed now is ${problem.latestAllowed}. Use an earlier date`
  );
}

export const temporaryRules: Rule = ({ config, nowMs, locate }) => {
  const out: Diagnostic[] = [];
  const maxDays = config.settings.maxTemporaryDays;
  const beyond = new Set(entriesBeyondLimit(config.temporary, nowMs, maxDays).map((p) => p.entry));

  config.temporary.forEach((entry, fallback) => {
    const index = entry.source.index ?? fallback;
    const expiresMs = Date.parse(entry.expiresAt);
    const expiryAt = locate('temporary-access', ['temporary-access', index, 'expiration_date']);
    if (expiresMs <= nowMs) {
      out.push(warning(expiryAt, `expired at ${entry.expiresAt}; this entry is skipped (remove it from the file)`, 'expired-entry'));
    } else if (beyond.has(entry)) {
      const [problem] = entriesBeyondLimit([entry], nowMs, maxDays);
      out.push(error(expiryAt, describeExpiryProblem(problem!, maxDays)));
    }
    if (entry.startsAt !== undefined && Date.parse(entry.startsAt) >= expiresMs) {
      out.push(
        error(
          locate('temporary-access', ['temporary-access', index, 'start_date']),
          `start_date ${entry.startsAt} is not before expiration_date ${entry.expiresAt}; the grant would never be active`,
        ),
      );
    }
  });
  return out;
};
