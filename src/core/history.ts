// Grant periods for `grantflow history`: who held what, from when to when, and how it ended. Built
// from every run of every grant workflow that visibility still lists (the runs the ledger reads, not
// only the latest), and printed as a table, JSON, CSV or a Markdown access-review report. Pure: the
// reads live in src/temporal/history-reader.ts, and "now" is the caller's.
import type { BreakGlassMark } from './break-glass';
import { parseGrantWorkflowId, type PrincipalType } from './ids';
import { canonicalPrincipal } from './names';
import type { LedgerEntry } from './ledger';
import { parseDuration, parseInstant } from './time';

/** What a grant run's memo adds for the record (grantMemo writes it; record runs lack it). */
export interface HistoryMemo {
  principalWritten?: string;
  reason?: string;
  ticket?: string;
  revision?: string;
  submittedBy?: string;
}

/** How a period ended; `open` while the grant still holds (or is about to hold) its access. */
export type PeriodEnd =
  | 'open'
  | 'revoking'
  | 'expired'
  | 'early'
  | 'removed'
  | 'superseded'
  | 'beyond-limit'
  | 'failed'
  | 'retired'
  | 'lifted'
  | 'unbounded'
  | 'terminated'
  | 'timed-out'
  | 'crashed'
  | 'ended';

export interface GrantPeriod {
  grantId: string;
  /** The run that began the period (continue-as-new runs are folded into it). */
  runId: string;
  team: string;
  principalType: PrincipalType;
  principal: string;
  account: string;
  environment: string;
  policy: string;
  kind: 'permanent' | 'temporary';
  from: string;
  /** When the period closed; absent while it is open. */
  to?: string;
  /** For temporary grants, when the access expires (or expired). */
  expiresAt?: string;
  ended: PeriodEnd;
  endedBy?: string;
  endReason?: string;
  reason?: string;
  ticket?: string;
  revision?: string;
  submittedBy?: string;
  /** A break-glass grant: its request, rule and approvers, and whether a YAML entry recorded it in time. */
  breakGlass?: BreakGlassPeriod;
}

/**
 * `ratified`: a verified submission recorded the grant as a temporary-access entry by `ratifyBy`;
 * `unratified`: none had by then; `pending`: not yet, and there is still time.
 */
export type Ratification = 'ratified' | 'unratified' | 'pending';

export interface BreakGlassPeriod {
  request: string;
  rule: string;
  requestedBy: string;
  approvers: string[];
  ratifyBy: string;
  ratification: Ratification;
  ratifiedAt?: string;
}

const CAUSES: ReadonlySet<string> = new Set(['expired', 'early', 'removed', 'superseded', 'beyond-limit', 'failed', 'retired', 'lifted', 'unbounded']);

function endOf(run: LedgerEntry): PeriodEnd {
  switch (run.status) {
    case 'RUNNING':
      return run.state === 'revoking' ? 'revoking' : 'open';
    case 'CANCELLED':
      return 'early';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed-out';
    case 'FAILED':
      return 'crashed';
    default: {
      const cause = run.memo.endCause;
      return cause && CAUSES.has(cause) ? (cause as PeriodEnd) : 'ended';
    }
  }
}

const later = (a: string, b: string | undefined) => (b !== undefined && Date.parse(b) > Date.parse(a) ? b : a);

/**
 * Every grant period the runs show, oldest first. A record run holds nothing, so it is no period;
 * the runs of one continue-as-new chain are one period (the first run's start, the last one's end).
 */
