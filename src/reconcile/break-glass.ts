// The worker's authority over break-glass requests. Anyone who can reach Temporal can start a request
// workflow, send it approvals, start a grant workflow that claims to be an approved request's, or
// replay an approval they saw. So the rule in force is always the one in the team's newest verified
// config as this worker reads it (never what a request or approval carries), an approval counts only
// when a key that rule names signed exactly the request's terms (whose run id the server assigned),
// and a break-glass grant applies only what the approvals of the request run that started it give,
// verified again at every apply.
import type { Client } from '@temporalio/client';
import {
  breakGlassEntry,
  checkRequest,
  ruleAdmits,
  tally,
  type BreakGlassMark,
  type RequestAsk,
  type RequestTerms,
  type RuleView,
  type SignedApproval,
} from '../core/break-glass';
import { expandTeam, temporaryGrantOf } from '../core/expand';
import type { GrantSpec } from '../core/grant';
import { effectiveMaxTemporaryDays } from '../core/guardrails';
import { describeRevision } from '../core/revision';
import type { BreakGlassRule } from '../core/team-config';
import { DAY_MS } from '../core/time';
import { verifyApproval } from '../trust/approvals';
import { requestStatusQuery, type AcceptedApproval, type RequestStatus, type SubmissionRef } from '../../workflows/messages';
import type { ConfigAuthority, VerifiedConfig } from './authority';

export type CheckOutcome = { ok: true; terms: RequestTerms; view: RuleView } | { ok: false; reason: string };
export type ApprovalOutcome = { ok: true; approval: AcceptedApproval } | { ok: false; reason: string };
export type BreakGlassGrant =
  { ok: true; spec: GrantSpec; mark: Omit<BreakGlassMark, 'ratifyBy'> & { ratifyBy: string }; from: VerifiedConfig } | { ok: false; reason: string };

/** Who started a grant workflow, as the server recorded it (absent: it was started by hand). */
export interface GrantParent {
  workflowId: string;
  runId: string;
}

export class BreakGlassAuthority {
  constructor(
    private readonly temporal: Client,
    private readonly configs: ConfigAuthority,
  ) {}

  /** The team's newest verified config and the rule in it, or why there is none. */
  private async ruleInForce(team: string, name: string): Promise<{ verified: VerifiedConfig; rule: BreakGlassRule } | { reason: string }> {
    // Read afresh, not from the few seconds' cache: an approval or apply right after a submission
    // that changed or removed the rule must see it.
    this.configs.forget(team);
    const { verified, reasons } = await this.configs.newestFor(team, []);
    if (!verified)
      return {
        reason: `no verified config of team ${team} can be read${reasons.length ? ` (${reasons.join('; ')})` : ' (the team has never been submitted)'}`,
      };
    const rules = verified.config.breakGlass ?? {};
    const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
    if (!rule) return { reason: `rule ${name} is no longer in team ${team}'s verified config (${revisionOf(verified)}): it was removed` };
    return { verified, rule };
  }

  /** A new request: its terms under the rule in force, or why it is refused (nothing else happens). */
  async check(ask: RequestAsk, ids: { requestId: string; runId: string }): Promise<CheckOutcome> {
    const { verified } = await this.configs.newestFor(ask.team, []);
    if (!verified) return { ok: false, reason: `team ${ask.team} has no verified config: submit the team (with its break-glass file) first` };
    return checkRequest(verified.config, ask, {
      ...ids,
      revision: revisionOf(verified),
      maxTemporaryDays: effectiveMaxTemporaryDays(verified.config, this.configs.authority.guardrails),
    });
  }

  /** One approval as it arrives at `nowMs`: by a key the rule in force names, over exactly these terms, signed close to then. */
  async approve(terms: RequestTerms, signed: SignedApproval, nowMs: number): Promise<ApprovalOutcome> {
    const found = await this.ruleInForce(terms.team, terms.rule);
    if ('reason' in found) return { ok: false, reason: found.reason };
    const verdict = verifyApproval(signed, terms, found.rule, { arrivingAtMs: nowMs });
    if (!verdict.ok) return verdict;
    return {
      ok: true,
      approval: {
        approver: verdict.approver.written,
        keyId: signed.keyId,
        signedAt: verdict.statement.signedAt,
        self: verdict.self,
        ...(verdict.statement.selfReason ? { selfReason: verdict.statement.selfReason } : {}),
        signed,
      },
    };
  }

