// One break-glass request, as a state class: requested → (approvals, one at a time, each verified by
// the worker) → approved → its grant, an ordinary temporary grant started as this run's child; or
// denied, or lapsed when no approval came in time (a durable timer). The request is where
// concurrent approvals meet: they are verified in turn, the state moves once, and an approval that
// arrives after the decision is told so. Nothing here is trusted to grant: the grant verifies the
// approvals again, from this run, whenever it applies.
import {
  ApplicationFailure,
  ChildWorkflowCancellationType,
  condition,
  isCancellation,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { approveCommand, type RequestState } from '../src/core/break-glass';
import type { grantWorkflow } from './grant';
import { describeFailure } from './grant-failures';
import {
  approveUpdate,
  denyUpdate,
  ratifySignal,
  requestStatusQuery,
  revokeSignal,
  type ApproveRequest,
  type ApproveResult,
  type DenyRequest,
  type RequestInput,
  type RequestOutcome,
  type RequestStatus,
  type SubmissionRef,
} from './messages';
import {
  checkBreakGlassRatified,
  checkBreakGlassRequest,
  checkBreakGlassStanding,
  prepareBreakGlassGrant,
  verifyBreakGlassApproval,
} from './request-activities';
import { RequestAnnouncer } from './request-announcer';
import { grantSearchAttributes, GrantExpiresAt, GrantState, requestSearchAttributes } from './search-attributes';

/** How often a granted request looks whether a verified submission records its grant yet (a submission also nudges it). */
const RATIFY_LOOK_MS = 60 * 60 * 1000;
const REFUSALS_KEPT = 50;

const iso = (ms: number) => new Date(ms).toISOString();

export class RequestRun {
  readonly status: RequestStatus;
  private readonly announcer: RequestAnnouncer;
  /**
   * Approvals and denials in arrival order, one at a time: each handler chains onto the last before
   * its first await, so two that arrive together can never both see the request still open.
   */
  private turn: Promise<unknown> = Promise.resolve();
  private ratifyAsked = false;
  /** The submission the last nudge named: a candidate the worker verifies, never trusted as it is. */
  private ratifySource: SubmissionRef | undefined;
  private grantClosed = false;

  constructor(input: RequestInput) {
    this.status = { id: workflowInfo().workflowId, state: 'checking', ask: input, requestedAt: iso(Date.now()), approvals: [], refusals: [] };
    this.announcer = new RequestAnnouncer(this.status);
  }

  listen(): void {
    setHandler(requestStatusQuery, () => this.status);
    setHandler(approveUpdate, (request) => this.approve(request), {
      validator: (request) => {
        const approval = request?.approval;
        if (!approval || typeof approval.statement !== 'string' || typeof approval.signature !== 'string' || typeof approval.keyId !== 'string') {
          throw new Error('an approval carries a signed statement, its signature and the key id (grantflow approve makes one)');
        }
      },
    });
    setHandler(denyUpdate, (request) => this.deny(request), {
      validator: (request) => {
        if (!request || typeof request.reason !== 'string' || request.reason.trim() === '') throw new Error('a denial needs a reason');
        if (typeof request.by !== 'string' || request.by.trim() === '') throw new Error('a denial says who denies');
      },
    });
    setHandler(ratifySignal, (nudge) => {
      this.ratifyAsked = true;
      const config = nudge?.config;
      if (config && typeof config.workflowId === 'string' && typeof config.digest === 'string') this.ratifySource = config;
    });
  }

  async run(): Promise<RequestOutcome> {
    try {
      const checked = await checkBreakGlassRequest({ ask: this.status.ask, requestId: this.status.id, runId: workflowInfo().runId });
      if (!checked.ok) return this.fail(checked.reason);
      this.status.terms = checked.terms;
      this.status.rule = checked.view;
      this.status.openUntil = iso(Date.now() + checked.view.openForMs);
      upsertSearchAttributes(requestSearchAttributes(this.status.ask, 'requested', checked.terms));
      this.setState('requested');
      await this.announcer.announce('requested', { approveCommand: approveCommand(this.status.id) });
      // The durable timer: an unapproved request lapses on time, whatever happens to workers meanwhile.
      await condition(() => this.status.state !== 'requested', checked.view.openForMs);
      if (this.status.state === 'requested') {
        this.setState('lapsed');
        await this.announcer.announce('lapsed');
      }
      if (this.status.state === 'approved') await this.grant();
    } catch (error) {
      if (!isCancellation(error) || !['checking', 'requested'].includes(this.status.state)) throw error;
      // Cancel in the Web UI before a decision: the request is denied, as an operator may.
      this.status.deniedBy = 'Temporal cancellation';
      this.status.denyReason = 'cancelled in Temporal';
      this.setState('denied');
    }
    return this.outcome();
  }

  private outcome(): RequestOutcome {
    const { id, state, grantId, error } = this.status;
    return { id, state, ...(grantId ? { grantId } : {}), ...(error ? { error } : {}) };
  }

  private fail(reason: string): RequestOutcome {
    this.status.error = reason;
    this.setState('failed');
    return this.outcome();
  }

  private setState(state: RequestState): void {
    this.status.state = state;
    upsertSearchAttributes([{ key: GrantState, value: state }]);
    const { approvals, approvedAt, expiresAt, grantId, deniedBy, error } = this.status;
    upsertMemo({
      approvers: approvals.map((a) => a.approver),
      ...(approvedAt ? { approvedAt } : {}),
      ...(expiresAt ? { expiresAt } : {}),
      ...(grantId ? { grantId } : {}),
      ...(deniedBy ? { deniedBy } : {}),
      ...(error ? { error } : {}),
    });
  }

  private refused(what: string): ApproveResult {
    this.status.refusals = [...this.status.refusals, { at: iso(Date.now()), what }].slice(-REFUSALS_KEPT);
    return { outcome: 'refused', message: what, status: this.status };
  }

  /** Told to an approval that arrives once the request is decided: who decided it, and how. */
  private decided(): ApproveResult {
    const s = this.status;
    const message =
      s.state === 'approved' || s.state === 'granted'
        ? `request ${s.id} was already approved by ${s.approvals.map((a) => a.approver).join(', ')}${s.grantId ? `; its grant is ${s.grantId}` : ''}: your approval was not needed`
        : `request ${s.id} is ${s.state}${s.deniedBy ? ` (by ${s.deniedBy}: ${s.denyReason ?? ''})` : ''}${s.error ? `: ${s.error}` : ''}; nothing was approved`;
    return { outcome: 'already', message, status: s };
  }

  /** Runs `step` after every approval or denial that arrived before it has finished. */
  private inTurn<T>(step: () => Promise<T>): Promise<T> {
    const next = this.turn.then(async () => {
      await condition(() => this.status.state !== 'checking');
      return step();
    });
    this.turn = next.catch(() => undefined);
    return next;
  }

  /** Approvals are verified in turn (the worker reads the rule in force and checks the signature); the state moves once. */
  private approve(request: ApproveRequest): Promise<ApproveResult> {
    return this.inTurn(() => this.verify(request));
  }

  private async verify(request: ApproveRequest): Promise<ApproveResult> {
    if (this.status.state !== 'requested') return this.decided();
    const verdict = await verifyBreakGlassApproval({ terms: this.status.terms!, approval: request.approval, atMs: Date.now() });
    // Denied or lapsed while the worker verified it: the decision stands.
    if (this.status.state !== 'requested') return this.decided();
    if (!verdict.ok) return this.refused(verdict.reason);
    const { approval } = verdict;
    if (this.status.approvals.some((a) => a.approver.toLowerCase() === approval.approver.toLowerCase())) {
      return { outcome: 'counted', message: `${approval.approver} has approved this request already; it needs another approver`, status: this.status };
    }
    this.status.approvals.push(approval);
    if (approval.self)
      await this.announcer.announce('self-approved', { by: approval.approver, ...(approval.selfReason ? { endReason: approval.selfReason } : {}) });
    const needed = this.status.rule!.approvals - this.status.approvals.length;
    if (needed > 0) {
      this.setState('requested');
      return { outcome: 'counted', message: `approval by ${approval.approver} counted; ${needed} more needed`, status: this.status };
    }
    this.setState('approved');
    return {
      outcome: 'approved',
      message: `approved by ${this.status.approvals.map((a) => a.approver).join(', ')}; the grant is being applied`,
      status: this.status,
    };
  }

  private deny(request: DenyRequest): Promise<RequestStatus> {
    return this.inTurn(() => this.denyNow(request));
  }

  private async denyNow(request: DenyRequest): Promise<RequestStatus> {
    if (this.status.state !== 'requested') {
      throw ApplicationFailure.nonRetryable(
        `request ${this.status.id} is ${this.status.state}; only an open request can be denied${this.status.grantId ? ` (revoke its grant instead: grantflow revoke ${this.status.grantId} --reason …)` : ''}`,
      );
    }
    this.status.deniedBy = request.by.trim();
    this.status.denyReason = request.reason.trim();
    this.setState('denied');
    await this.announcer.announce('denied', { by: this.status.deniedBy, endReason: this.status.denyReason });
    return this.status;
  }

  /** Starts the grant as this run's child (once: the start is in this history), then waits for a YAML entry to record it. */
  private async grant(): Promise<void> {
    const prepared = await prepareBreakGlassGrant({ status: this.status, runId: workflowInfo().runId });
    if (!prepared.ok) {
      this.fail(prepared.reason);
      return;
    }
    const { spec, memo } = prepared;
    const mark = memo.breakGlass as { approvedAt: string; ratifyBy: string };
    Object.assign(this.status, { grantId: spec.id, approvedAt: mark.approvedAt, expiresAt: spec.expiresAt, ratifyBy: mark.ratifyBy });
    await this.announcer.announce('approved', { by: this.status.approvals.map((a) => a.approver).join(', ') });
    let child: ChildWorkflowHandle<typeof grantWorkflow>;
    try {
      child = await startChild<typeof grantWorkflow>('grantWorkflow', {
        workflowId: spec.id,
        args: [{ spec, breakGlass: { requestId: this.status.id } }],
        memo,
        typedSearchAttributes: grantSearchAttributes(spec, 'pending'),
        // The grant lives its own life: its expiry, an operator's revoke. Nothing done to this request ends it.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        // A grant id that ran before (a run reset past its approvals, say) is not granted twice.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      this.fail(`the grant ${spec.id} could not be started: ${describeFailure(error)}`);
      return;
    }
    upsertSearchAttributes([{ key: GrantExpiresAt, value: new Date(spec.expiresAt!) }]);
    this.setState('granted');
    upsertMemo({ ratifyBy: mark.ratifyBy });
    void child.result().then(
      () => (this.grantClosed = true),
      (error: unknown) => {
        this.grantClosed = true;
        this.status.error = `the grant ended in failure: ${describeFailure(error)}`;
      },
    );
    await this.watchGrant(spec, Date.parse(mark.ratifyBy));
  }

  /**
   * Until the grant ends: looks (hourly, and when a submission nudges it) whether the team's verified
   * config records the grant, until `ratifyBy`; and at each nudge whether the grant's rule still lets
   * it stand. A submission's pass revokes the grants it sees; one approved while that pass ran is
   * revoked here.
   */
  private async watchGrant(spec: { team: string; id: string; principal: string; environment: string; policy: string }, ratifyByMs: number): Promise<void> {
    while (!this.grantClosed) {
      const looking = !this.status.ratifiedAt && Date.now() < ratifyByMs;
      const wake = () => this.ratifyAsked || this.grantClosed;
      if (looking) await condition(wake, Math.min(RATIFY_LOOK_MS, ratifyByMs - Date.now()));
      else await condition(wake);
      if (this.grantClosed) return;
      const nudged = this.ratifyAsked;
      this.ratifyAsked = false;
      const sources = this.ratifySource ? [this.ratifySource] : [];
      if (looking && (await checkBreakGlassRatified({ team: spec.team, grantId: spec.id, ...(sources.length ? { sources } : {}) }))) {
        this.status.ratifiedAt = iso(Date.now());
        upsertMemo({ ratifiedAt: this.status.ratifiedAt });
      }
      if (!nudged) continue;
      const grant = { principal: spec.principal, environment: spec.environment, policy: spec.policy };
      const standing = await checkBreakGlassStanding({ team: spec.team, rule: this.status.terms!.rule, grant, sources });
      if (!standing.stands) {
        await getExternalWorkflowHandle(spec.id).signal(revokeSignal, { reason: standing.reason, by: 'grantflow', origin: 'reconcile', cause: 'removed' });
      }
    }
  }
}
