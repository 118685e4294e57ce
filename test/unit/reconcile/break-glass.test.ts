// The grant a break-glass request's approvals give, as the worker works it out at every apply: from
// the rule in the team's newest verified config (stubbed here: the verified config is the input),
// never from what the request run says of itself beyond terms its approvers signed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { checkRequest, type RequestTerms } from '../../../src/core/break-glass';
import { DEFAULT_GUARDRAILS } from '../../../src/core/guardrails';
import type { TeamConfig } from '../../../src/core/team-config';
import type { ConfigAuthority, VerifiedConfig } from '../../../src/reconcile/authority';
import { BreakGlassAuthority } from '../../../src/reconcile/break-glass';
import { approvalSigner, signApproval } from '../../../src/trust/approvals';
import { generateSigningKey } from '../../../src/trust/keys';
import type { AcceptedApproval } from '../../../workflows/messages';
import { breakGlassRule, policy, READ_ONLY, team, VIEW_ONLY } from '../../harness/team';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-grant-for-'));
const carol = (() => {
  const key = generateSigningKey('carol@laptop');
  const file = path.join(tmp, 'carol.pem');
  fs.writeFileSync(file, key.privatePem, { mode: 0o600 });
  return { publicLine: key.publicLine, signer: approvalSigner(file, {}) };
})();

const config = (rule: Parameters<typeof breakGlassRule>[0] = {}): TeamConfig =>
  team({
    policies: { reader: policy([READ_ONLY]), admin: policy([VIEW_ONLY]) },
    breakGlass: { 'on-call': breakGlassRule({ requesters: ['bob@example.com'], approvers: [{ user: 'carol@example.com', key: carol.publicLine }], ...rule }) },
  });

/** The authority over a worker whose newest verified config for the team is `verifiedConfig`. */
const authorityOver = (verifiedConfig: TeamConfig): BreakGlassAuthority => {
  const verified: VerifiedConfig = { ref: { workflowId: 'submission', digest: 'd' }, config: verifiedConfig, signer: 'ci' } as VerifiedConfig;
  const configs = {
    newestFor: async () => ({ verified, reasons: [] }),
    forget: () => undefined,
    authority: { guardrails: DEFAULT_GUARDRAILS },
  } as unknown as ConfigAuthority;
  return new BreakGlassAuthority(undefined as unknown as Client, configs);
};

/** The terms the worker fixes for bob's request, run `run-1`. */
const checked = (under: TeamConfig): RequestTerms =>
  (
    checkRequest(
      under,
      { team: 'test-team', rule: 'on-call', user: 'bob@example.com', environment: 'nonprod', durationMs: 3600_000, reason: 'incident', requestedBy: 'bob' },
      { requestId: 'grantflow-request/test-team/abcdefghij', runId: 'run-1', revision: 'abc', maxTemporaryDays: 6 },
    ) as { terms: RequestTerms }
  ).terms;

const approvedBy = async (terms: RequestTerms): Promise<AcceptedApproval[]> => {
  const signed = await signApproval(terms, carol.signer);
  return [{ approver: 'carol@example.com', keyId: signed.keyId, signedAt: new Date().toISOString(), self: false, signed }];
};

describe('the grant a break-glass request run’s approvals give', function () {
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('is the temporary grant of the signed terms, counted from the signature', async () => {
    const terms = checked(config());
    const granted = await authorityOver(config()).grantFor({ terms, approvals: await approvedBy(terms) }, 'run-1');
    assert.ok(granted.ok, granted.ok ? '' : granted.reason);
    assert.deepEqual(
      [granted.spec.policy, granted.spec.environment, granted.spec.kind, granted.mark.approvers],
      ['reader', 'nonprod', 'temporary', ['carol@example.com']],
    );
  });

  it('is nothing for terms held by another run than the one that asks (a replayed approval)', async () => {
    const terms = checked(config());
    const granted = await authorityOver(config()).grantFor({ terms, approvals: await approvedBy(terms) }, 'run-2');
    assert.deepEqual(granted, { ok: false, reason: "the request's terms name run run-1, not the run run-2 that holds them" });
  });

  it('is nothing without the approvals the rule needs', async () => {
    const terms = checked(config({ approvals: 1 }));
    const granted = await authorityOver(config()).grantFor({ terms, approvals: [] }, 'run-1');
    assert.equal(granted.ok, false);
  });

  it('is nothing for signed terms the rule in force never admitted: another policy, another principal, no ticket where one is required', async () => {
    const terms = checked(config());
    for (const [forged, reason] of [
      [{ ...terms, policy: 'admin' }, /rule on-call does not let bob@example\.com have admin in nonprod/],
      [{ ...terms, principal: 'mallory', principalWritten: 'mallory@example.com' }, /does not let mallory@example\.com have reader/],
    ] as const) {
      const granted = await authorityOver(config()).grantFor({ terms: forged, approvals: await approvedBy(forged) }, 'run-1');
      assert.equal(granted.ok, false);
      assert.match((granted as { reason: string }).reason, reason);
    }
    const ticketed = config({ requireTicket: true });
    const granted = await authorityOver(ticketed).grantFor({ terms, approvals: await approvedBy(terms) }, 'run-1');
    assert.deepEqual(granted, { ok: false, reason: 'rule on-call requires a ticket, and the request names none' });
  });

  it('is nothing once a verified config removed the rule', async () => {
    const terms = checked(config());
    const granted = await authorityOver({ ...config(), breakGlass: {} }).grantFor({ terms, approvals: await approvedBy(terms) }, 'run-1');
    assert.equal(granted.ok, false);
    assert.match((granted as { reason: string }).reason, /rule on-call is no longer in team test-team's verified config/);
  });
});
