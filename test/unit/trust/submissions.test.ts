// Signed submissions: every way a signature must fail to vouch for a submission, and what an
// unsigned one is allowed.
import assert from 'node:assert/strict';
import type crypto from 'node:crypto';
import { statementText, type SignedSubmission } from '../../../src/core/attestation';
import type { Revision } from '../../../src/core/revision';
import { generateSigningKey, parsePrivateKey, parsePublicKey } from '../../../src/trust/keys';
import { sha256Hex, signSubmission, UNSIGNED_SIGNER, verifySubmission, type SubmissionTrust } from '../../../src/trust/submissions';

describe('trust: verifying a signed submission', function () {
  const ci = generateSigningKey('ci');
  const stranger = generateSigningKey('stranger');
  const ciKey = parsePrivateKey(ci.privatePem);
  const trust: SubmissionTrust = {
    keys: [{ name: 'ci', id: ci.id, key: parsePublicKey(ci.publicLine).key }],
    insecureAcceptUnsigned: false,
    maxAgeMs: 3_600_000,
  };
  const revision: Revision = { commit: 'abc123', committedAt: '2026-12-01T10:00:00.000Z', submittedAt: '2026-12-01T10:05:00.000Z', submittedBy: 'ci' };
  const configText = JSON.stringify({ team: 'payments', accounts: { prod: '222222222222' } });
  const now = Date.parse('2026-12-01T10:05:30Z');
  const sign = (over: { team?: string; text?: string; key?: crypto.KeyObject; at?: string } = {}): SignedSubmission =>
    signSubmission(
      { team: over.team ?? 'payments', revision, configText: over.text ?? configText, files: { 'aws-accounts/payments.yaml': sha256Hex('aws-accounts: {}') } },
      over.key ?? ciKey,
      new Date(over.at ?? '2026-12-01T10:05:00Z'),
    );
  const expected = { team: 'payments', configText, revision };
  const arriving = { nowMs: now, arriving: true };

  it('vouches for the exact config, team and revision a trusted key signed, naming the signer', () => {
    const verdict = verifySubmission(sign(), expected, trust, arriving);
    assert.ok(verdict.ok);
    assert.equal(verdict.signer, 'ci');
    assert.equal(verdict.statement?.configSha256, sha256Hex(configText));
    assert.deepEqual(Object.keys(verdict.statement?.files ?? {}), ['aws-accounts/payments.yaml']);
  });

  const refusals: [string, () => SignedSubmission | undefined, Partial<typeof expected>, { nowMs: number; arriving: boolean }, RegExp][] = [
    ['an unsigned submission on a worker that accepts only signed ones', () => undefined, {}, arriving, /is not signed.*--insecure-accept-unsigned/],
    [
      'a signature by a key the worker does not trust',
      () => sign({ key: parsePrivateKey(stranger.privatePem) }),
      {},
      arriving,
      /signed by key SHA256:.*which this worker does not trust \(trusted keys: ci/,
    ],
    [
      'a statement changed after signing (another revision written into it)',
      () => {
        const signed = sign();
        return { ...signed, statement: signed.statement.replace('abc123', 'def456') };
      },
      {},
      arriving,
      /does not verify with trusted key ci/,
    ],
    ['a signature copied onto another statement', () => ({ ...sign(), signature: sign({ text: '{}' }).signature }), {}, arriving, /does not verify/],
    [
      'a config changed after signing',
      () => sign(),
      { configText: configText.replace('222222222222', '333333333333') },
      arriving,
      /does not match what ci signed .*changed after signing/,
    ],
    ["another team's signed config", () => sign({ team: 'ledger' }), {}, arriving, /is for team ledger, not payments/],
    ['a revision other than the one signed', () => sign(), { revision: { ...revision, commit: 'ffffff' } }, arriving, /not the revision ci signed/],
    [
      'a signature older than the worker accepts, as it arrives (a replay)',
      () => sign(),
      {},
      { nowMs: now + 2 * 3_600_000, arriving: true },
      /more than 1h ago.*replay/,
    ],
    ['a signature dated ahead of the worker clock', () => sign({ at: '2026-12-01T11:00:00Z' }), {}, arriving, /ahead of the worker's clock/],
  ];
  for (const [what, signed, change, options, message] of refusals) {
    it(`refuses ${what}`, () => {
      const verdict = verifySubmission(signed(), { ...expected, ...change }, trust, options);
      assert.equal(verdict.ok, false);
      assert.match(!verdict.ok ? verdict.reason : '', message);
    });
  }

  it('keeps vouching for an applied config after its signature has aged, since only an arriving submission must be fresh', () => {
    assert.ok(verifySubmission(sign(), expected, trust, { nowMs: now + 30 * 86_400_000, arriving: false }).ok);
  });

  it('accepts an unsigned submission only on a worker told to, and still refuses a bad signature there', () => {
    const insecure = { ...trust, insecureAcceptUnsigned: true };
    const verdict = verifySubmission(undefined, expected, insecure, arriving);
    assert.deepEqual(verdict, { ok: true, signer: UNSIGNED_SIGNER });
    assert.equal(verifySubmission({ ...sign(), signature: 'AAAA' }, expected, insecure, arriving).ok, false);
  });

  it('signs the canonical text of its statement, so the statement reads back to the same text', () => {
    const signed = sign();
    assert.equal(statementText(JSON.parse(signed.statement) as Parameters<typeof statementText>[0]), signed.statement);
  });
});
