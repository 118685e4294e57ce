// Grant periods from grant workflow runs, and the four ways `history` prints them.
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import {
  buildPeriods,
  csvField,
  filterPeriods,
  historyCsv,
  historyMarkdown,
  historyTable,
  markdownCell,
  parseHistoryTime,
  type GrantPeriod,
  type HistoryFilter,
} from '../../src/core/history';
import type { LedgerEntry } from '../../src/core/ledger';

const PERM = 'grantflow/team-a/111111111111/user/alice/reader';
const TEMP = 'grantflow/team-a/111111111111/user/bob/admin/until/2026-03-02T00:00:00Z';
const grantMemo = { principalType: 'user' as const, principalName: 'alice', reason: 'on call', ticket: 'OPS-1', revision: 'abc123', submittedBy: 'ci' };

function run(id: string, parts: Partial<LedgerEntry> & { memo?: Record<string, unknown> }): LedgerEntry {
  return {
    id,
    runId: parts.runId ?? `r-${parts.startedAt}`,
    status: 'COMPLETED',
    startedAt: '2026-03-01T00:00:00.000Z',
    account: '111111111111',
    environment: 'nonprod',
    ...parts,
    memo: { ...grantMemo, ...parts.memo },
  } as LedgerEntry;
}

describe('history: grant periods from grant workflow runs', () => {
  const cases: { name: string; runs: LedgerEntry[]; want: Partial<GrantPeriod>[] }[] = [
    {
      name: 'a running grant is one open period',
      runs: [run(PERM, { status: 'RUNNING', state: 'active', startedAt: '2026-03-01T10:00:00.000Z' })],
      want: [
        {
          grantId: PERM,
          from: '2026-03-01T10:00:00.000Z',
          ended: 'open',
          reason: 'on call',
          ticket: 'OPS-1',
          revision: 'abc123',
          submittedBy: 'ci',
          kind: 'permanent',
          policy: 'reader',
        },
      ],
    },
    {
      name: 'a running grant whose revoke has begun is revoking, with no end yet',
      runs: [run(PERM, { status: 'RUNNING', state: 'revoking', startedAt: '2026-03-01T10:00:00.000Z', memo: { endCause: 'early' } })],
      want: [{ ended: 'revoking' }],
    },
    {
      name: 'an early revoke, then a restore: two periods, the first ended early by whom and why',
      runs: [
        run(PERM, {
          startedAt: '2026-03-01T10:00:00.000Z',
          closedAt: '2026-03-01T11:00:00.000Z',
          memo: { endCause: 'early', endedBy: 'ops', endReason: 'incident' },
        }),
        run(PERM, { startedAt: '2026-03-01T11:30:00.000Z', closedAt: '2026-03-01T11:30:00.100Z', memo: { record: 'lifted', endCause: 'lifted' } }),
        run(PERM, { status: 'RUNNING', state: 'active', startedAt: '2026-03-01T11:31:00.000Z' }),
      ],
      want: [
        { from: '2026-03-01T10:00:00.000Z', to: '2026-03-01T11:00:00.000Z', ended: 'early', endedBy: 'ops', endReason: 'incident' },
        { from: '2026-03-01T11:31:00.000Z', ended: 'open' },
      ],
    },
    {
      name: 'a chain of continue-as-new runs is one period, ending as its last run ends',
      runs: [
        run(PERM, { status: 'CONTINUED_AS_NEW', startedAt: '2026-03-01T00:00:00.000Z', closedAt: '2026-03-02T00:00:00.000Z' }),
        run(PERM, { status: 'COMPLETED', startedAt: '2026-03-02T00:00:00.000Z', closedAt: '2026-03-03T00:00:00.000Z', memo: { endCause: 'removed' } }),
      ],
      want: [{ from: '2026-03-01T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z', ended: 'removed' }],
    },
    {
      name: 'a temporary grant that expired, with its expiry and the start date it waited for',
      runs: [
        run(TEMP, {
          startedAt: '2026-03-01T00:00:00.000Z',
          closedAt: '2026-03-02T00:00:01.000Z',
          expiresAt: '2026-03-02T00:00:00Z',
          memo: { principalName: 'bob', startsAt: '2026-03-01T06:00:00Z', endCause: 'expired' },
        }),
      ],
      want: [
        {
          kind: 'temporary',
          principal: 'bob',
          from: '2026-03-01T06:00:00Z',
          to: '2026-03-02T00:00:01.000Z',
          expiresAt: '2026-03-02T00:00:00Z',
          ended: 'expired',
        },
      ],
    },
    {
      name: 'Cancel, Terminate and a run timeout end periods as such; an older release wrote revokedEarly',
      runs: [
        run(PERM, { status: 'CANCELLED', startedAt: '2026-03-01T00:00:00.000Z', closedAt: '2026-03-01T01:00:00.000Z' }),
        run(PERM, { status: 'TERMINATED', startedAt: '2026-03-01T02:00:00.000Z', closedAt: '2026-03-01T03:00:00.000Z' }),
        run(PERM, { status: 'TIMED_OUT', startedAt: '2026-03-01T04:00:00.000Z', closedAt: '2026-03-01T05:00:00.000Z' }),
        run(PERM, { status: 'COMPLETED', startedAt: '2026-03-01T06:00:00.000Z', closedAt: '2026-03-01T07:00:00.000Z', memo: { revokedEarly: true } }),
      ],
      want: [{ ended: 'early' }, { ended: 'terminated' }, { ended: 'timed-out' }, { ended: 'early' }],
    },
    {
      name: 'record runs alone make no period, and ids that are not grants are left out',
      runs: [run(PERM, { memo: { record: 'reaffirmed', endCause: 'early' } }), run('something-else', {})],
      want: [],
    },
    {
      name: 'a replacement: the old grant superseded, the new one open, oldest first',
      runs: [
        run(TEMP.replace('2026-03-02T00:00:00Z', '2026-03-05T00:00:00Z'), {
          status: 'RUNNING',
          state: 'active',
          startedAt: '2026-03-01T12:00:00.000Z',
          memo: { principalName: 'bob' },
        }),
        run(TEMP, { startedAt: '2026-03-01T00:00:00.000Z', closedAt: '2026-03-01T12:00:05.000Z', memo: { principalName: 'bob', endCause: 'superseded' } }),
      ],
      want: [
        { grantId: TEMP, ended: 'superseded' },
        { grantId: TEMP.replace('2026-03-02T00:00:00Z', '2026-03-05T00:00:00Z'), ended: 'open', expiresAt: '2026-03-05T00:00:00Z' },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const periods = buildPeriods(c.runs);
      assert.equal(periods.length, c.want.length, JSON.stringify(periods, null, 2));
      c.want.forEach((want, i) => {
        for (const [key, value] of Object.entries(want)) assert.deepEqual(periods[i]![key as keyof GrantPeriod], value, `period ${i} ${key}`);
      });
      // An open period has no end.
      for (const p of periods) if (p.ended === 'open' || p.ended === 'revoking') assert.equal(p.to, undefined);
    });
  }
});