export function buildPeriods(runs: readonly LedgerEntry[]): GrantPeriod[] {
  const byId = new Map<string, LedgerEntry[]>();
  for (const run of runs) byId.set(run.id, [...(byId.get(run.id) ?? []), run]);
  const periods: GrantPeriod[] = [];
  for (const [id, list] of byId) {
    const key = parseGrantWorkflowId(id);
    if (!key) continue;
    const sorted = [...list].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || (a.runId < b.runId ? -1 : 1));
    let current: GrantPeriod | undefined;
    let continues = false;
    for (const run of sorted) {
      if (run.memo.record) {
        continues = false;
        continue;
      }
      const memo = run.memo as LedgerEntry['memo'] & HistoryMemo;
      const ended = endOf(run);
      const closing = {
        ...(ended !== 'open' && ended !== 'revoking' && run.closedAt ? { to: run.closedAt } : {}),
        ended,
        ...(memo.endedBy ? { endedBy: memo.endedBy } : {}),
        ...(memo.endReason ? { endReason: memo.endReason } : {}),
      };
      if (current && continues) {
        delete current.to;
        Object.assign(current, closing);
      } else {
        current = {
          grantId: id,
          runId: run.runId,
          team: key.team,
          principalType: memo.principalType ?? key.principalType,
          principal: memo.principalWritten ?? memo.principalName ?? key.principal,
          account: run.account || key.account,
          environment: run.environment,
          policy: key.policy,
          kind: key.kind,
          from: later(run.startedAt, memo.startsAt),
          ...((run.expiresAt ?? key.expiresAt) ? { expiresAt: run.expiresAt ?? key.expiresAt } : {}),
          ...closing,
          ...(memo.reason ? { reason: memo.reason } : {}),
          ...(memo.ticket ? { ticket: memo.ticket } : {}),
          ...(memo.revision ? { revision: memo.revision } : {}),
          ...(memo.submittedBy ? { submittedBy: memo.submittedBy } : {}),
          ...(memo.breakGlass ? { breakGlass: breakGlassPeriod(memo.breakGlass) } : {}),
        };
        periods.push(current);
      }
      continues = run.status === 'CONTINUED_AS_NEW';
    }
  }
  return periods.sort((a, b) => Date.parse(a.from) - Date.parse(b.from) || (a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0));
}

function breakGlassPeriod(mark: BreakGlassMark): BreakGlassPeriod {
  return {
    request: mark.request,
    rule: mark.rule,
    requestedBy: mark.requestedBy,
    approvers: [...mark.approvers],
    ratifyBy: mark.ratifyBy,
    ratification: 'pending',
  };
}

/**
 * Whether each break-glass period was recorded in git in time: `ratifiedAt` holds, by request id,
 * when a verified submission first held the grant's entry (the request's own record of it).
 */
export function markRatification(periods: readonly GrantPeriod[], ratifiedAt: ReadonlyMap<string, string>, nowMs: number): GrantPeriod[] {
  return periods.map((p) => {
    if (!p.breakGlass) return p;
    const at = ratifiedAt.get(p.breakGlass.request);
    const by = Date.parse(p.breakGlass.ratifyBy);
    const ratification: Ratification = at !== undefined && Date.parse(at) <= by ? 'ratified' : nowMs > by ? 'unratified' : 'pending';
    return { ...p, breakGlass: { ...p.breakGlass, ratification, ...(at !== undefined ? { ratifiedAt: at } : {}) } };
  });
}

/** `break-glass <request> (rule R), approved by a, b; unratified`. */
export function describeBreakGlass(b: BreakGlassPeriod): string {
  return `break-glass ${b.request} (rule ${b.rule}), approved by ${b.approvers.join(', ')}; ${b.ratification === 'pending' ? `to be recorded by ${b.ratifyBy}` : b.ratification}`;
}

export interface HistoryFilter {
  team?: string;
  /** An IAM user or role name, or an IAM Identity Center user or group, in any case. */
  principal?: string;
  /** Only this type of principal (`user/…`, `sso-user/…` as operators write it). */
  principalType?: PrincipalType;
  account?: string;
  environment?: string;
  policy?: string;
  /** Periods that overlap [since, until]. */
  since?: string;
  until?: string;
}

export function filterPeriods(periods: readonly GrantPeriod[], filter: HistoryFilter): GrantPeriod[] {
  const since = filter.since ? Date.parse(filter.since) : undefined;
  const until = filter.until ? Date.parse(filter.until) : undefined;
  return periods.filter(
    (p) =>
      (filter.team === undefined || p.team === filter.team) &&
      (filter.principal === undefined || canonicalPrincipal(p.principal) === canonicalPrincipal(filter.principal)) &&
      (filter.principalType === undefined || p.principalType === filter.principalType) &&
      (filter.account === undefined || p.account === filter.account) &&
      (filter.environment === undefined || p.environment === filter.environment) &&
      (filter.policy === undefined || p.policy === filter.policy) &&
      (since === undefined || p.to === undefined || Date.parse(p.to) >= since) &&
      (until === undefined || Date.parse(p.from) <= until),
  );
}

