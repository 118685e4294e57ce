import { WorkflowNotFoundError } from '@temporalio/client';
import { parseGrantWorkflowId } from '../../core/ids';
import { withTemporal } from '../../temporal/connection';
import { restoreGrant } from '../../temporal/reconcile-operations';
import { currentRevision } from '../revision';
import { BY_OPTION, defineCommand, EXIT, UsageError, write, timeoutOption } from '../command';

export const restoreCommand = defineCommand({
  name: 'restore',
  summary: 'Lift a sticky early revocation, so the YAML applies to that grant again.',
  arguments: [{ name: 'grant-id', required: true }],
  options: {
    by: { ...BY_OPTION, description: 'who restores' },
    timeout: timeoutOption('2m'),
  },
  description: `
Tells the team's reconcile workflow to forget the early revocation of <grant-id>. If the grant is
still in the last submitted YAML it is granted again at once; otherwise it will be when its entry
is submitted again. The grant id is the one \`grantflow status\` and the Temporal UI show.`,
  exitCodes: `
Exit codes: 0 restored, 1 not revoked early or the team has no reconcile workflow, 2 usage error,
3 Temporal unreachable.`,
  async run({ values, positionals, io }) {
    const grantId = positionals[0]!;
    const key = parseGrantWorkflowId(grantId);
    if (!key) throw new UsageError(`"${grantId}" is not a grant id (they look like grantflow/<team>/<account>/user/<name>/<policy>[/until/<expiry>])`);
    const by = values.by ?? currentRevision('.', io.env).submittedBy;
    return withTemporal({ timeoutMs: values.timeout, waitingFor: `the reconcile workflow of ${key.team} to restore ${grantId}` }, async (client) => {
      try {
        const result = await restoreGrant(client, key.team, grantId, by, (line) => write(io.stderr, `restore: ${line}`));
        write(result.restored ? io.stdout : io.stderr, result.message);
        return result.restored ? EXIT.ok : EXIT.failed;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) {
          write(io.stderr, `team ${key.team} has no reconcile workflow; submit it first (\`grantflow submit ${key.team}\`)`);
          return EXIT.failed;
        }
        throw error;
      }
    });
  },
});
