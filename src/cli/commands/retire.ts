import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { plural as count } from '../../core/grant-outcomes';
import { TEAM_NAME } from '../../core/names';
import { withTemporal } from '../../temporal/connection';
import { listLiveGrants } from '../../temporal/grant-operations';
import { retireTeam } from '../../temporal/reconcile-operations';
import { currentRevision } from '../revision';
import { BY_OPTION, defineCommand, EXIT, UsageError, write, timeoutOption } from '../command';

export const retireCommand = defineCommand({
  name: 'retire',
  summary: 'Retire a team: revoke every grant it holds, delete its policies and end its reconcile workflow.',
  arguments: [{ name: 'team', required: true }],
  options: {
    reason: { type: 'string', value: 'R', required: true, description: "why (recorded in every grant's revoke)" },
    yes: { type: 'boolean', description: 'confirm: this revokes everything the team holds' },
    by: { ...BY_OPTION, description: 'who retires it' },
    timeout: timeoutOption('10m'),
  },
  description: `
For a team that is going away (deleting its YAML files revokes nothing by itself: the reconcile
workflow keeps the last submitted config). Revokes every running grant of the team, removes what
grant workflows terminated from outside left behind, waits for the revokes to finish, deletes the
team's customer-managed policies, and ends the team's reconcile workflow. Submitting the team again
later starts afresh.`,
  exitCodes: `
Exit codes: 0 retired, 1 something could not be removed yet (listed) or the team has no reconcile
workflow, 2 usage error, 3 Temporal unreachable.`,
  async run({ values, positionals, io }) {
    const team = positionals[0]!;
    if (!TEAM_NAME.test(team)) throw new UsageError(`team name "${team}" may contain only letters, digits, _ and - (at most 64 characters)`);
    if (values.reason.trim() === '') throw new UsageError('--reason must say why the team is retired');
    if (values.yes !== true) throw new UsageError(`retiring revokes every grant of ${team}; add --yes to confirm`);
    const by = values.by ?? currentRevision('.', io.env).submittedBy;
    return withTemporal(
      { timeoutMs: values.timeout, waitingFor: `the reconcile workflow of ${team} to retire it (it waits for every revoke)` },
      async (client) => {
        const live = await listLiveGrants(client, { team });
        write(
          io.stderr,
          `retire: revoking ${live.length} running grant${live.length === 1 ? '' : 's'} of ${team} and deleting its policies (waits for the revokes to finish)`,
        );
        let result;
        try {
          result = await retireTeam(client, team, { reason: values.reason, by }, (line) => write(io.stderr, `retire: ${line}`));
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) {
            write(io.stderr, `team ${team} has no reconcile workflow (never submitted, or already retired); nothing to retire`);
            return EXIT.failed;
          }
          if (error instanceof WorkflowUpdateFailedError) {
            write(io.stderr, `error: ${team}'s reconcile workflow could not retire it: ${error.cause?.message ?? error.message}`);
            return EXIT.failed;
          }
          throw error;
        }
        for (const id of result.revoked) write(io.stdout, `revoked: ${id}`);
        for (const arn of result.policiesDeleted) write(io.stdout, `deleted policy: ${arn}`);
        for (const left of result.remaining) write(io.stderr, `not yet removed: ${left}`);
        write(
          io.stdout,
          `${team}: retired; ${count(result.revoked.length, 'grant')} revoked, ${count(result.policiesDeleted.length, 'policy', 'policies')} deleted`,
        );
        if (result.remaining.length > 0) {
          write(
            io.stderr,
            `retire: ${result.remaining.length} item${result.remaining.length === 1 ? '' : 's'} could not be removed yet; run \`grantflow cleanup ${team}\` once they have finished`,
          );
          return EXIT.failed;
        }
        return EXIT.ok;
      },
    );
  },
});