/** `--since`/`--until`: a date, an ISO timestamp, or a duration back from now (`7d`, `12h`). */
export function parseHistoryTime(text: string, nowMs: number, { endOfDay }: { endOfDay: boolean }): { ok: true; iso: string } | { ok: false; reason: string } {
  const ago = parseDuration(text);
  if (ago !== undefined) return { ok: true, iso: new Date(nowMs - ago).toISOString() };
  const instant = parseInstant(text, { endOfDay });
  if (instant.ok) return { ok: true, iso: instant.iso };
  return { ok: false, reason: `${instant.reason}, or a duration back from now such as 7d or 12h` };
}

export const HISTORY_FORMATS = ['table', 'json', 'csv', 'markdown'] as const;
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];

/** The columns every text format prints, in order; JSON prints the periods themselves. */
export const HISTORY_COLUMNS: readonly { header: string; value: (p: GrantPeriod) => string }[] = [
  { header: 'principal', value: (p) => `${p.principalType}/${p.principal}` },
  { header: 'account', value: (p) => p.account },
  { header: 'environment', value: (p) => p.environment },
  { header: 'policy', value: (p) => p.policy },
  { header: 'kind', value: (p) => p.kind },
  { header: 'from', value: (p) => p.from },
  { header: 'to', value: (p) => p.to ?? '' },
  { header: 'expires', value: (p) => p.expiresAt ?? '' },
  { header: 'ended', value: (p) => p.ended },
  { header: 'ended_by', value: (p) => p.endedBy ?? '' },
  { header: 'end_reason', value: (p) => p.endReason ?? '' },
  { header: 'reason', value: (p) => p.reason ?? '' },
  { header: 'ticket', value: (p) => p.ticket ?? '' },
  { header: 'revision', value: (p) => p.revision ?? '' },
  { header: 'submitter', value: (p) => p.submittedBy ?? '' },
  { header: 'grant_id', value: (p) => p.grantId },
  { header: 'break_glass', value: (p) => (p.breakGlass ? describeBreakGlass(p.breakGlass) : '') },
];

/** RFC 4180: every field that holds a comma, quote or line break is quoted, quotes doubled; CRLF line ends. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function historyCsv(periods: readonly GrantPeriod[]): string {
  const lines = [HISTORY_COLUMNS.map((c) => c.header), ...periods.map((p) => HISTORY_COLUMNS.map((c) => c.value(p)))];
  return lines.map((cells) => cells.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function historyJson(periods: readonly GrantPeriod[]): string {
  return JSON.stringify(periods, null, 2) + '\n';
}

const TABLE_COLUMNS = ['principal', 'account', 'policy', 'kind', 'from', 'to', 'ended', 'ended_by', 'reason', 'ticket', 'revision', 'submitter'];

export function historyTable(periods: readonly GrantPeriod[]): string {
  const columns = TABLE_COLUMNS.map((name) => HISTORY_COLUMNS.find((c) => c.header === name)!);
  const cell = (p: GrantPeriod, c: (typeof HISTORY_COLUMNS)[number]) => {
    if (c.header === 'account') return p.environment ? `${p.environment} (${p.account})` : p.account;
    if (c.header === 'to') return p.to ?? (p.ended === 'revoking' ? 'revoking' : p.expiresAt ? `open (expires ${p.expiresAt})` : 'open');
    if (c.header === 'reason') return p.endReason ? `${c.value(p) || '-'}; ended: ${p.endReason}` : c.value(p);
    if (c.header === 'kind' && p.breakGlass)
      return `${p.kind} (break-glass${p.breakGlass.ratification === 'ratified' ? '' : `, ${p.breakGlass.ratification}`})`;
    return c.value(p);
  };
  const headers = columns.map((c) => c.header.replace('_', ' ').toUpperCase());
  // One line per period, whatever a reason holds.
  const rows = periods.map((p) => columns.map((c) => cell(p, c).replace(/\s*\r?\n\s*/g, ' ') || '-'));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const count = `${periods.length} grant period${periods.length === 1 ? '' : 's'}`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', count].join('\n') + '\n';
}

/** A Markdown table cell: pipes escaped, line breaks flattened, empty shown as a dash. */
export function markdownCell(value: string): string {
  const text = value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').trim();
  return text === '' ? '—' : text;
}

