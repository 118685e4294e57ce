import {
  buildPeriods,
  filterPeriods,
  formatHistory,
  HISTORY_FORMATS,
  markRatification,
  parseHistoryTime,
  type HistoryFilter,
  type HistoryFormat,
} from '../../core/history';
import { parsePrincipal } from '../../core/names';
import { DAY_MS } from '../../core/time';
import { connectClient, withTimeout } from '../../temporal/connection';
import { readGrantRuns, readRatifications } from '../../temporal/history-reader';
import { namespaceRetentionMs } from '../../temporal/namespace-setup';
import { defineCommand, EXIT, timeoutOption, UsageError } from '../command';

const parseFormat = (raw: string): HistoryFormat => {
  if (!(HISTORY_FORMATS as readonly string[]).includes(raw)) throw new UsageError(`--format ${raw}: use one of ${HISTORY_FORMATS.join(', ')}`);
  return raw as HistoryFormat;
};

export const historyCommand = defineCommand({
  name: 'history',
  summary: 'Who held which access, from when to when, how it ended and why: every grant period Temporal still lists.',
  arguments: [{ name: 'team' }],
  options: {
    user: {
      type: 'string',
      short: 'u',
      value: 'U',
      description: 'only periods of this user or role (an email is matched by its IAM user name), or sso-user/NAME or sso-group/NAME (IAM Identity Center)',
    },
    account: { type: 'string', value: 'A', description: 'only periods in this AWS account id' },
    env: { type: 'string', value: 'E', description: 'only periods in this environment' },
    policy: { type: 'string', value: 'P', description: 'only periods of this policy' },
    since: {
      type: 'string',
      value: 'T',
      description: 'only periods still open at or after T (a date, an ISO timestamp, or a duration back from now: 7d, 12h)',
    },
    until: { type: 'string', value: 'T', description: 'only periods begun at or before T (same forms as --since)' },
    format: { type: 'string', value: 'F', default: 'table', description: `output format: ${HISTORY_FORMATS.join(', ')}`, parse: parseFormat },
    timeout: timeoutOption('2m', "how long to wait for Temporal's visibility"),
  },
  description: `
Lists every period in which a grant held (or was about to hold) its access: principal, account and
environment, policy, kind, from, to, how it ended (expired, early, removed, superseded,
beyond-limit, failed, retired, terminated, or open) and by whom, the reason, ticket, revision and
submitter. Read from Temporal's visibility store: each run of a grant workflow is a period (a
grant revoked early and restored has two), running ones and closed ones within the namespace's
retention. Older periods are gone unless archived or exported (docs/OPERATIONS.md, Audit history).

--format markdown prints an access-review report; --format csv prints RFC 4180 CSV with a header
row; --format json prints the periods as an array (the fields of the CSV, typed).

A break-glass grant (\`grantflow request\`) shows its request, rule and approvers, and whether a
temporary-access entry recorded it within its rule's ratify_within: one that none did is marked
unratified (the Markdown report lists them in a section of their own).`,
  exitCodes: 'Exit codes: 0 listed, 2 usage error, 3 Temporal unreachable.',
  async run({ values, positionals, io }) {
    if (values.account !== undefined && values.env !== undefined) throw new UsageError('give --account or --env, not both');
    const now = Date.now();
    const time = (option: 'since' | 'until') => {
      const raw = values[option];
      if (raw === undefined) return undefined;
      const parsed = parseHistoryTime(raw, now, { endOfDay: option === 'until' });
      if (!parsed.ok) throw new UsageError(`--${option} ${raw}: ${parsed.reason}`);
      return parsed.iso;
    };
    const wanted = values.user !== undefined ? parsePrincipal(values.user) : undefined;
    const since = time('since');
    const until = time('until');
    const filter: HistoryFilter = {
      ...(positionals[0] ? { team: positionals[0] } : {}),
      ...(wanted ? { principal: wanted.name, ...(wanted.type ? { principalType: wanted.type } : {}) } : {}),
      ...(values.account !== undefined ? { account: values.account } : {}),
      ...(values.env !== undefined ? { environment: values.env } : {}),
      ...(values.policy !== undefined ? { policy: values.policy } : {}),
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
    };
    const { client, connection, target } = await connectClient();
    try {
      const { runs, retention, ratified } = await withTimeout(
        client,
        values.timeout,
        "the grant runs from Temporal's visibility",
        async () => {
          const runs = await readGrantRuns(client, filter);
          return {
            runs,
            retention: values.format === 'markdown' ? await namespaceRetentionMs(client, target.namespace).catch(() => undefined) : undefined,
            // Break-glass grants: whether a YAML entry recorded each in time, as its request recorded it.
            ratified: runs.some((run) => run.memo.breakGlass) ? await readRatifications(client, filter.team) : new Map<string, string>(),
          };
        },
        "No worker is involved: Temporal's visibility store answers slowly. Narrow the query (a team, --user, --since) or raise --timeout",
      );
      const periods = markRatification(filterPeriods(buildPeriods(runs), filter), ratified, now);
      io.stdout.write(
        formatHistory(periods, values.format, {
          filter,
          generatedAt: new Date(now).toISOString(),
          ...(retention !== undefined ? { retentionDays: Math.round((retention / DAY_MS) * 10) / 10 } : {}),
        }),
      );
      return EXIT.ok;
    } finally {
      await connection.close();
    }
  },
});
