// Dates and durations as the config writes them. Pure: the caller supplies "now".

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;

export const DAY_MS = 24 * 60 * 60 * 1000;

export type ParsedInstant = { ok: true; iso: string; ms: number } | { ok: false; reason: string };

/** IAM's `aws:CurrentTime` format, to the second: `2025-11-30T23:59:59Z`. */
export function toIamTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `YYYYMMDDTHHMMSSZ`, for names that must avoid `:`. */
export function toCompactTime(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d+/, '');
}

function validCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A date (`2025-11-30`, meaning the last second of that day in UTC) or a full ISO timestamp with
 * `Z` or an offset, normalised to UTC whole seconds (fractions are dropped, never rounded up).
 */
export function parseInstant(text: string, { endOfDay }: { endOfDay: boolean }): ParsedInstant {
  const value = text.trim();
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly) {
    const [year, month, day] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    if (!validCalendarDate(year, month, day)) return { ok: false, reason: `${value} is not a calendar date` };
    const ms = endOfDay ? Date.UTC(year, month - 1, day, 23, 59, 59) : Date.UTC(year, month - 1, day, 0, 0, 0);
    return { ok: true, iso: toIamTime(ms), ms };
  }
  const dateTime = DATE_TIME.exec(value);
  if (dateTime) {
    const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(dateTime[i])) as [number, number, number, number, number];
    const second = Number(dateTime[6] ?? '0');
    if (!validCalendarDate(year, month, day)) return { ok: false, reason: `${value} is not a calendar date` };
    if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: `${value} is not a valid time of day` };
    const zone = dateTime[8]!;
    let offsetMinutes = 0;
    if (zone !== 'Z' && zone !== 'z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      const zoneHours = Number(digits.slice(0, 2));
      const zoneMinutes = Number(digits.slice(2, 4));
      if (zoneHours > 23 || zoneMinutes > 59) return { ok: false, reason: `${value} has an invalid UTC offset` };
      offsetMinutes = sign * (zoneHours * 60 + zoneMinutes);
    }
    const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60 * 1000;
    return { ok: true, iso: toIamTime(ms), ms: Math.floor(ms / 1000) * 1000 };
  }
  if (DATE_TIME.exec(`${value}Z`)) {
    return { ok: false, reason: `${value} has no time zone; add Z for UTC (${value}Z) or an offset such as +02:00` };
  }
  return { ok: false, reason: `${value} is not a date (YYYY-MM-DD) or an ISO 8601 timestamp with Z or an offset` };
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60 * 1000, h: 60 * 60 * 1000, d: DAY_MS };

/** `90s`, `15m`, `1h`, `2d`; `undefined` when it is not one of those. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
}

export function formatDuration(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS}d`;
  if (ms % UNIT_MS.h! === 0) return `${ms / UNIT_MS.h!}h`;
  if (ms % UNIT_MS.m! === 0) return `${ms / UNIT_MS.m!}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
