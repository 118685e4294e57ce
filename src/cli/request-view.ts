// How the break-glass commands show a request: its terms in one line, where it stands, and the
// temporary-access entry that records an approved one in git.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { breakGlassEntry, printedEntry } from '../core/break-glass';
import { parseRequestWorkflowId, reconcileWorkflowId } from '../core/ids';
import { formatDuration } from '../core/time';
import type { RequestStatus } from '../../workflows/messages';
import { UsageError } from './command';

/** The request id given on the command line, or a usage error that says what one looks like. */
export function requestIdArgument(id: string | undefined): string {
  if (!id || !parseRequestWorkflowId(id)) {
    throw new UsageError(`"${id ?? ''}" is not a request id (they look like grantflow-request/<team>/<code>; \`grantflow requests\` lists them)`);
  }
  return id;
}

/** `alice@example.com gets breakglass in prod (222222222222) for 2h under rule prod-incident`, from the worker's terms once checked. */
export function describeAsk(status: RequestStatus): string {
  const t = status.terms;
  const who = t?.principalWritten ?? status.ask.user;
  const policy = t?.policy ?? status.ask.policy ?? 'the rule’s policy';
  const where = t ? `${t.environment} (${t.account})` : status.ask.environment;
  return `${who} gets ${policy} in ${where} for ${formatDuration(status.ask.durationMs)} under rule ${status.ask.rule}`;
}

/** Where the request stands, in one line. */
export function describeState(status: RequestStatus): string {
  const approvers = status.approvals.map((a) => `${a.approver}${a.self ? ' (self)' : ''}`).join(', ');
  switch (status.state) {
    case 'checking':
      return 'the worker is checking it against the rule in force';
    case 'requested': {
      const rule = status.rule!;
      const missing = rule.approvals - status.approvals.length;
      return `waiting for ${missing} approval${missing === 1 ? '' : 's'} from ${rule.approvers.join(', ')}${approvers ? ` (approved so far by ${approvers})` : ''}, until ${status.openUntil}`;
    }
    case 'approved':
      return `approved by ${approvers}; the grant is being started`;
    case 'granted':
      return `granted: ${status.grantId} until ${status.expiresAt} (approved by ${approvers})`;
    case 'denied':
      return `denied by ${status.deniedBy}: ${status.denyReason}`;
    case 'lapsed':
      return `lapsed: no approval by ${status.openUntil}`;
    case 'failed':
      return `refused: ${status.error}`;
  }
}

/** The temporary-access entry that records an approved request (it maps to the grant's own id), or undefined before approval. */
export function entryFor(status: RequestStatus): string | undefined {
  if (!status.terms || !status.expiresAt) return undefined;
  const line = Number(status.rule?.source.split(':').pop() ?? 1);
  const entry = breakGlassEntry(status.terms, { expiresAt: status.expiresAt, approvers: status.approvals.map((a) => a.approver) }, line);
  return `# add under temporary-access: in temporary-access/${status.terms.team}.yaml, then submit\n${printedEntry(entry)}`;
}

/** The task queue the team's reconcile workflow runs on: a request runs beside it, on the team's worker. */
export async function teamTaskQueue(client: Client, team: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(reconcileWorkflowId(team)).describe()).taskQueue;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new Error(`team ${team} has no reconcile workflow: it was never submitted (\`grantflow submit ${team}\`)`);
    throw error;
  }
}
