// What the grant and reconcile workflows and their callers exchange: the grant workflow's input,
// status and outcome, a revoke request, and the signal a grant sends its reconcile workflow when it
// ends. Kept apart from both workflows so that neither imports the other, and so that client code
// (src/temporal) can start a grant without importing the workflow itself.
import { defineSignal } from '@temporalio/workflow';
import type { GrantSpec } from '../src/core/grant';
import type { GrantState } from './search-attributes';

export type RevokeOrigin = 'operator' | 'reconcile';
/** Why a grant ended: `early` (by an operator) is sticky; the others are not. */
export type EndCause = 'expired' | 'early' | 'removed' | 'superseded' | 'beyond-limit' | 'failed';

export interface RevokeRequest {
  reason: string;
  by?: string;
  origin?: RevokeOrigin;
  /** Set by the reconcile workflow: why the YAML no longer wants the grant. */
  cause?: Exclude<EndCause, 'early' | 'expired' | 'failed'>;
}

export interface GrantStatus {
  id: string;
  state: GrantState;
  kind: GrantSpec['kind'];
  principal: string;
  account: string;
  environment: string;
  policy: string;
  startsAt?: string;
  expiresAt?: string;
  activeSince?: string;
  endedAt?: string;
  cause?: EndCause;
  reason?: string;
  revokedBy?: string;
  /** Managed policies that were attached before grantflow and that it will leave alone. */
  foreign: string[];
  revokeAttempts: number;
  lastError?: string;
}

export interface GrantInput {
  spec: GrantSpec;
  /** The team's reconcile workflow: told when the grant ends (and, if asked, when it is active). */
  reconcileWorkflowId?: string;
  /** Set for a grant that replaces another: the reconcile waits for it to be active before revoking the old one. */
  notifyActive?: boolean;
  /** Carried across continue-as-new. */
  carried?: { status: GrantStatus; revoke?: RevokeRequest };
}

export interface GrantOutcome {
  id: string;
  state: 'revoked' | 'failed';
  cause: EndCause;
  reason?: string;
  error?: string;
}

export interface GrantChange {
  id: string;
  state: GrantState;
  cause?: EndCause;
  at: string;
}

/** A grant tells its reconcile workflow that it ended (and, for a replacement, that it is active). */
export const grantChangedSignal = defineSignal<[GrantChange]>('grantChanged');