describe('history: filters', () => {
  const periods = buildPeriods([
    run(PERM, { startedAt: '2026-03-01T00:00:00.000Z', closedAt: '2026-03-02T00:00:00.000Z', memo: { endCause: 'early' } }),
    run(PERM.replace('111111111111', '222222222222'), {
      startedAt: '2026-03-05T00:00:00.000Z',
      status: 'RUNNING',
      environment: 'prod',
      account: '222222222222',
    }),
    run(TEMP, { startedAt: '2026-03-03T00:00:00.000Z', closedAt: '2026-03-04T00:00:00.000Z', memo: { principalName: 'Bob', endCause: 'expired' } }),
  ]);
  const cases: { name: string; filter: HistoryFilter; want: string[] }[] = [
    { name: 'none', filter: {}, want: ['alice@111111111111', 'Bob@111111111111', 'alice@222222222222'] },
    { name: 'a user in another case', filter: { principal: 'BOB' }, want: ['Bob@111111111111'] },
    { name: 'an account', filter: { account: '222222222222' }, want: ['alice@222222222222'] },
    { name: 'an environment', filter: { environment: 'nonprod' }, want: ['alice@111111111111', 'Bob@111111111111'] },
    { name: 'a policy', filter: { policy: 'admin' }, want: ['Bob@111111111111'] },
    { name: 'since: periods still open then, or closed after', filter: { since: '2026-03-03T12:00:00Z' }, want: ['Bob@111111111111', 'alice@222222222222'] },
    { name: 'until: periods begun by then', filter: { until: '2026-03-02T00:00:00Z' }, want: ['alice@111111111111'] },
    { name: 'a window only the middle one overlaps', filter: { since: '2026-03-02T12:00:00Z', until: '2026-03-04T12:00:00Z' }, want: ['Bob@111111111111'] },
    { name: 'another team', filter: { team: 'team-b' }, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () =>
      assert.deepEqual(
        filterPeriods(periods, c.filter).map((p) => `${p.principal}@${p.account}`),
        c.want,
      ),
    );
  }
});

