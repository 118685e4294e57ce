// Every message grantflow's workflows take or send, with the types they carry: the grant workflow's
// revoke/reapply/status, the reconcile workflow's submit/restore/sweep/retire/status, and the
// submission workflow's staging. One module, so the workflows import each other's messages without
// importing each other.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SignedSubmission } from '../src/core/attestation';
import type { RequestAsk, RequestState, RequestTerms, RuleView, SignedApproval } from '../src/core/break-glass';
import type { GrantSpec } from '../src/core/grant';
import type { EndCause, EndedEarly, RecordKind } from '../src/core/ledger';
import type { RevokeCause } from '../src/core/reconcile-plan';
import type { Revision } from '../src/core/revision';
import type { GrantState } from './search-attributes';

export type { EndCause, EndedEarly } from '../src/core/ledger';

// ---------------------------------------------------------------------------------------------
// The grant workflow

export type RevokeOrigin = 'operator' | 'reconcile';

export interface RevokeRequest {
  reason: string;
  by?: string;
  origin?: RevokeOrigin;
  /** Set by the reconcile workflow: why the YAML no longer wants the grant (`early` when it follows an operator's revoke). */
  cause?: RevokeCause | 'retired' | 'unbounded';
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
  /** Managed policies this grant attached itself (released even if a race cost one its ownership mark); an Identity Center grant's assignment, by its key. */
  attached?: string[];
  /**
   * With `adopt: true`: what the grant took over from before grantflow (managed policies it found
   * attached, now in `attached`), and what became of its inline original (`deleted`, `absent`, or why it stays).
   */
  adopted?: { managed: string[]; inline?: { name: string; outcome: string }; error?: string };
  /** Identity Center grants: the principal's id in the identity store, as the apply found it; the revoke deletes that id's assignment. */
  principalId?: string;
  revokeAttempts: number;
  lastError?: string;
  /** The verified config the grant last applied: its revision and who signed it. */
  appliedFrom?: { revision: string; signer: string };
  /** What this grant refused because it did not come from a verified submission (latest last, capped). */
  refusals?: { at: string; what: string }[];
}

/**
 * A record run: a run of a grant's workflow that holds nothing and ends at once, written by a
 * reconcile pass so that visibility keeps saying how the grant stands (see src/core/ledger.ts).
 * Its memo and search attributes, set at its start, say it all.
 */
export interface GrantRecordInput {
  record: { kind: RecordKind; cause: 'early' | 'lifted' };
}

export type GrantInput = GrantRunInput | GrantRecordInput;

export interface GrantRunInput {
  /**
   * What the starter says the grant is. Only its id and team are taken at their word: every IAM call
   * uses the spec the team's verified config expands to for that id (src/reconcile/authority.ts).
   */
  spec: GrantSpec;
  /** The staged submission the starting pass applied: where the spec is derived from (a newer verified one wins). */
  source?: SubmissionRef;
  /** The team's reconcile workflow: told when a replacement becomes active. */
  reconcileWorkflowId?: string;
  /** Set for a grant that replaces another: the reconcile revokes the old one once this one is active. */
  notifyActive?: boolean;
  /** Carried across continue-as-new. */
  carried?: { status: GrantStatus; revoke?: RevokeRequest; reapplySource?: SubmissionRef; reapply?: boolean; operatorRevoke?: RevokeRequest };
  /**
   * A break-glass grant: the request whose approvals it stands on. A claim like the rest: every apply
   * verifies the approvals again, from the request run that started this grant as its child.
   */
  breakGlass?: { requestId: string };
}

export interface GrantOutcome {
  id: string;
  state: 'revoked' | 'failed';
  cause: EndCause;
  reason?: string;
  error?: string;
}

/**
 * Apply again (drift repair, or a policy the YAML changed). It carries no access: the grant derives
 * what to apply from the team's newest verified config, `source` naming the one the pass applies now.
 * A request that carries anything else (a spec, say) is refused and recorded in the grant's status.
 */
