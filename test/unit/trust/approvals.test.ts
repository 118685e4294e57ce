// Approvals of break-glass requests: an approver's SSH ed25519 key signs the request's exact terms
// (from a key file as ssh-keygen writes it, or through a real ssh-agent for a key with a
// passphrase), and the worker counts it only from a key the rule in force names, over exactly those
// terms, recently, with self-approval only where the rule allows it and with a reason.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRequest, type RequestTerms } from '../../../src/core/break-glass';
import { generateSigningKey } from '../../../src/trust/keys';
import { APPROVAL_CLOCK_SKEW_MS, approvalSigner, ApprovalKeyError, signApproval, verifyApproval, type ApprovalSigner } from '../../../src/trust/approvals';
import type { BreakGlassRule } from '../../../src/core/team-config';
import { breakGlassRule, policy, READ_ONLY, team } from '../../harness/team';

const NOW = Date.parse('2026-06-01T03:00:00Z');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-approvals-'));
const hasOpenSsh = spawnSync('ssh-keygen', ['-?']).error === undefined && spawnSync('ssh-agent', ['-h']).error === undefined;

/** A key as `ssh-keygen -t ed25519` writes it: the private key file, and its .pub beside it. */
function sshKey(name: string, passphrase = ''): { file: string; publicLine: string } {
  const file = path.join(tmp, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', `${name}@laptop`, '-f', file]);
  return { file, publicLine: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** A PEM key pair, written as grantflow keygen writes it (for machines without ssh-keygen). */
function pemKey(name: string): { file: string; publicLine: string } {
  const key = generateSigningKey(`${name}@laptop`);
  const file = path.join(tmp, `${name}.pem`);
  fs.writeFileSync(file, key.privatePem, { mode: 0o600 });
  return { file, publicLine: key.publicLine };
}

const carol = pemKey('carol');
const alice = pemKey('alice');
const mallory = pemKey('mallory');
const rule = (extra: Parameters<typeof breakGlassRule>[0] = {}) =>
  breakGlassRule({
    approvers: [
      { user: 'carol@example.com', key: carol.publicLine },
      { user: 'alice@example.com', key: alice.publicLine },
    ],
    ...extra,
  });
/** The terms the worker fixes for alice's request under `under`. */
const termsUnder = (under: BreakGlassRule): RequestTerms =>
  (
    checkRequest(
      team({ policies: { reader: policy([READ_ONLY]) }, breakGlass: { 'on-call': under } }),
      { team: 'test-team', rule: 'on-call', user: 'alice@example.com', environment: 'nonprod', durationMs: 3600_000, reason: 'incident', requestedBy: 'alice' },
      { requestId: 'grantflow-request/test-team/abcdefghij', runId: 'run-1', revision: 'abc', maxTemporaryDays: 6 },
    ) as { terms: RequestTerms }
  ).terms;
const terms = termsUnder(rule());
const signer = (key: { file: string }): ApprovalSigner => approvalSigner(key.file, {});
const at = (ms: number) => ({ now: new Date(ms) });

describe('approvals signed with an SSH key and verified by the worker', function () {
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('counts an approver’s signature over exactly the terms, naming the approver', async () => {
    const signed = await signApproval(terms, signer(carol), at(NOW));
    const verdict = verifyApproval(signed, terms, rule(), { arrivingAtMs: NOW + 1000 });
    assert.ok(verdict.ok, !verdict.ok ? verdict.reason : '');
    assert.equal(verdict.approver.written, 'carol@example.com');
    assert.equal(verdict.self, false);
  });

  it('refuses a key that is not an approver’s, naming the approvers and their keys', async () => {
    const verdict = verifyApproval(await signApproval(terms, signer(mallory), at(NOW)), terms, rule(), { arrivingAtMs: NOW });
    assert.ok(!verdict.ok);
    assert.match(
      verdict.reason,
      /^key SHA256:\S+ is not the key of an approver of rule on-call \(break-glass\/test-team\.yaml:2\); its approvers are carol@example\.com \(SHA256:/,
    );
  });

  it('refuses a statement changed after signing (a longer duration written in), and a signature moved onto it', async () => {
    const signed = await signApproval(terms, signer(carol), at(NOW));
    const tampered = { ...signed, statement: signed.statement.replace('"durationMs":3600000', '"durationMs":86400000') };
    const verdict = verifyApproval(tampered, { ...terms, durationMs: 86_400_000 }, rule(), { arrivingAtMs: NOW });
    assert.ok(!verdict.ok);
    assert.match(verdict.reason, /the signature does not verify with the key of carol@example\.com/);
  });

  it('refuses an approval replayed onto another request, or another run of the same request', async () => {
    const signed = await signApproval(terms, signer(carol), at(NOW));
    for (const other of [
      { ...terms, requestId: 'grantflow-request/test-team/zzzzzzzzzz' },
      { ...terms, runId: 'run-2' },
    ]) {
      const verdict = verifyApproval(signed, other, rule(), { arrivingAtMs: NOW });
      assert.ok(!verdict.ok);
      assert.match(verdict.reason, /signed other terms than this request's \(they differ in (requestId|runId)\)/);
    }
  });

  it('refuses, as it arrives, a signature more than five minutes from the worker’s clock; a grant applying later verifies it without', async () => {
    const signed = await signApproval(terms, signer(carol), at(NOW - APPROVAL_CLOCK_SKEW_MS - 1000));
    const arriving = verifyApproval(signed, terms, rule(), { arrivingAtMs: NOW });
    assert.ok(!arriving.ok);
    assert.match(arriving.reason, /was signed at 2026-06-01T02:54:59\.000Z, more than 5 minutes from the worker's clock/);
    assert.ok(verifyApproval(signed, terms, rule(), {}).ok);
  });

  it('refuses, as it arrives, an approval under a rule changed since the request; a later apply needs only the approver still listed', async () => {
    const signed = await signApproval(terms, signer(carol), at(NOW));
    const changed = rule({ maxDurationMs: 2 * 3600_000 });
    const arriving = verifyApproval(signed, terms, changed, { arrivingAtMs: NOW });
    assert.ok(!arriving.ok);
    assert.match(arriving.reason, /rule on-call \(break-glass\/test-team\.yaml:2\) changed since the request was made/);
    assert.ok(verifyApproval(signed, terms, changed, {}).ok);
    const carolGone = breakGlassRule({ approvers: [{ user: 'alice@example.com', key: alice.publicLine }], maxDurationMs: 4 * 3600_000 });
    assert.ok(!verifyApproval(signed, terms, carolGone, {}).ok);
  });

  it('refuses a self-approval where the rule does not allow one, naming who else may approve', async () => {
    const verdict = verifyApproval(await signApproval(terms, signer(alice), { ...at(NOW), selfReason: 'alone at 3 a.m.' }), terms, rule(), {
      arrivingAtMs: NOW,
    });
    assert.ok(!verdict.ok);
    assert.match(verdict.reason, /alice@example\.com may not approve their own request: rule on-call .* does not allow self-approval; ask carol@example\.com/);
  });

  it('counts a self-approval where the rule allows it, with a reason, as a self-approval; refuses one without a reason', async () => {
    const allowing = rule({ selfApproval: true });
    const terms = termsUnder(allowing);
    const withReason = verifyApproval(await signApproval(terms, signer(alice), { ...at(NOW), selfReason: 'alone at 3 a.m.' }), terms, allowing, {
      arrivingAtMs: NOW,
    });
    assert.ok(withReason.ok);
    assert.equal(withReason.self, true);
    assert.equal(withReason.statement.selfReason, 'alone at 3 a.m.');
    const without = verifyApproval(await signApproval(terms, signer(alice), at(NOW)), terms, allowing, { arrivingAtMs: NOW });
    assert.ok(!without.ok);
    assert.match(without.reason, /a self-approval needs a reason: approve again with --reason/);
  });

  it('says plainly when the key cannot be read', () => {
    assert.throws(
      () => approvalSigner(path.join(tmp, 'missing'), {}),
      (error: unknown) => error instanceof ApprovalKeyError && /cannot read the key/.test((error as Error).message),
    );
    fs.writeFileSync(path.join(tmp, 'junk'), 'not a key');
    assert.throws(() => approvalSigner(path.join(tmp, 'junk'), {}), ApprovalKeyError);
  });

  describe('with OpenSSH', function () {
    before(function () {
      if (!hasOpenSsh) {
        process.stderr.write('      skipped: ssh-keygen and ssh-agent are not installed (OpenSSH client); the key-file tests above cover signing\n');
        this.skip();
      }
    });

    it('signs with a key file ssh-keygen wrote without a passphrase', async () => {
      const dave = sshKey('dave');
      const withDave = rule({ approvers: [{ user: 'dave@example.com', key: dave.publicLine }] });
      const terms = termsUnder(withDave);
      const verdict = verifyApproval(await signApproval(terms, approvalSigner(dave.file, {}), at(NOW)), terms, withDave, { arrivingAtMs: NOW });
      assert.ok(verdict.ok);
    });

    it('signs through ssh-agent for a key with a passphrase (given the key or its .pub), and says what to do without an agent', async () => {
      const erin = sshKey('erin', 'a passphrase');
      const withErin = rule({ approvers: [{ user: 'erin@example.com', key: erin.publicLine }] });
      const terms = termsUnder(withErin);
      assert.throws(() => approvalSigner(erin.file, {}), /protected by a passphrase: ssh-agent must sign with it, but SSH_AUTH_SOCK is not set/);
      const socket = path.join(tmp, 'agent.sock');
      const agent = execFileSync('ssh-agent', ['-a', socket, '-s'], { encoding: 'utf8' });
      const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent)![1]);
      try {
        const askpass = path.join(tmp, 'askpass.sh');
        fs.writeFileSync(askpass, "#!/bin/sh\necho 'a passphrase'\n", { mode: 0o700 });
        execFileSync('ssh-add', [erin.file], {
          env: { ...process.env, SSH_AUTH_SOCK: socket, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
          stdio: ['ignore', 'ignore', 'ignore'],
        });
        for (const file of [erin.file, `${erin.file}.pub`]) {
          const viaAgent = approvalSigner(file, { SSH_AUTH_SOCK: socket });
          assert.match(viaAgent.via, /^ssh-agent/);
          const verdict = verifyApproval(await signApproval(terms, viaAgent, at(NOW)), terms, withErin, { arrivingAtMs: NOW });
          assert.ok(verdict.ok, !verdict.ok ? verdict.reason : '');
        }
        const notHeld = approvalSigner(`${sshKey('frank').file}.pub`, { SSH_AUTH_SOCK: socket });
        await assert.rejects(signApproval(terms, notHeld, at(NOW)), /ssh-agent refused to sign: it does not hold this key \(add it with ssh-add\)/);
      } finally {
        process.kill(pid);
      }
    });
  });
});
