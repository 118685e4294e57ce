import { approveCommand } from '../../core/break-glass';
import { parseDuration } from '../../core/time';
import { TEAM_NAME } from '../../core/names';
import { withTemporal } from '../../temporal/connection';
import { requestStatus, startRequest, waitForRequest } from '../../temporal/requests';
import type { RequestStatus } from '../../../workflows/messages';
import { currentRevision } from '../revision';
import { BY_OPTION, defineCommand, EXIT, timeoutOption, UsageError, write } from '../command';
import { describeAsk, describeState, entryFor, requestIdArgument, teamTaskQueue } from '../request-view';

const FINAL: ReadonlySet<string> = new Set(['granted', 'denied', 'lapsed', 'failed']);

const parseFor = (raw: string): number => {
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) throw new UsageError(`--for: "${raw}" is not a duration such as 30m, 2h or 1d`);
  return ms;
};

export const requestCommand = defineCommand({
  name: 'request',
  summary: "Ask for urgent access under a team's break-glass rule, without waiting for a merge.",
  usage:
    'grantflow request <team> --rule R --env E --for D --reason TEXT --user U [--policy P] [--ticket T] [--by NAME] [--wait] [--print-entry] [--timeout D]' +
    '  |  grantflow request --print-entry <request-id> [--timeout D]',
  arguments: [{ name: 'team|request-id' }],
  options: {
    rule: { type: 'string', value: 'R', description: 'the break-glass rule (break-glass/<team>.yaml) to ask under' },
    env: { type: 'string', value: 'E', description: 'the environment to get access in' },
    for: { type: 'string', value: 'D', description: "how long (30m, 2h, 1d), at most the rule's max_duration; counted from approval", parse: parseFor },
    reason: { type: 'string', value: 'TEXT', description: 'why (every approver reads it; recorded on the grant)' },
    user: { type: 'string', short: 'u', value: 'U', env: 'GRANTFLOW_USER', description: 'the IAM user to receive the access, as the rule lists requesters' },
    policy: { type: 'string', value: 'P', description: 'the policy, when the rule grants more than one' },
    ticket: { type: 'string', value: 'T', description: 'the incident or ticket (required where the rule says so)' },
    by: { ...BY_OPTION, description: 'who asks (recorded)' },
    wait: { type: 'boolean', description: 'wait until the request is granted, denied or lapses, printing each change' },
    'print-entry': {
      type: 'boolean',
      description: 'print the temporary-access entry that records the grant in git (with <request-id>, or after --wait)',
    },
    timeout: timeoutOption('2m', 'how long to wait for the worker to check the request (--wait then waits for the rule’s open_for, plus 2m)'),
  },
  description: `
Starts a request workflow (grantflow-request/<team>/<code>). The worker checks it against the rule
in the team's newest verified submission (never the local checkout): the requester, environment,
policy, the duration (at most the rule's max_duration and max_temporary_days) and the ticket. A
refused request says why, naming the rule's file and line. A request the rule admits waits for
signed approvals from the rule's approvers (\`grantflow approve\`), and lapses unapproved after the
rule's open_for. Once approved, the access is an ordinary temporary grant that expires the
duration after the approval. Prints the request id on stdout and the approver's command on stderr.

The grant is not in the YAML until someone records it: \`grantflow request --print-entry
<request-id>\` prints the temporary-access entry to commit, which maps to the same grant (\`plan\`
says keep); \`history\` marks a grant no entry recorded within the rule's ratify_within as
unratified.`,
  exitCodes:
    'Exit codes: 0 requested (with --wait: granted; with --print-entry: printed), 1 refused, denied, lapsed or not approved yet, 2 usage error, 3 Temporal unreachable.',
  async run({ values, positionals, io }) {
    const target = positionals[0];
    if (values['print-entry'] && target && !TEAM_NAME.test(target)) return printEntry(requestIdArgument(target), values.timeout, io);
    if (!target || !TEAM_NAME.test(target)) throw new UsageError('give the team to ask access of (or --print-entry <request-id>)');
    const missing = (['rule', 'env', 'for', 'reason'] as const).filter((name) => values[name] === undefined);
    if (missing.length) throw new UsageError(`a request needs ${missing.map((m) => `--${m}`).join(', ')}`);
    if (values.reason!.trim() === '') throw new UsageError('--reason must say why the access is needed');
    if (!values.user) throw new UsageError('--user is required (or GRANTFLOW_USER): the IAM user to receive the access');
    const by = values.by ?? currentRevision('.', io.env).submittedBy;
    const ask = {
      team: target,
      rule: values.rule!,
      user: values.user,
      environment: values.env!,
      ...(values.policy ? { policy: values.policy } : {}),
      durationMs: values.for!,
      reason: values.reason!,
      ...(values.ticket ? { ticket: values.ticket } : {}),
      requestedBy: by,
    };
    const checked = await withTemporal(
      { timeoutMs: values.timeout, waitingFor: `the worker to check the request under rule ${ask.rule} of team ${target}` },
      async (client) => {
        const taskQueue = await teamTaskQueue(client, target);
        const id = await startRequest(client, ask, { taskQueue });
        write(io.stderr, `request: ${id}: asking the worker to check it against rule ${ask.rule} in force`);
        return (await waitForRequest(client, id, (s) => s.state !== 'checking', { timeoutMs: values.timeout }))!;
      },
    );
    write(io.stdout, checked.id);
    write(io.stderr, `request: ${describeAsk(checked)}: ${describeState(checked)}`);
    if (checked.state === 'failed') return EXIT.failed;
    write(io.stderr, `request: an approver runs: ${approveCommand(checked.id)}`);
    if (!values.wait) return EXIT.ok;
    const waitMs = Math.max(0, Date.parse(checked.openUntil ?? '') - Date.now()) + 2 * 60_000;
    const final = await withTemporal({ timeoutMs: waitMs, waitingFor: `request ${checked.id} to be approved, denied or lapse` }, (client) =>
      waitForRequest(client, checked.id, (s) => FINAL.has(s.state), {
        timeoutMs: waitMs,
        everyMs: 1000,
        onChange: (s) => s.state !== 'requested' && write(io.stderr, `request: ${describeState(s)}`),
      }),
    );
    if (!final || final.state !== 'granted') return EXIT.failed;
    write(io.stdout, final.grantId!);
    if (values['print-entry']) write(io.stdout, entryFor(final)!);
    else write(io.stderr, `request: record it in git: grantflow request --print-entry ${final.id}`);
    return EXIT.ok;
  },
});

async function printEntry(id: string, timeoutMs: number, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const status: RequestStatus = await withTemporal({ timeoutMs, waitingFor: `the status of request ${id}` }, (client) =>
    requestStatus(client, id, (line) => write(io.stderr, `request: ${line}`)),
  );
  const entry = entryFor(status);
  if (!entry) {
    write(io.stderr, `request: ${id} is ${status.state} (${describeState(status)}): only an approved request has an entry to record`);
    return EXIT.failed;
  }
  io.stdout.write(entry);
  return EXIT.ok;
}
