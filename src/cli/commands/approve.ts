import os from 'node:os';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { withTemporal } from '../../temporal/connection';
import { approveRequest, requestStatus } from '../../temporal/requests';
import { ApprovalKeyError, approvalSigner, signApproval } from '../../trust/approvals';
import { defineCommand, EXIT, timeoutOption, write } from '../command';
import { describeAsk, describeState, requestIdArgument } from '../request-view';

/** `~/…` as the shell would expand it. */
function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
}

export const approveCommand = defineCommand({
  name: 'approve',
  summary: 'Approve a break-glass request, signed with your SSH ed25519 key.',
  arguments: [{ name: 'request-id', required: true }],
  options: {
    key: {
      type: 'string',
      value: 'FILE',
      env: 'GRANTFLOW_APPROVER_KEY',
      default: '~/.ssh/id_ed25519',
      description: 'your SSH ed25519 key: a private key file without passphrase, or a .pub whose key ssh-agent holds',
    },
    reason: { type: 'string', value: 'TEXT', description: 'why you approve your own request (required for a self-approval; every approver is told)' },
    timeout: timeoutOption('2m'),
  },
  description: `
Reads the request's terms as the worker fixed them (user, environment, account, policy, duration,
rule, reason, ticket), prints them, signs exactly those terms with your key and sends the signature
to the request. The worker counts it only if the rule in force in the team's verified config names
your key as an approver's, the signature is recent, and (for your own request) the rule allows
self-approval and you gave a reason; a refusal is recorded in the request and printed here. The
approval that completes the request starts the grant; an approval that arrives after that is told
the request was already approved. A passphrase-protected key signs through ssh-agent: point --key at
its .pub (or keep the .pub beside it) with the key added to the agent (ssh-add).`,
  exitCodes: 'Exit codes: 0 counted (or already approved), 1 refused or the request is not open, 2 usage error, 3 Temporal unreachable.',
  async run({ values, positionals, io }) {
    const id = requestIdArgument(positionals[0]);
    let signer;
    try {
      signer = approvalSigner(expandHome(values.key), io.env);
    } catch (error) {
      if (!(error instanceof ApprovalKeyError)) throw error;
      write(io.stderr, `approve: ${error.message}`);
      return EXIT.failed;
    }
    return withTemporal({ timeoutMs: values.timeout, waitingFor: `request ${id} to take the approval (its worker verifies it)` }, async (client) => {
      const status = await requestStatus(client, id, (line) => write(io.stderr, `approve: ${line}`));
      write(io.stderr, `approve: ${id}: ${describeAsk(status)}`);
      if (!status.terms || status.state !== 'requested') {
        write(io.stderr, `approve: ${describeState(status)}`);
        return status.state === 'approved' || status.state === 'granted' ? EXIT.ok : EXIT.failed;
      }
      const t = status.terms;
      write(io.stderr, `approve: reason: ${t.reason}${t.ticket ? `; ticket: ${t.ticket}` : ''}; asked by ${t.requestedBy}; rule of revision ${t.revision}`);
      write(io.stderr, `approve: signing with ${signer.via}`);
      const approval = await signApproval(t, signer, values.reason ? { selfReason: values.reason } : {});
      try {
        const result = await approveRequest(client, id, approval, (line) => write(io.stderr, `approve: ${line}`));
        write(result.outcome === 'refused' ? io.stderr : io.stdout, `${result.outcome}: ${result.message}`);
        return result.outcome === 'refused' ? EXIT.failed : EXIT.ok;
      } catch (error) {
        if (!(error instanceof WorkflowUpdateFailedError)) throw error;
        write(io.stderr, `approve: the request did not take the approval: ${error.cause?.message ?? error.message}`);
        return EXIT.failed;
      }
    });
  },
});