export interface ReapplyRequest {
  source?: SubmissionRef;
}

export const revokeSignal = defineSignal<[RevokeRequest]>('revoke');
export const revokeUpdate = defineUpdate<GrantState, [RevokeRequest]>('revoke');
export const reapplySignal = defineSignal<[ReapplyRequest?]>('reapply');
export const statusQuery = defineQuery<GrantStatus>('status');

// ---------------------------------------------------------------------------------------------
// The submission workflow: one per distinct config a team submits, holding it for the reconcile

export interface SubmissionInput {
  team: string;
  /** Digest of the whole config text, checked when the last part arrives. */
  digest: string;
  parts: number;
  /** Part 0 comes with the start; the others by `stagePart`. */
  first: string;
  /** The submitter's signature over the config's text, team and revision (absent: unsigned). */
  signed?: SignedSubmission;
}

export interface StagePart {
  index: number;
  text: string;
}

/** Returns how many parts have arrived. */
export const stagePartUpdate = defineUpdate<number, [StagePart]>('stagePart');
export const partQuery = defineQuery<string, [number]>('part');
export const stagedQuery = defineQuery<{ parts: number; staged: number; complete: boolean }>('staged');
export const signedQuery = defineQuery<SignedSubmission | undefined>('signed');
/** The reconcile workflow applied this config: keep it until a newer one is adopted. */
export const adoptSignal = defineSignal<[{ revision: Revision }]>('adopt');
/** A newer config was adopted (or the team retired): this one may end. */
export const supersedeSignal = defineSignal('supersede');

/** Where a submitted config is held. */
export interface SubmissionRef {
  workflowId: string;
  digest: string;
  parts: number;
}

// ---------------------------------------------------------------------------------------------
// The reconcile workflow

export interface Submission {
  revision: Revision;
  config: SubmissionRef;
  /** The settings the reconcile workflow itself needs (the rest is read from the config). */
  settings: { reconcileIntervalMs: number };
}

export interface GrantChange {
  id: string;
  /** The run that reports. */
  runId: string;
  state: GrantState;
  cause?: EndCause;
  at: string;
}

/** Ids in a summary are capped at this many per list; the counts are always complete. */
export const SUMMARY_LIST_CAP = 500;

export interface PlanSummary {
  team: string;
  revision?: Revision;
  counts: {
    added: number;
    kept: number;
    replaced: number;
    revoked: number;
    sticky: number;
    skippedExpired: number;
    recorded: number;
    cleaned: number;
    errors: number;
  };
  added: string[];
  kept: string[];
  replaced: { from: string; to: string }[];
  revoked: string[];
  skippedExpired: string[];
  sticky: string[];
  /** Replacements whose new grant was not active yet: the old one stays until it is. */
  waiting: string[];
  policies: Record<string, string>;
  errors: string[];
  /** True when some list above holds fewer ids than its count. */
  truncated: boolean;
}

export interface RestoreRequest {
  grantId: string;
  by: string;
}

export interface RestoreResult {
  grantId: string;
  restored: boolean;
  started: boolean;
  message: string;
}

export interface SweepRequest {
  dryRun: boolean;
  by: string;
}

export interface SweepFinding {
  account: string;
  principal: string;
  object: string;
  why: string;
}

export interface SweepSummary {
  findings: SweepFinding[];
  /** Grants killed from outside (Terminate) whose access was removed (or, in a dry run, would be). */
  terminated: string[];
  revoked: string[];
  dryRun: boolean;
  /** Accounts or grants the sweep could not check or clean this time; the next pass tries again. */
  errors: string[];
  /** The lists above are capped; these count everything. */
  counts: { findings: number; terminated: number; revoked: number; errors: number; cleanedObjects?: number };
}

export interface RetireRequest {
  reason: string;
  by: string;
}

