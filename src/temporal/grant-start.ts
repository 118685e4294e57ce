// How a grant workflow is started: its deterministic id, search attributes and memo. Shared by the
// reconcile's start activity and by tests that start a grant on its own.
import type { WorkflowStartOptions } from '@temporalio/client';
import type { GrantSpec } from '../core/grant';
import { attachedArns, grantShape } from '../core/grant-derived';
import type { Revision } from '../core/revision';
import type { GrantInput, GrantOutcome } from '../../workflows/messages';
import { grantSearchAttributes } from '../../workflows/search-attributes';

/** What the Temporal UI shows beside a grant, and what a detach reads to find other holders. */
export interface GrantMemo {
  description: string;
  source: string;
  reason?: string;
  ticket?: string;
  revision?: string;
  submittedBy?: string;
  principalType: 'user' | 'role';
  principalWritten: string;
  /** The name IAM calls use (the id and search attribute hold its lower-case form). */
  principalName: string;
  /** grantShape of the spec: a reconcile pass compares it with the YAML's to see a changed policy. */
  shape: string;
  attachedArns: string[];
  inlinePolicy?: string;
  /** A grant waiting for its start_date holds nothing yet. */
  startsAt?: string;
}

export function grantMemo(spec: GrantSpec, revision?: Revision): GrantMemo {
  return {
    description: spec.description,
    source: `${spec.source.file}:${spec.source.line}`,
    ...(spec.reason ? { reason: spec.reason } : {}),
    ...(spec.ticket ? { ticket: spec.ticket } : {}),
    ...(revision ? { revision: revision.commit ?? revision.submittedAt, submittedBy: revision.submittedBy } : {}),
    principalType: spec.principalType,
    principalWritten: spec.principalWritten,
    principalName: spec.principal,
    shape: grantShape(spec),
    attachedArns: attachedArns(spec),
    ...(spec.inlinePolicy ? { inlinePolicy: spec.inlinePolicy.name } : {}),
    ...(spec.startsAt ? { startsAt: spec.startsAt } : {}),
  };
}

export function grantStartOptions(
  spec: GrantSpec,
  options: { taskQueue: string; reconcileWorkflowId?: string; revision?: Revision; notifyActive?: boolean },
): WorkflowStartOptions<(input: GrantInput) => Promise<GrantOutcome>> {
  const input: GrantInput = {
    spec,
    ...(options.reconcileWorkflowId ? { reconcileWorkflowId: options.reconcileWorkflowId } : {}),
    ...(options.notifyActive ? { notifyActive: true } : {}),
  };
  return {
    workflowId: spec.id,
    taskQueue: options.taskQueue,
    args: [input],
    // Re-submitting the same YAML finds the running grant instead of starting a second one.
    // The search attributes (GrantState=pending included) are set here, in the start itself.
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: grantSearchAttributes(spec, 'pending'),
    memo: grantMemo(spec, options.revision) as unknown as Record<string, unknown>,
  };
}
