import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { parseGrantWorkflowId } from '../../core/ids';
import { plural as count } from '../../core/grant-outcomes';
import { parsePrincipal } from '../../core/names';
import { withTemporal } from '../../temporal/connection';
import { listLiveGrants, revokeGrantNow } from '../../temporal/grant-operations';
import { currentRevision } from '../revision';
import { BY_OPTION, defineCommand, EXIT, UsageError, write, timeoutOption } from '../command';

export const revokeCommand = defineCommand({
  name: 'revoke',
  summary: 'Revoke grants now, before their expiry; the revocation sticks.',
  usage:
    'grantflow revoke <grant-id> --reason R [--by NAME] [--timeout D]  |  grantflow revoke <team> --user U [--policy P] --reason R [--by NAME] [--timeout D]' +
    '  |  grantflow revoke --user U --all-teams [--policy P] --reason R [--by NAME] [--timeout D]',
  arguments: [{ name: 'grant-id|team' }],
  options: {
    reason: { type: 'string', value: 'R', description: 'why (required; recorded in the workflow)' },
    user: {
      type: 'string',
      short: 'u',
      value: 'U',
      description: 'with <team>: the user (or role; sso-user/NAME or sso-group/NAME for IAM Identity Center) whose grants to revoke',
    },
    policy: { type: 'string', value: 'P', description: 'with <team>: only grants of this policy' },
    by: { ...BY_OPTION, description: 'who revokes' },
    'all-teams': { type: 'boolean', description: 'with --user and no team: every live grant of that user or role in every team (offboarding)' },
    timeout: timeoutOption('2m'),
  },
  description: `
Sends the revoke update to each matching grant workflow and waits until IAM no longer holds it.
An early revocation sticks: later submissions of the same YAML do not grant it again until its entry
leaves the YAML and comes back, or \`grantflow restore <grant-id>\` is run. Cancelling the grant's
workflow in the Temporal Web UI does the same. With --user and --all-teams (offboarding), every live
grant of that user or role in every team is revoked, each sticky on its own, and listed.`,
  exitCodes: 'Exit codes: 0 revoked, 1 nothing matched or a revoke failed, 2 usage error, 3 Temporal unreachable.',
  async run({ values, positionals, io }) {
    const allTeams = values['all-teams'];
    const target = positionals[0];
    const reason = values.reason;
    if (reason === undefined || reason.trim() === '') throw new UsageError('--reason is required: say why the access is revoked early');
    if (allTeams && target !== undefined) throw new UsageError(`--all-teams takes no team or grant id (got "${target}")`);
    if (allTeams && values.user === undefined) throw new UsageError('--all-teams needs --user: whose access to revoke in every team');
    if (!allTeams && target === undefined)
      throw new UsageError('give a grant id, a team with --user, or --user with --all-teams (see `grantflow revoke --help`)');
    const byGrantId = target !== undefined && parseGrantWorkflowId(target) !== undefined;
    const user = values.user;
    if (!allTeams && !byGrantId && user === undefined) throw new UsageError('give a grant id, or a team with --user (see `grantflow revoke --help`)');
    const wanted = user !== undefined ? parsePrincipal(user) : undefined;
    const by = values.by ?? currentRevision('.', io.env).submittedBy;
    return withTemporal(
      {
        timeoutMs: values.timeout,
        waitingFor: `the revoke of ${target ?? 'every team'}${values.user ? ` --user ${values.user}` : ''} (the grant workflows' worker revokes in IAM)`,
      },
      async (client) => {
        const ids = byGrantId
          ? [target!]
          : (
              await listLiveGrants(client, {
                ...(allTeams ? {} : { team: target! }),
                principal: wanted!.name,
                ...(values.policy !== undefined ? { policy: values.policy } : {}),
              })
            )
              .filter((g) => !wanted?.type || ((g.memo.principalType as string | undefined) ?? 'user') === wanted.type)
              .map((g) => g.id);
        if (ids.length === 0) {
          const where = allTeams ? 'any team' : `team ${target}`;
          write(
            io.stderr,
            `no live grant of ${values.user} in ${where}${values.policy ? ` for policy ${values.policy}` : ''}; see \`grantflow status${allTeams ? '' : ` ${target}`} --user ${values.user}\``,
          );
          return EXIT.failed;
        }
        let failed = 0;
        for (const id of ids) {
          write(io.stderr, `revoke: ${id} ...`);
          try {
            const state = await revokeGrantNow(client, id, { reason, by }, (line) => write(io.stderr, `revoke: ${line}`));
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
        if (allTeams) {
          const teams = [...new Set(ids.map((id) => parseGrantWorkflowId(id)?.team ?? '?'))].sort();
          write(
            io.stdout,
            `${values.user}: revoked ${count(ids.length - failed, 'grant')} in ${count(teams.length, 'team')} (${teams.join(', ')}); each stays revoked until \`grantflow restore <grant-id>\``,
          );
        }
        return failed ? EXIT.failed : EXIT.ok;
      },
    );
  },
});
