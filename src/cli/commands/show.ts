import { parseGrantWorkflowId } from '../../core/ids';
import { withTemporal } from '../../temporal/connection';
import { readGrantDetails, type GrantDetails } from '../../temporal/grant-details';
import type { GrantStatus } from '../../../workflows/messages';
import { defineCommand, EXIT, JSON_OPTION, timeoutOption, UsageError, write } from '../command';
import { expiry } from '../table';

const INLINE_ADOPTION: Record<string, string> = {
  deleted: "deleted once grantflow's policy holding its statements was attached",
  absent: 'gone already',
  differs: "kept: it no longer holds the policy's statements (edited since the import)",
  'not-attached': "kept until grantflow's policy is attached",
  'policy-differs': "kept until grantflow's policy holds its statements (the team's next pass writes them)",
  failed: 'kept: adoption failed (below)',
};

/** What the grant took over from before grantflow (`adopt: true`). */
function adoptedText(adopted: GrantStatus['adopted']): string | undefined {
  if (!adopted) return undefined;
  const parts = [
    ...(adopted.managed.length > 0 ? [`${adopted.managed.join(', ')} (now grantflow's: the grant's revoke detaches it)`] : []),
    ...(adopted.inline ? [`inline policy ${adopted.inline.name}: ${INLINE_ADOPTION[adopted.inline.outcome] ?? adopted.inline.outcome}`] : []),
    ...(adopted.error ? [`stopped short, nothing taken away (the next apply tries again): ${adopted.error}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** What was there before grantflow and stays, whatever becomes of the grant. */
export function beforeText(before: unknown): string | undefined {
  if (!Array.isArray(before) || before.length === 0) return undefined;
  return `${before.join(', ')}: there before grantflow, which leaves it in place even when the grant ends (adopt: true in the entry hands it over)`;
}

function text(d: GrantDetails, nowMs: number): string {
  const memo = d.memo as Record<string, string | undefined>;
  const live = d.live;
  const rows: [string, string | undefined][] = [
    ['state', `${d.state}${d.status !== 'RUNNING' ? ` (workflow ${d.status.toLowerCase()})` : ''}`],
    [
      'principal',
      `${memo.principalType ?? 'user'}/${memo.principalName ?? d.principal}${memo.principalWritten && memo.principalWritten !== memo.principalName ? ` (written ${memo.principalWritten})` : ''}`,
    ],
    ['account', `${d.environment} (${d.account})`],
    ['team', d.team],
    ['policy', `${d.policy} (${d.kind})`],
    ['expires', expiry(d.expiresAt, nowMs)],
    ['starts', memo.startsAt],
    ['active since', live?.activeSince],
    ['description', memo.description],
    ['source', memo.source],
    ['reason', memo.reason],
    ['ticket', memo.ticket],
    ['revision', memo.revision],
    ['submitted by', memo.submittedBy],
    ['ended', memo.endCause ? `${memo.endCause}${memo.endedBy ? ` by ${memo.endedBy}` : ''}${live?.endedAt ? ` at ${live.endedAt}` : ''}` : undefined],
    ['end reason', memo.endReason],
    ['before grantflow', beforeText(d.memo.beforeGrantflow)],
    ['adopted', adoptedText(live?.adopted)],
    ['last error', live?.lastError],
    ['revoke attempts', live ? String(live.revokeAttempts) : undefined],
    ['status query', live ? undefined : 'no answer (no worker polling, or the run is closed and no worker can replay it)'],
  ];
  const shown = rows.filter(([, value]) => value !== undefined && value !== '');
  const width = Math.max(...shown.map(([label]) => label.length));
  const lines = [`grant ${d.id}`, ...shown.map(([label, value]) => `  ${`${label}:`.padEnd(width + 1)}  ${value}`)];
  lines.push('', `state changes (${d.runs.length === 1 ? '1 run' : `${d.runs.length} runs`}):`);
  for (const change of d.stateChanges) lines.push(`  ${change.at}  ${change.state}  (run ${change.runId.slice(0, 8)})`);
  for (const run of d.runs.filter((r) => r.closedAt)) lines.push(`  ${run.closedAt}  run ${run.runId.slice(0, 8)} closed: ${run.status.toLowerCase()}`);
  return lines.join('\n');
}

export const showCommand = defineCommand({
  name: 'show',
  summary: 'Show one grant in full: state, principal, policy, expiry, memo, last error and its state changes.',
  arguments: [{ name: 'grant-id', required: true }],
  options: {
    json: { ...JSON_OPTION, description: 'print the grant as JSON on stdout' },
    timeout: timeoutOption('1m'),
  },
  description: `
Reads the grant's workflow from Temporal: its state, principal, account, policy, expiry and start,
what its memo records (description, file:line, reason, ticket, revision, who submitted it, how it
ended, what was there before grantflow and stays when the grant ends), the last error, revoke
attempts and what adoption took over from its status query (when a worker answers), and the
state changes each of its runs recorded, with their times. The grant id is the one \`grantflow
status\` prints.`,
  exitCodes: 'Exit codes: 0 shown, 1 no such grant within retention, 2 usage error, 3 Temporal unreachable.',
  async run({ values, positionals, io }) {
    const id = positionals[0]!;
    if (!parseGrantWorkflowId(id))
      throw new UsageError(
        `"${id}" is not a grant id (they look like grantflow/<team>/<account>/user/<name>/<policy>[/until/<expiry>]; \`grantflow status\` lists them)`,
      );
    return withTemporal({ timeoutMs: values.timeout, waitingFor: `grant ${id} from Temporal` }, async (client) => {
      const details = await readGrantDetails(client, id);
      if (!details) {
        write(io.stderr, `show: no grant ${id} within the namespace's retention; \`grantflow status --ended\` lists recent ones`);
        return EXIT.failed;
      }
      write(io.stdout, values.json ? JSON.stringify(details, null, 2) : text(details, Date.now()));
      return EXIT.ok;
    });
  },
});