/** What grantflow needs to remove a retired team's leftovers without its config: its accounts and the role it acts through. */
export interface RetiredScope {
  accounts: Record<string, string>;
  deployer: { roleName: string; externalId?: string; partition: string };
}

export interface RetireResult {
  revoked: string[];
  policiesDeleted: string[];
  /** What could not be removed yet (a grant still revoking, say); the command says how to finish. */
  remaining: string[];
  /** The lists above are capped; these count everything. */
  counts: { revoked: number; policiesDeleted: number; remaining: number };
  /** Where the team's objects were, kept by the retired workflow so later clean-ups can still find them. */
  scope?: RetiredScope;
}

/** What the reconcile workflow keeps in its memo; a run that starts fresh reads it back from its predecessors. */
export interface ReconcileState {
  revision?: Revision;
  config?: SubmissionRef;
  /** When this workflow received the last applied submission (its clock, not the submitter's). */
  receivedAt?: string;
  reconcileIntervalMs?: number;
  lastPassAt?: string;
  /** Why the last pass failed, if it did (the next one tries again). */
  lastError?: string;
  /** Replacements the last pass left waiting for their new grant to be active. */
  waitingReplacements?: number;
  /** The team was retired then: what earlier runs knew no longer applies. */
  retiredAt?: string;
  /** Where the retired team's objects were (its accounts, the deployer role), for the clean-ups after it. */
  retiredScope?: RetiredScope;
  /** Signals the last run received that its successor must still act on. */
  endedEarly?: EndedEarly[];
  /** Who signed the applied config (a trusted submitter's name, or that it was unsigned on an insecure worker). */
  signer?: string;
  /** The latest submission refused (unsigned, tampered, below a guardrail...): operators see it in `doctor` and the Web UI. */
  lastRefused?: { at: string; reason: string; revision?: Revision; workflowId?: string };
}

export interface ReconcileStatus {
  team: string;
  revision?: Revision;
  config?: SubmissionRef;
  lastPassAt?: string;
  lastError?: string;
  signer?: string;
  lastRefused?: ReconcileState['lastRefused'];
}

export interface ReconcileInput {
  team: string;
  state?: ReconcileState;
  /** History events before the workflow continues as new (default 10,000; benchmarks set it low to exercise it). */
  historyLimit?: number;
}

// ---------------------------------------------------------------------------------------------
// The reconcile workflow's passes: one activity per operation (src/reconcile/ does the work)

/** Who asks for a pass: a pass of a run that was terminated or reset meanwhile stops. */
export interface PassCaller {
  team: string;
  reconcileWorkflowId: string;
  runId: string;
  /** Where the grant workflows the pass starts run. */
  taskQueue: string;
}

/**
 * The team's last applied config as the reconcile workflow remembers it: a claim, which the pass
 * weighs against what every run of the workflow recorded and applies only as far as it verifies.
 */
export interface AppliedClaim {
  config?: SubmissionRef;
  revision?: Revision;
  /** When the reconcile workflow received it (its own clock, not the submitter's). */
  receivedAt?: string;
}

/** A new submission to apply: it must verify as it arrives, or it is refused and nothing changes. */
export interface SubmitPassInput extends PassCaller {
  config: SubmissionRef;
  revision: Revision;
  /** When the reconcile workflow received the submission (its own clock, not the submitter's). */
  receivedAt: string;
}

export interface SubmitPassResult {
  summary: PlanSummary;
  /** Who signed the config the pass applied. */
  signer: string;
}

/** The interval's pass over the last applied config: re-apply, police the limit, then sweep IAM. */
export type IntervalPassInput = PassCaller & AppliedClaim;

export interface IntervalPassResult {
  summary: PlanSummary;
  /** The sweep that follows the pass (absent when the team has no config to pass over). */
  sweep?: SweepSummary;
  /** Who signed the config the pass applied (absent when it found none). */
  signer?: string;
}

/**
 * Only what cannot wait for the next interval: finish replacements whose new grant is active, and
 * follow an operator's early revoke to the replacement it raced.
 */
