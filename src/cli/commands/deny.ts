import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { withTemporal } from '../../temporal/connection';
import { denyRequest, requestStatus } from '../../temporal/requests';
import { currentRevision } from '../revision';
import { BY_OPTION, defineCommand, EXIT, timeoutOption, UsageError, write } from '../command';
import { describeAsk, describeState, requestIdArgument } from '../request-view';

export const denyCommand = defineCommand({
  name: 'deny',
  summary: 'Deny an open break-glass request.',
  arguments: [{ name: 'request-id', required: true }],
  options: {
    reason: { type: 'string', value: 'TEXT', description: 'why (required; the requester and the sinks are told)' },
    by: { ...BY_OPTION, description: 'who denies' },
    timeout: timeoutOption('2m'),
  },
  description: `
Closes an open request without access: its state becomes denied and the notification sinks are
told who denied it and why. Denying takes nothing away that was granted, so, like a revoke, it is
open to anyone who can reach Temporal (Cancel in the Web UI does the same); an approved request's
grant is revoked with \`grantflow revoke <grant-id>\` instead.`,
  exitCodes: 'Exit codes: 0 denied, 1 the request is not open, 2 usage error, 3 Temporal unreachable.',
  async run({ values, positionals, io }) {
    const id = requestIdArgument(positionals[0]);
    if (!values.reason?.trim()) throw new UsageError('--reason is required: say why the request is denied');
    const by = values.by ?? currentRevision('.', io.env).submittedBy;
    return withTemporal({ timeoutMs: values.timeout, waitingFor: `request ${id} to take the denial` }, async (client) => {
      try {
        const status = await denyRequest(client, id, { by, reason: values.reason! }, (line) => write(io.stderr, `deny: ${line}`));
        write(io.stdout, `denied: ${id} (${describeAsk(status)})`);
        return EXIT.ok;
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) {
          write(io.stderr, `deny: ${error.cause?.message ?? error.message}`);
          return EXIT.failed;
        }
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        // A request that has ended takes no update; its status says how it ended (or it never existed).
        const status = await requestStatus(client, id).catch(() => undefined);
        write(io.stderr, `deny: ${status ? `${id} has ended: ${describeState(status)}; only an open request can be denied` : `no request ${id}`}`);
        return EXIT.failed;
      }
    });
  },
});