export interface ReportScope {
  filter: HistoryFilter;
  generatedAt: string;
  /** How far back visibility reaches (the namespace's retention), when known. */
  retentionDays?: number;
}

/** The access-review report: scope, a summary, one row per period, and the early revocations with their reasons. */
export function historyMarkdown(periods: readonly GrantPeriod[], scope: ReportScope): string {
  const f = scope.filter;
  const scopeLines = [
    `- Team: ${f.team ?? 'all teams'}`,
    ...(f.principal ? [`- Principal: ${f.principal}`] : []),
    ...(f.account ? [`- Account: ${f.account}`] : []),
    ...(f.environment ? [`- Environment: ${f.environment}`] : []),
    ...(f.policy ? [`- Policy: ${f.policy}`] : []),
    `- Window: ${f.since ?? 'as far back as retained'} to ${f.until ?? scope.generatedAt}`,
    `- Generated: ${scope.generatedAt}`,
    ...(scope.retentionDays !== undefined ? [`- Source: Temporal visibility; closed grants are kept ${scope.retentionDays} days (namespace retention)`] : []),
  ];
  const principals = new Set(periods.map((p) => `${p.principalType}/${canonicalPrincipal(p.principal)}`));
  const count = (end: PeriodEnd) => periods.filter((p) => p.ended === end).length;
  const summary = [
    `| Periods | Principals | Open | Expired | Revoked early | Other endings |`,
    `|---:|---:|---:|---:|---:|---:|`,
    `| ${periods.length} | ${principals.size} | ${count('open') + count('revoking')} | ${count('expired')} | ${count('early')} | ${periods.length - count('open') - count('revoking') - count('expired') - count('early')} |`,
  ];
  const headers = ['Principal', 'Account', 'Policy', 'Kind', 'From', 'To', 'Ended', 'By', 'Reason', 'Ticket', 'Revision', 'Submitter'];
  const rows = periods.map((p) =>
    [
      `${p.principalType}/${p.principal}`,
      p.environment ? `${p.environment} (${p.account})` : p.account,
      p.policy,
      p.kind,
      p.from,
      p.to ?? (p.expiresAt ? `open (expires ${p.expiresAt})` : 'open'),
      p.ended,
      p.endedBy ?? '',
      p.reason ?? '',
      p.ticket ?? '',
      p.revision ?? '',
      p.submittedBy ?? '',
    ].map(markdownCell),
  );
  const early = periods.filter((p) => p.ended === 'early');
  const urgent = periods.filter((p) => p.breakGlass);
  return [
    '# Access review: AWS IAM grants',
    '',
    ...scopeLines,
    '',
    '## Summary',
    '',
    ...summary,
    '',
    '## Grant periods',
    '',
    ...(periods.length
      ? [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)]
      : ['No grant periods in this window.']),
    '',
    ...(early.length
      ? [
          '## Early revocations',
          '',
          ...early.map(
            (p) =>
              `- ${markdownCell(`${p.principalType}/${p.principal}`)}, ${markdownCell(p.policy)} in ${markdownCell(p.environment || p.account)}: revoked ${p.to ?? ''} by ${markdownCell(p.endedBy ?? 'unknown')}: ${markdownCell(p.endReason ?? 'no reason given')}`,
          ),
          '',
        ]
      : []),
    ...(urgent.length
      ? [
          '## Break-glass grants',
          '',
          ...urgent.map(
            (p) =>
              `- ${p.breakGlass!.ratification === 'unratified' ? '**UNRATIFIED** ' : ''}${markdownCell(`${p.principalType}/${p.principal}`)}, ${markdownCell(p.policy)} in ${markdownCell(p.environment || p.account)} from ${p.from}: ${markdownCell(describeBreakGlass(p.breakGlass!))}; asked by ${markdownCell(p.breakGlass!.requestedBy)}: ${markdownCell(p.reason ?? 'no reason given')}`,
          ),
          '',
        ]
      : []),
  ].join('\n');
}

export function formatHistory(periods: readonly GrantPeriod[], format: HistoryFormat, scope: ReportScope): string {
  switch (format) {
    case 'json':
      return historyJson(periods);
    case 'csv':
      return historyCsv(periods);
    case 'markdown':
      return historyMarkdown(periods, scope);
    default:
      return historyTable(periods);
  }
}