  /**
   * The grant a request run's approvals give, every signature verified again against the rule in
   * force. `runId`: the request run as the server names it (the caller's own, or a grant's parent).
   */
  async grantFor(status: Pick<RequestStatus, 'terms' | 'approvals'>, runId: string): Promise<BreakGlassGrant> {
    const { terms } = status;
    if (!terms) return { ok: false, reason: 'the request was never checked by a worker' };
    if (terms.runId !== runId) return { ok: false, reason: `the request's terms name run ${terms.runId}, not the run ${runId} that holds them` };
    const found = await this.ruleInForce(terms.team, terms.rule);
    if ('reason' in found) return { ok: false, reason: found.reason };
    const { verified, rule } = found;
    // The terms are the request run's word: a run the worker never checked (started elsewhere, with
    // terms of its own) gets only what the rule in force would have admitted.
    if (!ruleAdmits(rule, terms)) {
      return { ok: false, reason: `rule ${terms.rule} does not let ${terms.principalWritten} have ${terms.policy} in ${terms.environment}` };
    }
    if (rule.requireTicket && !terms.ticket) return { ok: false, reason: `rule ${terms.rule} requires a ticket, and the request names none` };
    const ceiling = effectiveMaxTemporaryDays(verified.config, this.configs.authority.guardrails);
    if (terms.durationMs > rule.maxDurationMs || terms.durationMs > ceiling * DAY_MS) {
      return { ok: false, reason: `rule ${terms.rule} no longer allows ${terms.durationMs / 60_000} minutes` };
    }
    const counted = [];
    for (const approval of status.approvals) {
      const verdict = verifyApproval(approval.signed, terms, rule, {});
      if (verdict.ok) counted.push({ approver: verdict.approver.written, signedAt: verdict.statement.signedAt, self: verdict.self });
    }
    const result = tally(rule.approvals, terms.durationMs, counted);
    if (!result.approved) {
      return { ok: false, reason: `the request has ${counted.length} approval(s) that verify under rule ${terms.rule}; it needs ${rule.approvals}` };
    }
    const spec = temporaryGrantOf(verified.config, breakGlassEntry(terms, result, rule.source.line));
    if (!spec) return { ok: false, reason: `environment ${terms.environment} or policy ${terms.policy} is no longer in team ${terms.team}'s config` };
    const mark = {
      request: terms.requestId,
      rule: terms.rule,
      requestedBy: terms.requestedBy,
      approvers: result.approvers,
      approvedAt: result.approvedAt,
      ratifyBy: new Date(Date.parse(result.approvedAt) + rule.ratifyWithinMs).toISOString(),
    };
    return { ok: true, spec, mark, from: verified };
  }

  /**
   * What a break-glass grant may apply: what the approvals of the request run that started it (its
   * parent, as the server recorded it) give, and only if that is this very grant. A grant started by
   * hand has no parent and applies nothing.
   */
  async specForGrant(id: string, requestId: string, parent: GrantParent | undefined): Promise<BreakGlassGrant> {
    if (!parent || parent.workflowId !== requestId) {
      return { ok: false, reason: `grant ${id} was not started by request ${requestId} (a break-glass grant is started by its request's workflow only)` };
    }
    const status = await this.temporal.workflow.getHandle(parent.workflowId, parent.runId).query(requestStatusQuery);
    const granted = await this.grantFor(status, parent.runId);
    if (granted.ok && granted.spec.id !== id) return { ok: false, reason: `request ${requestId}'s approvals give grant ${granted.spec.id}, not ${id}` };
    return granted;
  }

  /**
   * Whether a running break-glass grant's rule still lets it stand in the team's newest verified config
   * (`candidates` among it). A config that cannot be read says nothing: the grant stands.
   */
  async stands(
    team: string,
    ruleName: string,
    grant: { principal: string; environment: string; policy: string },
    candidates: readonly SubmissionRef[],
  ): Promise<{ stands: true } | { stands: false; reason: string }> {
    this.configs.forget(team);
    const { verified } = await this.configs.newestFor(team, candidates);
    if (!verified) return { stands: true };
    const rules = verified.config.breakGlass ?? {};
    const rule = Object.hasOwn(rules, ruleName) ? rules[ruleName] : undefined;
    if (ruleAdmits(rule, grant)) return { stands: true };
    return { stands: false, reason: `its break-glass rule ${ruleName} was removed or no longer covers it (revision ${revisionOf(verified)})` };
  }

  /** Whether the team's newest verified config holds the grant as a temporary-access entry (expired or not). */
  async ratified(team: string, grantId: string, candidates: readonly SubmissionRef[] = []): Promise<boolean> {
    const { verified } = await this.configs.newestFor(team, candidates);
    return verified !== undefined && expandTeam(verified.config, -Infinity).grants.some((g) => g.id === grantId);
  }
}

function revisionOf(verified: VerifiedConfig): string {
  return verified.revision ? describeRevision(verified.revision) : 'unsigned';
}
