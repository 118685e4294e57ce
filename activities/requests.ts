// The activities of a break-glass request's workflow: thin adapters over the worker's authority
// (src/reconcile/break-glass.ts), which reads the rule in force from the team's newest verified
// config and verifies every approval's signature. Which request and run asks is taken from the
// activity's own context, as the server recorded it.
import { Context } from '@temporalio/activity';
import type { RequestAsk, RequestTerms, SignedApproval } from '../src/core/break-glass';
import type { GrantSpec } from '../src/core/grant';
import type { ApprovalOutcome, BreakGlassAuthority, CheckOutcome } from '../src/reconcile/break-glass';
import { grantMemo } from '../src/temporal/grant-start';
import type { RequestStatus, SubmissionRef } from '../workflows/messages';

/** A grant ready to start: its claimed spec and its memo (the grant verifies the approvals again when it applies). */
export type PreparedGrant = { ok: true; spec: GrantSpec; memo: Record<string, unknown> } | { ok: false; reason: string };

/** The calling workflow's id and run as the server recorded them (tests that call directly pass their own). */
function caller(fallback: { requestId?: string; runId?: string }): { requestId: string; runId: string } {
  let execution: { workflowId: string; runId: string } | undefined;
  try {
    execution = Context.current().info.workflowExecution;
  } catch {
    execution = undefined;
  }
  return execution ? { requestId: execution.workflowId, runId: execution.runId } : { requestId: fallback.requestId ?? '', runId: fallback.runId ?? '' };
}

export function createRequestActivities(breakGlass: () => BreakGlassAuthority) {
  return {
    /** The request's terms under the rule in force, or why it is refused. */
    async checkBreakGlassRequest(input: { ask: RequestAsk; requestId?: string; runId?: string }): Promise<CheckOutcome> {
      return breakGlass().check(input.ask, caller(input));
    },

    /**
     * One approval as it arrives: counted only if a key the rule in force names signed exactly these
     * terms, close to `atMs` (the moment the request received it, as the server's history records it).
     */
    async verifyBreakGlassApproval(input: { terms: RequestTerms; approval: SignedApproval; atMs: number }): Promise<ApprovalOutcome> {
      return breakGlass().approve(input.terms, input.approval, input.atMs);
    },

    /** The grant the request's approvals give, verified from its terms and signatures, with the memo it starts with. */
    async prepareBreakGlassGrant(input: { status: RequestStatus; runId?: string }): Promise<PreparedGrant> {
      const granted = await breakGlass().grantFor(input.status, caller(input).runId);
      if (!granted.ok) return granted;
      const memo = { ...grantMemo(granted.spec, granted.from.revision), breakGlass: granted.mark };
      return { ok: true, spec: granted.spec, memo: memo as unknown as Record<string, unknown> };
    },

    /** Whether the grant's rule still lets it stand, in the team's newest verified config (after a submission: among `sources`). */
    async checkBreakGlassStanding(input: {
      team: string;
      rule: string;
      grant: { principal: string; environment: string; policy: string };
      sources: SubmissionRef[];
    }): Promise<{ stands: true } | { stands: false; reason: string }> {
      return breakGlass().stands(input.team, input.rule, input.grant, input.sources);
    },

    /** Whether a verified submission records the grant as a temporary-access entry yet. */
    async checkBreakGlassRatified(input: { team: string; grantId: string; sources?: SubmissionRef[] }): Promise<boolean> {
      return breakGlass().ratified(input.team, input.grantId, input.sources ?? []);
    },
  };
}
