import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { parseGrantWorkflowId } from '../../core/ids';
import { parsePrincipal } from '../../core/names';
import { withTemporal } from '../../temporal/connection';
import { listLiveGrants, revokeGrantNow } from '../../temporal/operations';
import { currentRevision } from '../revision';
import { BY_OPTION, defineCommand, EXIT, UsageError, write, timeoutOption } from '../command';

export const revokeCommand = defineCommand({
  name: 'revoke',
  summary: 'Revoke grants now, before their expiry; the revocation sticks.',
  usage: 'grantflow revoke <grant-id> --reason R [--by NAME] [--timeout D]  |  grantflow revoke <team> --user U [--policy P] --reason R [--by NAME] [--timeout D]',
  arguments: [{ name: 'grant-id|team', required: true }],
  options: {
    reason: { type: 'string', value: 'R', description: 'why (required; recorded in the workflow)' },
    user: { type: 'string', short: 'u', value: 'U', description: 'with <team>: the user (or role) whose grants to revoke' },
    policy: { type: 'string', value: 'P', description: 'with <team>: only grants of this policy' },
    by: { ...BY_OPTION, description: 'who revokes' },
    timeout: timeoutOption('2m'),
  },
  description: `
Sends the revoke update to each matching grant workflow and waits until IAM no longer holds it.
An early revocation sticks: later submissions of the same YAML do not grant it again until its entry
leaves the YAML and comes back, or \`grantflow restore <grant-id>\` is run. Cancelling the grant's
workflow in the Temporal Web UI does the same.`,
  exitCodes: 'Exit codes: 0 revoked, 1 nothing matched or a revoke failed, 2 usage error, 3 Temporal unreachable.',
  async run({ values, positionals, io }) {
    const target = positionals[0]!;
    const reason = values.reason;
    if (reason === undefined || reason.trim() === '') throw new UsageError('--reason is required: say why the access is revoked early');
    const byGrantId = parseGrantWorkflowId(target) !== undefined;
    const user = values.user;
    if (!byGrantId && user === undefined) throw new UsageError('give a grant id, or a team with --user (see `grantflow revoke --help`)');
    const by = values.by ?? currentRevision('.', io.env).submittedBy;
    return withTemporal({ timeoutMs: values.timeout, waitingFor: `the revoke of ${target}${values.user ? ` --user ${values.user}` : ''} (the grant workflows' worker revokes in IAM)` }, async (client) => {
      const ids = byGrantId
        ? [target]
        : (
            await listLiveGrants(client, {
              team: target,
              principal: parsePrincipal(user!).name,
              ...(values.policy !== undefined ? { policy: values.policy } : {}),
            })
          ).map((g) => g.id);
      if (ids.length === 0) {
        write(io.stderr, `no live grant of ${values.user} in team ${target}${values.policy ? ` for policy ${values.policy}` : ''}; see \`grantflow status ${target}\``);
        return EXIT.failed;
      }
      let failed = 0;
      for (const id of ids) {
        write(io.stderr, `revoke: ${id} ...`);
        try {
          const state = await revokeGrantNow(client, id, { reason, by });
          write(io.stdout, `${state}: ${id}`);
        } catch (error) {
          // Listed by visibility, which lags: a grant that ended a moment ago is already revoked.
          if (error instanceof WorkflowNotFoundError && !byGrantId) {
            write(io.stderr, `revoke: ${id} had already ended; nothing to revoke`);
            continue;
          }
          failed++;
          if (error instanceof WorkflowNotFoundError) write(io.stderr, `error: ${id} is not running (already revoked or expired?)`);
          else if (error instanceof WorkflowUpdateFailedError) write(io.stderr, `error: ${id}: ${error.cause?.message ?? error.message}`);
          else throw error;
        }
      }
      return failed ? EXIT.failed : EXIT.ok;
    });
  },
});