export interface SettlePassInput extends PassCaller, AppliedClaim {
  /** Grants that told the reconcile workflow they were revoked early, before visibility may show it. */
  endedEarly?: EndedEarly[];
}

export interface SettlePassResult {
  summary: PlanSummary;
  signer?: string;
}

/** `grantflow cleanup`: police the limit, clean up after killed runs, sweep IAM. */
export interface SweepPassInput extends PassCaller, AppliedClaim {
  dryRun: boolean;
  by: string;
}

export type SweepPassResult = SweepSummary;

/** Lifts a grant's early revocation and grants it again if the last applied YAML wants it. */
export interface RestorePassInput extends PassCaller, AppliedClaim {
  grantId: string;
  by: string;
}

export type RestorePassResult = RestoreResult;

/** Revokes every grant of the team, waits for them to finish, then deletes the team's policies. */
export interface RetirePassInput extends PassCaller, AppliedClaim {
  by: string;
  reason: string;
}

export type RetirePassResult = RetireResult;

export const submitUpdate = defineUpdate<PlanSummary, [Submission]>('submit');
export const restoreUpdate = defineUpdate<RestoreResult, [RestoreRequest]>('restore');
export const sweepUpdate = defineUpdate<SweepSummary, [SweepRequest]>('sweep');
export const retireUpdate = defineUpdate<RetireResult, [RetireRequest]>('retire');
export const grantChangedSignal = defineSignal<[GrantChange]>('grantChanged');
export const reconcileStatusQuery = defineQuery<ReconcileStatus>('status');

// ---------------------------------------------------------------------------------------------
// The request workflow: one break-glass request, from asking to its grant (src/core/break-glass.ts)

export type RequestInput = RequestAsk;

/** An approval the worker verified and counted. */
export interface AcceptedApproval {
  approver: string;
  keyId: string;
  signedAt: string;
  self: boolean;
  selfReason?: string;
  /** Verified again whenever the grant applies. */
  signed: SignedApproval;
}

export interface RequestStatus {
  id: string;
  state: RequestState;
  ask: RequestAsk;
  requestedAt: string;
  /** The terms the worker fixed from the rule in force (absent until checked, or when refused). */
  terms?: RequestTerms;
  rule?: RuleView;
  /** When it lapses if not approved by then. */
  openUntil?: string;
  approvals: AcceptedApproval[];
  /** Approvals and denials refused, latest last. */
  refusals: { at: string; what: string }[];
  approvedAt?: string;
  expiresAt?: string;
  grantId?: string;
  deniedBy?: string;
  denyReason?: string;
  error?: string;
  /** By when a temporary-access entry must record the grant; when one did. */
  ratifyBy?: string;
  ratifiedAt?: string;
}

export interface ApproveRequest {
  approval: SignedApproval;
}

export interface ApproveResult {
  /** counted: more approvals are needed; approved: this one made it; already: it was decided before; refused: it did not count. */
  outcome: 'counted' | 'approved' | 'already' | 'refused';
  message: string;
  status: RequestStatus;
}

export interface DenyRequest {
  by: string;
  reason: string;
}

export interface RequestOutcome {
  id: string;
  state: RequestState;
  grantId?: string;
  error?: string;
}

export const requestStatusQuery = defineQuery<RequestStatus>('requestStatus');
export const approveUpdate = defineUpdate<ApproveResult, [ApproveRequest]>('approve');
export const denyUpdate = defineUpdate<RequestStatus, [DenyRequest]>('deny');
/**
 * A submission may now record the grant: check at once rather than at the next look. It may name the
 * submission, which the worker verifies like any other candidate (it is a hint, never an authority):
 * the team's reconcile workflow records a pass's config only once the pass is done.
 */
export interface RatifyNudge {
  config?: SubmissionRef;
}
export const ratifySignal = defineSignal<[RatifyNudge?]>('ratify');
