// Dates, timestamps and durations, table-driven, and the boundary cases of the config's rules for them.
import assert from 'node:assert/strict';
import { formatDuration, parseDuration, parseInstant, toCompactTime } from '../../../src/core/time';

describe('time', function () {
  const instants: [string, boolean, string?][] = [
    ['2025-11-30', true, '2025-11-30T23:59:59Z'],
    ['2024-02-29', true, '2024-02-29T23:59:59Z'],
    ['2025-02-29', false],
    ['2025-13-01', false],
    ['2025-11-30T10:00:00Z', true, '2025-11-30T10:00:00Z'],
    ['2025-11-30T10:00Z', true, '2025-11-30T10:00:00Z'],
    ['2025-11-30T12:00:00+02:00', true, '2025-11-30T10:00:00Z'],
    ['2025-11-30T01:30:00-0130', true, '2025-11-30T03:00:00Z'],
    ['2025-11-30T10:00:00.999Z', true, '2025-11-30T10:00:00Z'],
    ['2025-11-30T10:00:00', false],
    ['2025-11-30T25:00:00Z', false],
    ['next friday', false],
    ['20251130', false],
  ];
  for (const [text, ok, iso] of instants) {
    it(`${ok ? 'reads' : 'refuses'} ${text}${iso ? ` as ${iso}` : ''}`, () => {
      const parsed = parseInstant(text, { endOfDay: true });
      assert.equal(parsed.ok, ok, JSON.stringify(parsed));
      if (parsed.ok) assert.equal(parsed.iso, iso);
    });
  }
  it('reads a start date as the start of the day', () => {
    const parsed = parseInstant('2025-11-30', { endOfDay: false });
    assert.ok(parsed.ok && parsed.iso === '2025-11-30T00:00:00Z');
  });
  it('writes compact times for names', () => assert.equal(toCompactTime('2025-11-30T23:59:59Z'), '20251130T235959Z'));

  const durations: [string, number | undefined][] = [
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['500ms', 500],
    ['1 h', 3_600_000],
    ['h', undefined],
    ['10', undefined],
    ['-1h', undefined],
  ];
  for (const [text, ms] of durations) it(`parses duration ${JSON.stringify(text)} as ${ms}`, () => assert.equal(parseDuration(text), ms));
  it('formats durations back', () => assert.deepEqual([86_400_000, 7_200_000, 60_000, 1000, 1].map(formatDuration), ['1d', '2h', '1m', '1s', '1ms']));
});

describe('time cases', () => {
  const accepted: Array<[string, string]> = [
    ['  2025-11-30T10:00:00Z  ', '2025-11-30T10:00:00Z'],
    ['2025-11-30T10:00Z', '2025-11-30T10:00:00Z'],
    ['2025-11-30T10:00:00z', '2025-11-30T10:00:00Z'],
    ['2025-11-30T10:00:00+02:00', '2025-11-30T08:00:00Z'],
    ['2025-11-30T10:00:00-0230', '2025-11-30T12:30:00Z'],
    ['2025-11-30T10:00:00+23:59', '2025-11-29T10:01:00Z'],
    ['2025-11-30T23:59:59.999Z', '2025-11-30T23:59:59Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00Z'],
    ['  2025-11-30  ', '2025-11-30T23:59:59Z'],
  ];
  for (const [text, iso] of accepted) {
    it(`reads ${JSON.stringify(text)} as ${iso}`, () => {
      const parsed = parseInstant(text, { endOfDay: true });
      assert.deepEqual(parsed, { ok: true, iso, ms: Date.parse(iso) });
    });
  }

  const rejected: Array<[string, string]> = [
    ['2025-02-29', '2025-02-29 is not a calendar date'],
    // Date.UTC reads years 0-99 as 1900-1999: such a year is refused, never moved.
    ['0050-01-01', '0050-01-01 is not a calendar date'],
    ['0050-01-01T10:00:00Z', '0050-01-01T10:00:00Z is not a calendar date'],
    ['2025-13-01', '2025-13-01 is not a calendar date'],
    ['2025-04-31', '2025-04-31 is not a calendar date'],
    ['2025-02-29T10:00:00Z', '2025-02-29T10:00:00Z is not a calendar date'],
    ['2025-13-01T10:00:00Z', '2025-13-01T10:00:00Z is not a calendar date'],
    ['2025-04-31T10:00:00Z', '2025-04-31T10:00:00Z is not a calendar date'],
    ['2025-11-30T24:00:00Z', '2025-11-30T24:00:00Z is not a valid time of day'],
    ['2025-11-30T10:60:00Z', '2025-11-30T10:60:00Z is not a valid time of day'],
    ['2025-11-30T10:00:60Z', '2025-11-30T10:00:60Z is not a valid time of day'],
    ['2025-11-30T10:00:00+24:00', '2025-11-30T10:00:00+24:00 has an invalid UTC offset'],
    ['2025-11-30T10:00:00+00:60', '2025-11-30T10:00:00+00:60 has an invalid UTC offset'],
    [' 2025-11-30T10:00:00 ', '2025-11-30T10:00:00 has no time zone; add Z for UTC (2025-11-30T10:00:00Z) or an offset such as +02:00'],
    ['next tuesday', 'next tuesday is not a date (YYYY-MM-DD) or an ISO 8601 timestamp with Z or an offset'],
  ];
  for (const [text, reason] of rejected) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.deepEqual(parseInstant(text, { endOfDay: true }), { ok: false, reason }));
  }

  it('keeps the last valid minute and second of a day', () => {
    const parsed = parseInstant('2025-11-30T23:59:59Z', { endOfDay: false });
    assert.deepEqual(parsed, { ok: true, iso: '2025-11-30T23:59:59Z', ms: Date.parse('2025-11-30T23:59:59Z') });
  });

  const compact: Array<[string, string]> = [
    ['2025-11-30T23:59:59.123Z', '20251130T235959Z'],
    ['2025-11-30T23:59:59.5Z', '20251130T235959Z'],
  ];
  for (const [iso, name] of compact) it(`compacts ${iso} to ${name}`, () => assert.equal(toCompactTime(iso), name));

  it('reads a duration with spaces around it', () => assert.equal(parseDuration('  15m  '), 900_000));
});