describe('history: --since/--until values', () => {
  const NOW_MS = Date.parse('2026-03-10T00:00:00Z');
  const cases: { text: string; endOfDay?: boolean; want: string | RegExp }[] = [
    { text: '7d', want: '2026-03-03T00:00:00.000Z' },
    { text: '12h', want: '2026-03-09T12:00:00.000Z' },
    { text: '2026-03-01', want: '2026-03-01T00:00:00Z' },
    { text: '2026-03-01', endOfDay: true, want: '2026-03-01T23:59:59Z' },
    { text: '2026-03-01T10:00:00+02:00', want: '2026-03-01T08:00:00Z' },
    { text: 'last week', want: /duration back from now/ },
    { text: '2026-03-01T10:00:00', want: /no time zone/ },
  ];
  for (const c of cases) {
    it(`${c.text}${c.endOfDay ? ' (until)' : ''}`, () => {
      const parsed = parseHistoryTime(c.text, NOW_MS, { endOfDay: c.endOfDay ?? false });
      if (typeof c.want === 'string') assert.deepEqual(parsed, { ok: true, iso: c.want });
      else assert.match(parsed.ok ? '' : parsed.reason, c.want);
    });
  }
});

describe('history: formats', () => {
  const awkward = buildPeriods([
    run(PERM, {
      startedAt: '2026-03-01T00:00:00.000Z',
      closedAt: '2026-03-02T00:00:00.000Z',
      memo: { endCause: 'early', endedBy: 'Ops, "night" shift', endReason: 'line one\nline | two', reason: 'a, b' },
    }),
    run(TEMP, {
      status: 'RUNNING',
      state: 'active',
      startedAt: '2026-03-03T00:00:00.000Z',
      expiresAt: '2026-03-02T00:00:00Z',
      memo: { principalName: 'bob', ticket: undefined },
    }),
  ]);

  const fields: { value: string; want: string }[] = [
    { value: 'plain', want: 'plain' },
    { value: 'a,b', want: '"a,b"' },
    { value: 'say "hi"', want: '"say ""hi"""' },
    { value: 'two\nlines', want: '"two\nlines"' },
    { value: '', want: '' },
  ];
  for (const f of fields) it(`csv field ${JSON.stringify(f.value)}`, () => assert.equal(csvField(f.value), f.want));

  const cells: { value: string; want: string }[] = [
    { value: 'a | b', want: 'a \\| b' },
    { value: 'one\ntwo', want: 'one two' },
    { value: '', want: '—' },
  ];
  for (const c of cells) it(`markdown cell ${JSON.stringify(c.value)}`, () => assert.equal(markdownCell(c.value), c.want));

  it('csv parses back to the same values with a CSV parser, commas, quotes and line breaks included', () => {
    const records = parse(historyCsv(awkward), { columns: true }) as Record<string, string>[];
    assert.equal(records.length, 2);
    assert.equal(records[0]!.ended_by, 'Ops, "night" shift');
    assert.equal(records[0]!.end_reason, 'line one\nline | two');
    assert.equal(records[0]!.reason, 'a, b');
    assert.equal(records[0]!.ended, 'early');
    assert.equal(records[1]!.to, '');
    assert.equal(records[1]!.ended, 'open');
    assert.equal(records[1]!.principal, 'user/bob');
  });

  it('the table has one row per period and says which are open', () => {
    const lines = historyTable(awkward).trimEnd().split('\n');
    assert.match(lines[0]!, /^PRINCIPAL\s+ACCOUNT\s+POLICY\s+KIND\s+FROM\s+TO\s+ENDED/);
    assert.equal(lines.length, 2 + 2 + 2);
    assert.match(lines[3]!, /open \(expires 2026-03-02T00:00:00Z\)\s+open/);
    assert.equal(lines.at(-1), '2 grant periods');
  });

  it('the markdown report states its scope and summary, lists each period and the early revocations with their reasons', () => {
    const report = historyMarkdown(awkward, {
      filter: { team: 'team-a', since: '2026-03-01T00:00:00Z' },
      generatedAt: '2026-03-10T00:00:00Z',
      retentionDays: 8,
    });
    assert.match(report, /^# Access review/);
    assert.match(report, /- Team: team-a/);
    assert.match(report, /- Window: 2026-03-01T00:00:00Z to 2026-03-10T00:00:00Z/);
    assert.match(report, /kept 8 days/);
    assert.match(report, /\| 2 \| 2 \| 1 \| 0 \| 1 \| 0 \|/);
    const rows = report.split('\n').filter((l) => l.startsWith('| user/'));
    assert.equal(rows.length, 2);
    // Every row has as many cells as the header: pipes inside values are escaped.
    const header = report.split('\n').find((l) => l.startsWith('| Principal'))!;
    const cellsOf = (l: string) => l.split(/(?<!\\)\|/).length;
    for (const row of rows) assert.equal(cellsOf(row), cellsOf(header));
    assert.match(
      report,
      /## Early revocations\n\n- user\/alice, reader in nonprod: revoked 2026-03-02T00:00:00.000Z by Ops, "night" shift: line one line \\\| two/,
    );
  });

  it('the markdown report of nothing says so', () => {
    assert.match(historyMarkdown([], { filter: {}, generatedAt: '2026-03-10T00:00:00Z' }), /No grant periods in this window\./);
  });
});
