// Grant periods from grant workflow runs, and the four ways `history` prints them.
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import {
  markRatification,
  buildPeriods,
  csvField,
  filterPeriods,
  formatHistory,
  historyCsv,
  historyJson,
  historyMarkdown,
  historyTable,
  markdownCell,
  parseHistoryTime,
  type GrantPeriod,
  type HistoryFilter,
  type HistoryFormat,
} from '../../../src/core/history';
import type { LedgerEntry } from '../../../src/core/ledger';

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
      name: 'Cancel, Terminate and a run timeout end periods as such; a completed run ends as its memo says',
      runs: [
        run(PERM, { status: 'CANCELLED', startedAt: '2026-03-01T00:00:00.000Z', closedAt: '2026-03-01T01:00:00.000Z' }),
        run(PERM, { status: 'TERMINATED', startedAt: '2026-03-01T02:00:00.000Z', closedAt: '2026-03-01T03:00:00.000Z' }),
        run(PERM, { status: 'TIMED_OUT', startedAt: '2026-03-01T04:00:00.000Z', closedAt: '2026-03-01T05:00:00.000Z' }),
        run(PERM, { status: 'COMPLETED', startedAt: '2026-03-01T06:00:00.000Z', closedAt: '2026-03-01T07:00:00.000Z', memo: { endCause: 'early' } }),
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

describe('history: exact output of each format', () => {
  const full: GrantPeriod = {
    grantId: 'g1',
    runId: 'r1',
    team: 'team-a',
    principalType: 'user',
    principal: 'alice',
    account: '111111111111',
    environment: 'nonprod',
    policy: 'reader',
    kind: 'temporary',
    from: '2026-03-01T00:00:00Z',
    to: '2026-03-02T00:00:00Z',
    expiresAt: '2026-03-03T00:00:00Z',
    ended: 'early',
    endedBy: 'ops',
    endReason: 'left team',
    reason: 'on call',
    ticket: 'OPS-1',
    revision: 'abc',
    submittedBy: 'ci',
  };
  const bare: GrantPeriod = {
    grantId: 'g2',
    runId: 'r2',
    team: 'team-a',
    principalType: 'role',
    principal: 'deployer',
    account: '222222222222',
    environment: '',
    policy: 'admin',
    kind: 'permanent',
    from: '2026-03-01T00:00:00Z',
    ended: 'open',
  };
  const scope = { filter: {}, generatedAt: '2026-04-02T00:00:00Z' };

  it('csv: every column of a full period, and empty fields for a bare one', () => {
    assert.equal(
      historyCsv([full, bare]),
      [
        'principal,account,environment,policy,kind,from,to,expires,ended,ended_by,end_reason,reason,ticket,revision,submitter,grant_id,break_glass',
        'user/alice,111111111111,nonprod,reader,temporary,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,2026-03-03T00:00:00Z,early,ops,left team,on call,OPS-1,abc,ci,g1,',
        'role/deployer,222222222222,,admin,permanent,2026-03-01T00:00:00Z,,,open,,,,,,,g2,',
        '',
      ].join('\r\n'),
    );
  });

  it('table: aligned columns, open/revoking/expiring ends, end reasons on one line, and the count', () => {
    const revoking: GrantPeriod = { ...bare, grantId: 'g3', ended: 'revoking' };
    const expiring: GrantPeriod = { ...bare, grantId: 'g4', expiresAt: '2026-03-09T00:00:00Z', endReason: 'x\ny' };
    assert.equal(
      historyTable([full, bare, revoking, expiring]),
      [
        'PRINCIPAL      ACCOUNT                 POLICY  KIND       FROM                  TO                                   ENDED     ENDED BY  REASON                     TICKET  REVISION  SUBMITTER',
        '-------------  ----------------------  ------  ---------  --------------------  -----------------------------------  --------  --------  -------------------------  ------  --------  ---------',
        'user/alice     nonprod (111111111111)  reader  temporary  2026-03-01T00:00:00Z  2026-03-02T00:00:00Z                 early     ops       on call; ended: left team  OPS-1   abc       ci',
        'role/deployer  222222222222            admin   permanent  2026-03-01T00:00:00Z  open                                 open      -         -                          -       -         -',
        'role/deployer  222222222222            admin   permanent  2026-03-01T00:00:00Z  revoking                             revoking  -         -                          -       -         -',
        'role/deployer  222222222222            admin   permanent  2026-03-01T00:00:00Z  open (expires 2026-03-09T00:00:00Z)  open      -         -; ended: x y              -       -         -',
        '',
        '4 grant periods',
        '',
      ].join('\n'),
    );
  });

  it('table: one period is counted in the singular', () => assert.match(historyTable([full]), /\n\n1 grant period\n$/));

  it('markdown: the whole scope, the summary counts and the early revocation', () => {
    const periods: GrantPeriod[] = [
      full,
      bare,
      { ...bare, grantId: 'g5', ended: 'expired' },
      { ...bare, grantId: 'g6', ended: 'removed' },
      { ...bare, grantId: 'g3', ended: 'revoking' },
    ];
    const filter: HistoryFilter = {
      team: 'team-a',
      principal: 'Alice',
      account: '111111111111',
      environment: 'nonprod',
      policy: 'reader',
      since: '2026-02-01T00:00:00Z',
      until: '2026-04-01T00:00:00Z',
    };
    assert.equal(
      historyMarkdown(periods, { filter, generatedAt: '2026-04-02T00:00:00Z', retentionDays: 30 }),
      [
        '# Access review: AWS IAM grants',
        '',
        '- Team: team-a',
        '- Principal: Alice',
        '- Account: 111111111111',
        '- Environment: nonprod',
        '- Policy: reader',
        '- Window: 2026-02-01T00:00:00Z to 2026-04-01T00:00:00Z',
        '- Generated: 2026-04-02T00:00:00Z',
        '- Source: Temporal visibility; closed grants are kept 30 days (namespace retention)',
        '',
        '## Summary',
        '',
        '| Periods | Principals | Open | Expired | Revoked early | Other endings |',
        '|---:|---:|---:|---:|---:|---:|',
        '| 5 | 2 | 2 | 1 | 1 | 1 |',
        '',
        '## Grant periods',
        '',
        '| Principal | Account | Policy | Kind | From | To | Ended | By | Reason | Ticket | Revision | Submitter |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|',
        '| user/alice | nonprod (111111111111) | reader | temporary | 2026-03-01T00:00:00Z | 2026-03-02T00:00:00Z | early | ops | on call | OPS-1 | abc | ci |',
        '| role/deployer | 222222222222 | admin | permanent | 2026-03-01T00:00:00Z | open | open | — | — | — | — | — |',
        '| role/deployer | 222222222222 | admin | permanent | 2026-03-01T00:00:00Z | open | expired | — | — | — | — | — |',
        '| role/deployer | 222222222222 | admin | permanent | 2026-03-01T00:00:00Z | open | removed | — | — | — | — | — |',
        '| role/deployer | 222222222222 | admin | permanent | 2026-03-01T00:00:00Z | open | revoking | — | — | — | — | — |',
        '',
        '## Early revocations',
        '',
        '- user/alice, reader in nonprod: revoked 2026-03-02T00:00:00Z by ops: left team',
        '',
      ].join('\n'),
    );
  });

  it('markdown: no filter, an open expiring period, an early revocation with no one and no reason named', () => {
    const text = historyMarkdown([{ ...full, to: undefined, endedBy: undefined, endReason: undefined, environment: '' }], scope);
    assert.ok(text.includes('\n- Team: all teams\n- Window: as far back as retained to 2026-04-02T00:00:00Z\n- Generated: 2026-04-02T00:00:00Z\n\n## Summary'));
    assert.ok(
      text.includes('| user/alice | 111111111111 | reader | temporary | 2026-03-01T00:00:00Z | open (expires 2026-03-03T00:00:00Z) | early | — | on call |'),
    );
    assert.ok(text.endsWith('- user/alice, reader in 111111111111: revoked  by unknown: no reason given\n'));
  });

  it('markdown: with no early revocation, the report ends after the periods', () =>
    assert.ok(
      historyMarkdown([bare], scope).endsWith(
        '| role/deployer | 222222222222 | admin | permanent | 2026-03-01T00:00:00Z | open | open | — | — | — | — | — |\n',
      ),
    ));

  const formats: [HistoryFormat, (p: GrantPeriod[]) => string][] = [
    ['json', (p) => historyJson(p)],
    ['csv', (p) => historyCsv(p)],
    ['markdown', (p) => historyMarkdown(p, scope)],
    ['table', (p) => historyTable(p)],
  ];
  for (const [format, render] of formats)
    it(`formatHistory prints ${format}`, () => assert.equal(formatHistory([full, bare], format, scope), render([full, bare])));
  it('json is the periods themselves, indented, with a final newline', () => assert.equal(historyJson([bare]), `${JSON.stringify([bare], null, 2)}\n`));

  const cells: [string, string][] = [
    ['  padded  ', 'padded'],
    ['a\\b', 'a\\\\b'],
    ['a|b', 'a\\|b'],
    ['a\r\nb', 'a b'],
    ['', '—'],
  ];
  for (const [value, cell] of cells) it(`markdown cell of ${JSON.stringify(value)}`, () => assert.equal(markdownCell(value), cell));
});

describe('history: period edges', () => {
  const at = (s: string) => `2026-03-01T${s}.000Z`;
  const cases: { name: string; runs: LedgerEntry[]; want: Partial<GrantPeriod>[] }[] = [
    {
      name: 'a failed workflow ended crashed',
      runs: [run(PERM, { status: 'FAILED', closedAt: at('11:00:00') })],
      want: [{ ended: 'crashed', to: at('11:00:00') }],
    },
    { name: 'an unknown end cause is just ended', runs: [run(PERM, { memo: { endCause: 'mystery' as never } })], want: [{ ended: 'ended' }] },
    { name: 'a completed run with no cause is ended', runs: [run(PERM, {})], want: [{ ended: 'ended' }] },
    {
      name: 'an open run with a close time has no end yet',
      runs: [run(PERM, { status: 'RUNNING', state: 'active', closedAt: at('11:00:00') })],
      want: [{ ended: 'open', to: undefined }],
    },
    {
      name: 'a revoking run with a close time has no end yet',
      runs: [run(PERM, { status: 'RUNNING', state: 'revoking', closedAt: at('11:00:00') })],
      want: [{ ended: 'revoking', to: undefined }],
    },
    {
      name: 'a start date after the run began is when the period begins',
      runs: [run(PERM, { startedAt: at('10:00:00'), memo: { startsAt: '2026-03-02T00:00:00Z' } })],
      want: [{ from: '2026-03-02T00:00:00Z' }],
    },
    {
      name: 'a start date no later than the run keeps the run start',
      runs: [run(PERM, { startedAt: at('10:00:00'), memo: { startsAt: '2026-03-01T10:00:00Z' } })],
      want: [{ from: at('10:00:00') }],
    },
    {
      name: 'the memo spelling and type of the principal win over the id',
      runs: [run(PERM, { account: '', memo: { principalType: 'role', principalWritten: 'Alice.Smith', principalName: 'alice.smith' } })],
      want: [{ principalType: 'role', principal: 'Alice.Smith', account: '111111111111' }],
    },
    {
      name: 'the memo name wins over the id when nothing was written',
      runs: [run(PERM, { account: '333333333333', memo: { principalName: 'ALICE' } })],
      want: [{ principal: 'ALICE', account: '333333333333' }],
    },
    {
      name: 'runs started at the same moment are ordered by run id',
      runs: [run(PERM, { runId: 'r-b', startedAt: at('10:00:00') }), run(PERM, { runId: 'r-a', startedAt: at('10:00:00') })],
      want: [{ runId: 'r-a' }, { runId: 'r-b' }],
    },
    {
      name: 'grants that began at the same moment are ordered by id',
      runs: [run(TEMP, { startedAt: at('10:00:00') }), run(PERM, { startedAt: at('10:00:00') })],
      want: [{ grantId: PERM }, { grantId: TEMP }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const periods = buildPeriods(c.runs);
      assert.equal(periods.length, c.want.length);
      c.want.forEach((want, i) => {
        for (const [field, value] of Object.entries(want)) assert.deepEqual(periods[i]![field as keyof GrantPeriod], value, `${c.name}: ${field}`);
      });
    });
  }

  const closed = buildPeriods([run(PERM, { startedAt: at('10:00:00'), closedAt: at('12:00:00') })]);
  const filters: { name: string; filter: HistoryFilter; kept: boolean }[] = [
    { name: 'its own team', filter: { team: 'team-a' }, kept: true },
    { name: 'another team', filter: { team: 'team-b' }, kept: false },
    { name: 'a window that begins the moment it closed', filter: { since: at('12:00:00') }, kept: true },
    { name: 'a window that ends the moment it began', filter: { until: at('10:00:00') }, kept: true },
  ];
  for (const f of filters) it(`filter by ${f.name}`, () => assert.equal(filterPeriods(closed, f.filter).length, f.kept ? 1 : 0));
});

describe('history of break-glass grants: recorded in git in time, or unratified', function () {
  const mark = {
    request: 'grantflow-request/team-a/abcdefghij',
    rule: 'on-call',
    requestedBy: 'alice',
    approvers: ['carol'],
    approvedAt: '2026-03-01T03:00:00Z',
    ratifyBy: '2026-03-04T03:00:00Z',
  };
  const runOf = (memo: Record<string, unknown>): LedgerEntry => ({
    id: 'grantflow/team-a/111111111111/user/alice/reader/until/2026-03-01T05:00:00Z',
    runId: 'r1',
    status: 'COMPLETED',
    startedAt: '2026-03-01T03:00:01Z',
    closedAt: '2026-03-01T05:00:00Z',
    account: '111111111111',
    environment: 'nonprod',
    memo: { endCause: 'expired', reason: 'db down', ...memo } as LedgerEntry['memo'],
  });
  const [period] = buildPeriods([runOf({ breakGlass: mark })]);
  const at = (iso: string) => Date.parse(iso);

  it('a period from a grant’s break-glass memo names its request, rule and approvers', () => {
    assert.deepEqual(period!.breakGlass, {
      request: mark.request,
      rule: 'on-call',
      requestedBy: 'alice',
      approvers: ['carol'],
      ratifyBy: mark.ratifyBy,
      ratification: 'pending',
    });
    assert.equal(buildPeriods([runOf({})])[0]!.breakGlass, undefined);
  });

  it('is ratified when a verified submission recorded it by ratify_within, unratified when none had by then, pending before', () => {
    const ratification = (ratified: Map<string, string>, now: string) => markRatification([period!], ratified, at(now))[0]!.breakGlass!.ratification;
    assert.equal(ratification(new Map([[mark.request, '2026-03-02T00:00:00Z']]), '2026-03-10T00:00:00Z'), 'ratified');
    assert.equal(ratification(new Map([[mark.request, '2026-03-05T00:00:00Z']]), '2026-03-10T00:00:00Z'), 'unratified');
    assert.equal(ratification(new Map(), '2026-03-04T03:00:01Z'), 'unratified');
    assert.equal(ratification(new Map(), '2026-03-02T00:00:00Z'), 'pending');
  });

  it('marks an unratified one in every format: the table’s kind, the CSV column, and a section of the access review', () => {
    const [unratified] = markRatification([period!], new Map(), at('2026-03-10T00:00:00Z'));
    assert.match(historyTable([unratified!]), /temporary \(break-glass, unratified\)/);
    const [record] = parse(historyCsv([unratified!]), { columns: true }) as Record<string, string>[];
    assert.equal(record!.break_glass, `break-glass ${mark.request} (rule on-call), approved by carol; unratified`);
    const report = historyMarkdown([unratified!], { filter: {}, generatedAt: '2026-03-10T00:00:00Z' });
    assert.match(
      report,
      /## Break-glass grants\n\n- \*\*UNRATIFIED\*\* user\/alice, reader in nonprod from 2026-03-01T03:00:01Z: break-glass .* asked by alice: db down/,
    );
  });
});
