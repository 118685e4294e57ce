import { plural } from '../../core/grant-outcomes';
import { parsePrincipal } from '../../core/names';
import { parseGrantWorkflowId } from '../../core/ids';
import { parseDuration } from '../../core/time';
import { withTemporal } from '../../temporal/connection';
import { listGrantRuns, type LiveGrant } from '../../temporal/grant-operations';
import { hasReconcileWorkflow } from '../../temporal/reconcile-operations';
import { defineCommand, EXIT, JSON_OPTION, UsageError, write, timeoutOption } from '../command';
import { expiry, table } from '../table';

const STATES = ['pending', 'active', 'revoking', 'revoked', 'failed'];

/** Why a closed grant ended, as its memo says. */
function endOf(grant: LiveGrant): string {
  const memo = grant.memo as { endCause?: string; endReason?: string; endedBy?: string };
  return [memo.endCause ?? grant.state, ...(memo.endedBy ? [`by ${memo.endedBy}`] : [])].join(' ');
}

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'List live grants (principal, account, policy, kind, state, expiry) and the grants that failed.',
  arguments: [{ name: 'team-or-grant-id' }],
  options: {
    user: {
      type: 'string',
      short: 'u',
      value: 'U',
      description: 'only grants of this principal: NAME, an email, user/NAME or role/NAME, sso-user/NAME or sso-group/NAME (IAM Identity Center)',
    },
    policy: { type: 'string', value: 'P', description: 'only grants of this policy' },
    account: { type: 'string', value: 'ID', description: 'only grants in this AWS account (12 digits)' },
    env: { type: 'string', value: 'E', description: 'only grants in this environment (its name in aws-accounts)' },
    state: {
      type: 'string',
      value: 'S',
      description: 'only grants in this state: pending, active, revoking, revoked or failed',
      parse: (raw: string): string => {
        if (!STATES.includes(raw)) throw new UsageError(`--state: "${raw}" is not one of ${STATES.join(', ')}`);
        return raw;
      },
    },
    kind: {
      type: 'string',
      value: 'K',
      description: 'only permanent or temporary grants',
      parse: (raw: string): string => {
        if (raw !== 'permanent' && raw !== 'temporary') throw new UsageError(`--kind: "${raw}" is not permanent or temporary`);
        return raw;
      },
    },
    ended: { type: 'boolean', description: 'also list the grants that ended (expired, revoked, removed) within --since' },
    since: {
      type: 'string',
      value: 'D',
      default: '7d',
      description: 'how far back failed and ended grants are listed',
      parse: (raw: string): number => {
        const ms = parseDuration(raw);
        if (ms === undefined) throw new UsageError(`--since: "${raw}" is not a duration such as 12h or 7d`);
        return ms;
      },
    },
    json: { ...JSON_OPTION, description: 'print the grants as JSON on stdout' },
    timeout: timeoutOption('1m'),
  },
  description: `
Reads the grant workflows from Temporal's visibility store (the same data the Web UI filters on:
GrantTeam, GrantPrincipal, GrantPolicy, ...): the running ones, then those that failed within
--since, with the error that made them fail; with --ended, also those that ended otherwise. Live
grants also held through what was there before grantflow (an imported entry not adopted) are
listed with it: removing their entries leaves it in place. The
argument is a team or one grant id (as the GRANT ID column shows it). --user takes the forms the
PRINCIPAL column shows (user/NAME, role/NAME, and for IAM Identity Center sso-user/NAME and
sso-group/NAME), a bare name or an email (matched by its IAM user name).`,
  exitCodes: 'Exit codes: 0 listed, 1 the team has no reconcile workflow, 2 usage error, 3 Temporal unreachable.',
  async run({ values, positionals, io }) {
    return withTemporal(
      { timeoutMs: values.timeout, waitingFor: `the grants${positionals[0] ? ` of ${positionals[0]}` : ''} from Temporal's visibility` },
      async (client) => {
        const now = Date.now();
        const target = positionals[0];
        const grantKey = target ? parseGrantWorkflowId(target) : undefined;
        const team = grantKey ? grantKey.team : target;
        const wanted = values.user !== undefined ? parsePrincipal(values.user) : undefined;
        const runs = (
          await listGrantRuns(client, {
            ...(team ? { team } : {}),
            ...(grantKey ? { id: target! } : {}),
            ...(wanted ? { principal: wanted.name } : {}),
            ...(values.policy !== undefined ? { policy: values.policy } : {}),
            ...(values.account !== undefined ? { account: values.account } : {}),
            ...(values.env !== undefined ? { environment: values.env } : {}),
            ...(values.kind !== undefined ? { kind: values.kind } : {}),
            closedSince: new Date(now - values.since),
          })
        )
          .filter((g) => !wanted?.type || ((g.memo.principalType as string | undefined) ?? 'user') === wanted.type)
          // The state of the latest run: filtered here, since a query on it would find older runs instead.
          .filter((g) => values.state === undefined || g.state === values.state);
        // Asked for revoked grants: those are ended ones.
        const showEnded = values.ended || values.state === 'revoked';
        if (team && !grantKey && runs.length === 0 && !(await hasReconcileWorkflow(client, team))) {
          write(
            io.stderr,
            `status: team ${team} has no reconcile workflow (it was never submitted, or not within the namespace's retention): \`grantflow submit ${team}\` starts it`,
          );
          return EXIT.failed;
        }
        const live = runs.filter((g) => g.status === 'RUNNING');
        const failed = runs.filter((g) => g.status !== 'RUNNING' && (g.state === 'failed' || (g.memo as { endCause?: string }).endCause === 'failed'));
        const ended = showEnded ? runs.filter((g) => g.status !== 'RUNNING' && !failed.includes(g)) : [];
        const lastError = (g: LiveGrant) => (g.memo as { endReason?: string }).endReason;
        if (values.json) {
          const shown = [...live, ...failed, ...ended].map((g) => ({ ...g, ...(g.status !== 'RUNNING' && lastError(g) ? { lastError: lastError(g) } : {}) }));
          write(io.stdout, JSON.stringify(shown, null, 2));
          return EXIT.ok;
        }
        const principal = (g: LiveGrant) => `${(g.memo.principalType as string | undefined) ?? 'user'}/${g.principal}`;
        const account = (g: LiveGrant) => `${g.environment} (${g.account})`;
        const rows = live.map((g) => [principal(g), account(g), g.policy, g.kind, g.state, expiry(g.expiresAt, now), g.id]);
        write(io.stdout, table(['PRINCIPAL', 'ACCOUNT', 'POLICY', 'KIND', 'STATE', 'EXPIRES', 'GRANT ID'], rows));
        const of = target ? ` of ${target}` : '';
        write(io.stdout, `\n${plural(live.length, 'live grant')}${of}`);
        const before = live.filter((g) => Array.isArray(g.memo.beforeGrantflow) && g.memo.beforeGrantflow.length > 0);
        if (before.length) {
          write(
            io.stdout,
            `\n${plural(before.length, 'grant')}${of} also held through what was there before grantflow, which grantflow leaves in place ` +
              '(`adopt: true` in the entry hands it over):',
          );
          for (const g of before) write(io.stdout, `  ${principal(g)} ${account(g)} ${g.policy}: ${(g.memo.beforeGrantflow as string[]).join(', ')}`);
        }
        if (failed.length) {
          write(io.stdout, `\n${plural(failed.length, 'grant')}${of} failed (not in IAM):`);
          for (const g of failed)
            write(
              io.stdout,
              `  ${principal(g)} ${account(g)} ${g.policy}: failed at ${g.closedAt ?? '?'}\n    ${g.id}\n    last error: ${lastError(g) ?? 'none recorded'}`,
            );
        }
        if (showEnded) {
          const since = new Date(now - values.since).toISOString();
          write(io.stdout, `\n${plural(ended.length, 'grant')}${of} ended since ${since}:`);
          for (const g of ended)
            write(
              io.stdout,
              `  ${principal(g)} ${account(g)} ${g.policy}: ${endOf(g)} at ${g.closedAt ?? '?'}${lastError(g) ? ` (${lastError(g)})` : ''}\n    ${g.id}`,
            );
        }
        return EXIT.ok;
      },
    );
  },
});
