// The worker's authority, offline: a staged config is read back through a stubbed Temporal client
// (the workflow-level proofs, on a dev server, are in test/workflows/authority.test.ts).
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { digest } from '../../../src/core/digest';
import { DEFAULT_GUARDRAILS } from '../../../src/core/guardrails';
import type { Revision } from '../../../src/core/revision';
import { ConfigAuthority, Refusal } from '../../../src/reconcile/authority';
import { generateSigningKey, parsePrivateKey, parsePublicKey } from '../../../src/trust/keys';
import { signSubmission, type SubmissionTrust } from '../../../src/trust/submissions';
import type { SignedSubmission } from '../../../src/core/attestation';
import type { SubmissionRef } from '../../../workflows/messages';
import { policy, READ_ONLY, team } from '../../harness/team';

const ci = generateSigningKey('ci');
const trust: SubmissionTrust = {
  keys: [{ name: 'ci', id: ci.id, key: parsePublicKey(ci.publicLine).key }],
  insecureAcceptUnsigned: false,
  maxAgeMs: 3_600_000,
};
const revision: Revision = { commit: 'abc123', committedAt: '2026-12-01T10:00:00.000Z', submittedAt: '2026-12-01T10:05:00.000Z', submittedBy: 'ci' };
const SIGNED_AT = '2026-12-01T10:05:00Z';

/**
 * A client whose staged submissions are `staged` (by workflow id), counting the parts it is asked for;
 * the team's reconcile workflow's memo names `adopted` (counting the describes and listings of its runs).
 */
function stagedClient(
  staged: Record<string, { text: string; signed?: SignedSubmission }>,
  adopted?: SubmissionRef,
): { client: Client; partsRead: () => number; viewReads: () => number } {
  let partsRead = 0;
  let viewReads = 0;
  const memo = { state: adopted ? { config: adopted } : {} };
  const client = {
    workflow: {
      getHandle: (id: string) => ({
        query: async (query: { name: string }) => {
          if (query.name === 'part') {
            partsRead++;
            return staged[id]!.text;
          }
          return staged[id]!.signed;
        },
        describe: async () => {
          viewReads++;
          return { memo };
        },
      }),
      list: async function* () {
        yield { runId: 'r1', startTime: new Date(SIGNED_AT), memo };
      },
    },
  } as unknown as Client;
  return { client, partsRead: () => partsRead, viewReads: () => viewReads };
}

function stage(id: string, teamName: string, signedFor = teamName): { ref: SubmissionRef; text: string; signed: SignedSubmission } {
  const text = JSON.stringify(team({ name: teamName, policies: { reader: policy([READ_ONLY]) } }));
  const signed = signSubmission({ team: signedFor, revision, configText: text, files: {} }, parsePrivateKey(ci.privatePem), new Date(SIGNED_AT));
  return { ref: { workflowId: id, digest: digest(text), parts: 1 }, text, signed };
}

