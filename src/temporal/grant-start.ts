// How a grant workflow is started: its deterministic id, search attributes and memo. Shared by the
// reconcile's start activity and by tests that start a grant on its own.
import type { WorkflowStartOptions } from '@temporalio/client';
import type { GrantSpec } from '../core/grant';
import { attachedArns, grantShape } from '../core/grant-derived';
import { parseGrantWorkflowId, type PrincipalType } from '../core/ids';
import { canonicalPrincipal } from '../core/names';
import type { RecordDecision } from '../core/reconcile-plan';
import type { Revision } from '../core/revision';
import type { GrantInput, GrantOutcome, SubmissionRef } from '../../workflows/messages';
import {
  GrantAccount,
  GrantEnvironment,
  GrantExpiresAt,
  GrantKind,
  GrantPolicy,
  GrantPrincipal,
  GrantState,
  GrantTeam,
  grantSearchAttributes,
} from '../../workflows/search-attributes';

/** What the Temporal UI shows beside a grant, and what a detach reads to find other holders. */
export interface GrantMemo {
  description: string;
  source: string;
  reason?: string;
  ticket?: string;
  revision?: string;
  submittedBy?: string;
  principalType: PrincipalType;
  principalWritten: string;
  /** The name IAM calls use (the id and search attribute hold its lower-case form). */
  principalName: string;
  /** grantShape of the spec: a reconcile pass compares it with the YAML's to see a changed policy. */
  shape: string;
  attachedArns: string[];
  inlinePolicy?: string;
  /** Identity Center grants: the permission set it assigns, and (once applied) the principal's id in the identity store. */
  permissionSet?: { name: string; owned: boolean };
  principalId?: string;
  /** A grant waiting for its start_date holds nothing yet. */
  startsAt?: string;
  /** When the grant's first run started (continue-as-new keeps the memo). */
  firstStartedAt: string;
  /**
   * When grantflow decided to start it: the arrival of the submission that asks for it, or the moment
   * of the restore that lifted its early revocation. An operator's early revoke of the access it
   * replaces from then on outranks it, even one made while the start was on its way.
   */
  decidedAt?: string;
}

export function grantMemo(spec: GrantSpec, revision?: Revision, decidedAt?: string): GrantMemo {
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
    ...(spec.permissionSet ? { permissionSet: spec.permissionSet } : {}),
    ...(spec.startsAt ? { startsAt: spec.startsAt } : {}),
    firstStartedAt: new Date().toISOString(),
    ...(decidedAt ? { decidedAt } : {}),
  };
}

export function grantStartOptions(
  spec: GrantSpec,
  options: { taskQueue: string; reconcileWorkflowId?: string; revision?: Revision; notifyActive?: boolean; decidedAt?: string; source?: SubmissionRef },
): WorkflowStartOptions<(input: GrantInput) => Promise<GrantOutcome>> {
  const input: GrantInput = {
    spec,
    ...(options.source ? { source: options.source } : {}),
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
    memo: grantMemo(spec, options.revision, options.decidedAt) as unknown as Record<string, unknown>,
  };
}

/**
 * How a record run is started (see src/core/ledger.ts): the grant's id, its search attributes with
 * GrantState `revoked`, and a memo that says what it records. It holds nothing and ends at once. It
 * starts only while no run of the id is running (WorkflowExecutionAlreadyStartedError otherwise):
 * finding the running run instead would record nothing and look like success.
 */
export function recordStartOptions(
  decision: RecordDecision,
  options: { taskQueue: string },
): WorkflowStartOptions<(input: GrantInput) => Promise<GrantOutcome>> {
  const key = parseGrantWorkflowId(decision.id)!;
  const from = decision.from;
  const spec = 'spec' in from || 'deployer' in from ? (from as GrantSpec) : undefined;
  const entry = spec ? undefined : (from as Exclude<RecordDecision['from'], GrantSpec>);
  const expiresAt = spec?.expiresAt ?? entry?.expiresAt ?? key.expiresAt;
  const input: GrantInput = { record: { kind: decision.kind, cause: decision.cause } };
  return {
    workflowId: decision.id,
    taskQueue: options.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      { key: GrantTeam, value: key.team },
      { key: GrantPrincipal, value: canonicalPrincipal(key.principal) },
      { key: GrantAccount, value: spec?.account ?? entry?.account ?? key.account },
      { key: GrantEnvironment, value: spec?.environment ?? entry?.environment ?? '' },
      { key: GrantPolicy, value: key.policy },
      { key: GrantKind, value: key.kind },
      { key: GrantState, value: 'revoked' },
      ...(expiresAt ? [{ key: GrantExpiresAt, value: new Date(expiresAt) }] : []),
    ],
    memo: {
      record: decision.kind,
      endCause: decision.cause,
      recordedAt: decision.at,
      endReason: decision.reason,
      ...(decision.by ? { endedBy: decision.by } : {}),
      principalType: spec?.principalType ?? entry?.memo.principalType ?? key.principalType,
      principalName: spec?.principal ?? entry?.memo.principalName ?? key.principal,
      attachedArns: [],
    },
  };
}
