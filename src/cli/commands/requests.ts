import { REQUEST_STATES, type RequestState } from '../../core/break-glass';
import { withTemporal } from '../../temporal/connection';
import { listRequests } from '../../temporal/requests';
import { defineCommand, EXIT, JSON_OPTION, timeoutOption, UsageError, write } from '../command';
import { table } from '../table';

const parseState = (raw: string): RequestState => {
  if (!(REQUEST_STATES as readonly string[]).includes(raw)) throw new UsageError(`--state ${raw}: use one of ${REQUEST_STATES.join(', ')}`);
  return raw as RequestState;
};

export const requestsCommand = defineCommand({
  name: 'requests',
  summary: 'List break-glass requests, newest first: the open ones to approve, and what became of the others.',
  arguments: [],
  options: {
    team: { type: 'string', value: 'T', description: 'only requests of this team' },
    state: { type: 'string', value: 'S', description: `only requests in this state: ${REQUEST_STATES.join(', ')}`, parse: parseState },
    json: JSON_OPTION,
    timeout: timeoutOption('2m', "how long to wait for Temporal's visibility"),
  },
  description: `
Lists the request workflows Temporal's visibility holds (running, and closed within the namespace's
retention), newest first: id, state, user, environment, policy, duration, when asked, by whom, the
approvers and the reason. \`grantflow approve <id>\` approves an open one; in the Web UI they are
the workflows with WorkflowType = 'requestWorkflow' (GrantKind = 'request', GrantState the request's state).`,
  exitCodes: 'Exit codes: 0 listed, 2 usage error, 3 Temporal unreachable.',
  async run({ values, io }) {
    const rows = await withTemporal({ timeoutMs: values.timeout, waitingFor: "the requests from Temporal's visibility" }, (client) =>
      listRequests(client, { ...(values.team ? { team: values.team } : {}), ...(values.state ? { state: values.state } : {}) }),
    );
    if (values.json) {
      write(io.stdout, JSON.stringify(rows, null, 2));
      return EXIT.ok;
    }
    const memo = (row: (typeof rows)[number], key: string) => {
      const value = row.memo[key];
      return Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : '';
    };
    write(
      io.stdout,
      table(
        ['REQUEST', 'STATE', 'USER', 'ENV', 'POLICY', 'FOR', 'ASKED', 'BY', 'APPROVERS', 'REASON'],
        rows.map((r) => [
          r.id,
          r.state,
          r.principal,
          r.environment,
          r.policy || '-',
          memo(r, 'duration'),
          r.startedAt,
          memo(r, 'requestedBy'),
          memo(r, 'approvers') || '-',
          memo(r, 'reason'),
        ]),
      ),
    );
    write(io.stdout, `\n${rows.length} request${rows.length === 1 ? '' : 's'}`);
    return EXIT.ok;
  },
});