describe('authority: a staged config the worker may apply', function () {
  it('verifies a staged config once for all the grants that ask, and gives each the same verdict', async () => {
    const good = stage('submission-1', 'payments');
    const { client } = stagedClient({ 'submission-1': good });
    const authority = new ConfigAuthority(client, { trust, guardrails: DEFAULT_GUARDRAILS });
    const first = await authority.verify(good.ref, { team: 'payments' });
    assert.equal(first.signer, 'ci');
    assert.equal(first.config.team, 'payments');
    // The same verdict object: nothing was hashed or checked again.
    assert.equal(await authority.verify(good.ref, { team: 'payments' }), first);
  });

  it("shares one read and one verification among a burst's applies that ask at the same moment", async () => {
    const good = stage('submission-5', 'payments');
    const { client, partsRead, viewReads } = stagedClient({ 'submission-5': good }, good.ref);
    const authority = new ConfigAuthority(client, { trust, guardrails: DEFAULT_GUARDRAILS });
    const answers = await Promise.all(Array.from({ length: 50 }, () => authority.newestFor('payments', [good.ref])));
    assert.ok(answers.every((a) => a.verified === answers[0]!.verified && a.verified?.signer === 'ci'));
    assert.equal(partsRead(), 1, 'the staged text was read once');
    assert.equal(viewReads(), 1, "the team's runs were read once");
  });

  it("reads the team's runs again once the view is a few seconds old, or forgotten", async () => {
    const good = stage('submission-6', 'payments');
    const { client, viewReads } = stagedClient({ 'submission-6': good }, good.ref);
    const authority = new ConfigAuthority(client, { trust, guardrails: DEFAULT_GUARDRAILS });
    await authority.newestFor('payments', []);
    await authority.newestFor('payments', []);
    assert.equal(viewReads(), 1);
    authority.forget('payments');
    const again = await authority.newestFor('payments', []);
    assert.equal(again.verified?.config.team, 'payments', 'the adopted config, read from the memo');
    assert.equal(viewReads(), 2);
  });

  it('knows a team only once every config it could need is judged: a quick apply never waits for a staged config to be read', async () => {
    const adopted = stage('submission-7', 'payments');
    const candidate = stage('submission-8', 'payments');
    const { client, partsRead } = stagedClient({ 'submission-7': adopted, 'submission-8': candidate }, adopted.ref);
    const authority = new ConfigAuthority(client, { trust, guardrails: DEFAULT_GUARDRAILS });
    assert.equal(await authority.knows('payments', []), false, "the config the team's runs name is not judged yet");
    await authority.verify(adopted.ref, { team: 'payments' });
    assert.equal(await authority.knows('payments', []), true);
    assert.equal(await authority.knows('payments', [candidate.ref]), false, 'a candidate not judged yet');
    await authority.verify(candidate.ref, { team: 'payments', arriving: { revision, nowMs: Date.parse(SIGNED_AT) + 60_000 } });
    assert.equal(await authority.knows('payments', [candidate.ref]), true, 'judged as it arrived');
    assert.equal(partsRead(), 2, 'knowing reads no staged config');
  });

  it('refuses again from memory what it refused once, with the same reason', async () => {
    const forged = stage('submission-2', 'payments', 'ops');
    const { client, partsRead } = stagedClient({ 'submission-2': forged });
    const authority = new ConfigAuthority(client, { trust, guardrails: DEFAULT_GUARDRAILS });
    const refusal = await authority.verify(forged.ref, { team: 'payments' }).catch((error: unknown) => error);
    assert.ok(refusal instanceof Refusal);
    assert.match(refusal.message, /is for team ops, not payments/);
    const again = await authority.verify(forged.ref, { team: 'payments' }).catch((error: unknown) => error);
    assert.equal(again, refusal);
    assert.equal(partsRead(), 1, 'the staged text was read once');
  });

  it("judges a config for the team asked about: one verdict per team, never one team's for another", async () => {
    const good = stage('submission-3', 'payments');
    const { client } = stagedClient({ 'submission-3': good });
    const authority = new ConfigAuthority(client, { trust, guardrails: DEFAULT_GUARDRAILS });
    await authority.verify(good.ref, { team: 'payments' });
    await assert.rejects(authority.verify(good.ref, { team: 'ops' }), /is for team payments, not ops/);
  });

  it('checks an arriving submission afresh each time: a verdict from memory never vouches for freshness', async () => {
    const good = stage('submission-4', 'payments');
    const { client } = stagedClient({ 'submission-4': good });
    const authority = new ConfigAuthority(client, { trust, guardrails: DEFAULT_GUARDRAILS });
    await authority.verify(good.ref, { team: 'payments' });
    const twoHoursLater = Date.parse(SIGNED_AT) + 2 * 3_600_000;
    await assert.rejects(authority.verify(good.ref, { team: 'payments', arriving: { revision, nowMs: twoHoursLater } }), Refusal);
    const inTime = await authority.verify(good.ref, { team: 'payments', arriving: { revision, nowMs: Date.parse(SIGNED_AT) + 60_000 } });
    assert.equal(inTime.signer, 'ci');
  });
});
