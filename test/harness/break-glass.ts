// Break-glass requests, tested the same way on two servers: Temporal's time-skipping test server
// (hours of workflow time in seconds; no visibility lists) and the dev server with moto (real time,
// the whole stack). A bed gives what differs (how the team's config becomes the one the worker
// verifies, the rule's times, how grant runs are counted); `breakGlassScenarios` declares the tests
// both run, one per promise of the feature, against moto's IAM and the real worker.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { RequestAsk } from '../../src/core/break-glass';
import type { TeamConfig } from '../../src/core/team-config';
import type { NotificationSink } from '../../src/core/notification-sink';
import { approveRequest, denyRequest, requestStatus, startRequest, waitForRequest } from '../../src/temporal/requests';
import { generateSigningKey } from '../../src/trust/keys';
import { approvalSigner, signApproval, type ApprovalSigner } from '../../src/trust/approvals';
import { grantStartOptions } from '../../src/temporal/grant-start';
import { statusQuery, type GrantOutcome, type RequestOutcome, type RequestStatus } from '../../workflows/messages';
import { GrantKind, GrantState } from '../../workflows/search-attributes';
import type { PrincipalSnapshot } from './iam-snapshot';
import { eventually } from './stack';
import { breakGlassRule, grantsOf, policy, team, VIEW_ONLY } from './team';
import type { WebhookReceiver } from './webhook-receiver';

/** What differs between the servers the scenarios run on. */
export interface BreakGlassBed {
  client(): Client;
  taskQueue(): string;
  /** Makes `config` the team's newest verified config as the worker reads it (signed, as CI would). */
  publish(config: TeamConfig): Promise<void>;
  user(name: string): Promise<PrincipalSnapshot>;
  receiver(): WebhookReceiver;
  nextTeam(): string;
  /** The rule's times on this server: the time-skipping server lets hours pass at once; the dev server lives them. */
  times: { openForMs: number; durationMs: number; maxDurationMs: number };
  /** The server's clock: what an approver's clock reads (the time-skipping server's runs ahead of this machine's). */
  now(): Promise<Date>;
  /** Whether the sink hears of endings (lapsed, denied, revoked): see NOT_LAST. */
  announcesEndings: boolean;
  /** How many runs of the team's grant workflows exist, where the server can list them. */
  grantRuns?(team: string): Promise<number>;
}

/** The sink the worker of a bed tells every request event (and grant event) to. */
export const APPROVERS_SINK = '/approvers';
export function approversSink(receiver: WebhookReceiver, events: NotificationSink['events'] = ENDINGS_TOO): NotificationSink {
  return { name: 'approvers', url: receiver.url(APPROVERS_SINK), format: 'json', events, expiringBeforeMs: 3_600_000, revokeStuckAfterMs: 600_000 };
}
const ENDINGS_TOO: NotificationSink['events'] = ['requested', 'approved', 'self-approved', 'denied', 'lapsed', 'granted', 'revoked'];
/**
 * The events a workflow sends just before it ends. Java's test server keeps time from skipping for
 * good once a workflow ends with a notification child it started still running, so a bed on that
 * server leaves them out (the dev server tests them).
 */
export const NOT_LAST: NotificationSink['events'] = ['requested', 'approved', 'self-approved', 'granted'];

/** The approvers' (and mallory's) keys, as PEM files in a folder of their own. */
export function approverKeys(): Record<'carol' | 'dave' | 'alice' | 'mallory', { file: string; publicLine: string; signer: ApprovalSigner }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-approvers-'));
  const make = (name: string) => {
    const key = generateSigningKey(`${name}@laptop`);
    const file = path.join(dir, `${name}.pem`);
    fs.writeFileSync(file, key.privatePem, { mode: 0o600 });
    return { file, publicLine: key.publicLine, signer: approvalSigner(file, {}) };
  };
  return { carol: make('carol'), dave: make('dave'), alice: make('alice'), mallory: make('mallory') };
}

const KEYS = approverKeys();
export const EMPTY: PrincipalSnapshot = { attached: [], inline: {}, tags: {} };

/** A team whose rule `on-call` lets alice and bob ask for `breakglass` in nonprod, approved by one of carol, dave and alice. */
export function breakGlassTeam(name: string, bed: Pick<BreakGlassBed, 'times'>, rule: Parameters<typeof breakGlassRule>[0] = {}): TeamConfig {
  return team({
    name,
    policies: { breakglass: policy([VIEW_ONLY], ['s3:ListBucket', 'ec2:DescribeInstances']) },
    breakGlass: {
      'on-call': breakGlassRule({
        requesters: ['alice@example.com', 'bob@example.com'],
        grants: ['breakglass'],
        approvers: [
          { user: 'carol@example.com', key: KEYS.carol.publicLine },
          { user: 'dave@example.com', key: KEYS.dave.publicLine },
          { user: 'alice@example.com', key: KEYS.alice.publicLine },
        ],
        maxDurationMs: bed.times.maxDurationMs,
        openForMs: bed.times.openForMs,
        ...rule,
      }),
    },
  });
}

/** Starts a request and waits until the worker has checked it. */
export async function ask(bed: BreakGlassBed, extra: Partial<RequestAsk> & { team: string }): Promise<RequestStatus> {
  const id = await startRequest(
    bed.client(),
    {
      rule: 'on-call',
      user: 'bob@example.com',
      environment: 'nonprod',
      durationMs: bed.times.durationMs,
      reason: 'incident 42',
      ticket: 'INC-42',
      requestedBy: 'bob',
      ...extra,
    },
    { taskQueue: bed.taskQueue() },
  );
  return (await waitForRequest(bed.client(), id, (s) => s.state !== 'checking', { timeoutMs: 30_000 }))!;
}

export const approveAs = async (bed: BreakGlassBed, who: keyof typeof KEYS, status: RequestStatus, selfReason?: string) =>
  approveRequest(bed.client(), status.id, await signApproval(status.terms!, KEYS[who].signer, { now: await bed.now(), ...(selfReason ? { selfReason } : {}) }));

const notices = (bed: BreakGlassBed, id: string) =>
  bed
    .receiver()
    .delivered(APPROVERS_SINK)
    .filter((r) => (r.body.request as { id?: string } | null)?.id === id);

export function breakGlassScenarios(bed: BreakGlassBed): void {
  const untouched = async (...names: string[]) => {
    for (const name of names) assert.deepEqual(await bed.user(name), EMPTY, `IAM holds nothing for ${name}`);
  };

  it('a request with no approval lapses on time, says so to the sinks, and IAM is unchanged', async () => {
    const config = breakGlassTeam(bed.nextTeam(), bed);
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team });
    assert.equal(asked.state, 'requested');
    const outcome = (await bed.client().workflow.getHandle(asked.id).result()) as RequestOutcome;
    assert.deepEqual(outcome, { id: asked.id, state: 'lapsed' });
    const status = await requestStatus(bed.client(), asked.id);
    assert.ok(Date.now() >= Date.parse(status.openUntil!) || status.state === 'lapsed');
    if (bed.announcesEndings)
      await eventually('the lapse is announced', async () => (notices(bed, asked.id).some((n) => n.body.event === 'lapsed') ? true : undefined));
    await untouched('bob');
  });

  it('a duration above the rule’s longest is refused at request time: no approver is asked and IAM is unchanged', async () => {
    const config = breakGlassTeam(bed.nextTeam(), bed);
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team, durationMs: bed.times.maxDurationMs * 2 });
    assert.equal(asked.state, 'failed');
    assert.match(asked.error!, /rule on-call \(break-glass\/test-team\.yaml:2\) allows at most .* \(max_duration\)/);
    assert.deepEqual(await bed.client().workflow.getHandle(asked.id).result(), { id: asked.id, state: 'failed', error: asked.error });
    assert.deepEqual(notices(bed, asked.id), []);
    await untouched('bob');
  });

  it('a self-approval is refused where the rule does not allow it, recorded in the request, and grants nothing', async () => {
    const config = breakGlassTeam(bed.nextTeam(), bed);
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team, user: 'alice@example.com', requestedBy: 'alice' });
    const result = await approveAs(bed, 'alice', asked, 'alone at 3 a.m.');
    assert.equal(result.outcome, 'refused');
    assert.match(
      result.message,
      /alice@example\.com may not approve their own request: .* does not allow self-approval; ask carol@example\.com or dave@example\.com/,
    );
    const status = await requestStatus(bed.client(), asked.id);
    assert.equal(status.state, 'requested');
    assert.deepEqual(
      status.refusals.map((r) => r.what),
      [result.message],
    );
    await untouched('alice');
  });

  it('with the rule’s permission and a reason, a self-approval is accepted, grants, and is announced to every approver', async () => {
    const config = breakGlassTeam(bed.nextTeam(), bed, { selfApproval: true });
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team, user: 'alice@example.com', requestedBy: 'alice' });
    const result = await approveAs(bed, 'alice', asked, 'alone on call at 3 a.m.');
    assert.equal(result.outcome, 'approved', result.message);
    const granted = (await waitForRequest(bed.client(), asked.id, (s) => s.state === 'granted', { timeoutMs: 30_000 }))!;
    await eventually('the grant is active', async () => {
      const st = await bed.client().workflow.getHandle(granted.grantId!).query(statusQuery);
      if (st.state === 'active') return true;
      throw new Error(JSON.stringify(st));
    });
    const notice = await eventually('the self-approval is announced', async () => notices(bed, asked.id).find((n) => n.body.event === 'self-approved'));
    assert.deepEqual((notice.body.request as { approvers: string[] }).approvers, ['carol@example.com', 'dave@example.com', 'alice@example.com']);
    assert.equal(notice.body.endReason, 'alone on call at 3 a.m.');
    assert.match(String(notice.body.text), /SELF-APPROVED by alice@example\.com/);
  });

  it('a non-approver’s approval and a bad signature are refused and recorded; the request stays open and IAM unchanged', async () => {
    const config = breakGlassTeam(bed.nextTeam(), bed);
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team });
    const byMallory = await approveAs(bed, 'mallory', asked);
    assert.equal(byMallory.outcome, 'refused');
    assert.match(byMallory.message, /is not the key of an approver of rule on-call/);
    const signed = await signApproval(asked.terms!, KEYS.carol.signer, { now: await bed.now() });
    const longer = { ...signed, statement: signed.statement.replace(`"durationMs":${bed.times.durationMs}`, `"durationMs":${bed.times.maxDurationMs}`) };
    const forged = await approveRequest(bed.client(), asked.id, longer);
    assert.equal(forged.outcome, 'refused');
    assert.match(forged.message, /the signature does not verify with the key of carol@example\.com/);
    const status = await requestStatus(bed.client(), asked.id);
    assert.equal(status.state, 'requested');
    assert.deepEqual(
      status.refusals.map((r) => r.what),
      [byMallory.message, forged.message],
    );
    assert.deepEqual(status.approvals, []);
    await untouched('bob', 'mallory');
  });

  it('a valid approval grants: IAM holds the inline policy with its expiry, counted from the approval, and after expiry IAM is back to its snapshot', async () => {
    const config = breakGlassTeam(bed.nextTeam(), bed);
    await bed.publish(config);
    const before = await bed.user('bob');
    const asked = await ask(bed, { team: config.team });
    const result = await approveAs(bed, 'carol', asked);
    assert.equal(result.outcome, 'approved', result.message);
    const granted = (await waitForRequest(bed.client(), asked.id, (s) => s.state === 'granted', { timeoutMs: 30_000 }))!;
    assert.equal(Date.parse(granted.expiresAt!) - Date.parse(granted.approvedAt!), bed.times.durationMs);
    const requested = await eventually('the request is announced', async () => notices(bed, asked.id).find((n) => n.body.event === 'requested'));
    assert.ok(String(requested.body.text).includes(`grantflow approve ${asked.id}`), 'the announcement gives the approver’s command');
    await eventually('the approval is announced', async () => notices(bed, asked.id).find((n) => n.body.event === 'approved'));
    // What the Web UI shows of the request: its kind and state, as search attributes.
    const shown = (await bed.client().workflow.getHandle(asked.id).describe()).typedSearchAttributes;
    assert.deepEqual([shown.get(GrantKind), shown.get(GrantState)], ['request', 'granted']);
    const grant = bed.client().workflow.getHandle(granted.grantId!);
    await eventually('the grant is active', async () => ((await grant.query(statusQuery)).state === 'active' ? true : undefined));
    const during = await bed.user('bob');
    const [inlineName] = Object.keys(during.inline);
    assert.match(during.inline[inlineName!]!, new RegExp(`"DateLessThan":\\{"aws:CurrentTime":"${granted.expiresAt}"\\}`));
    assert.equal(during.attached.length, 1, 'the expiring copy of ViewOnlyAccess');
    const memo = (await grant.describe()).memo as Record<string, unknown> & { breakGlass: { requestedBy: string; approvers: string[]; request: string } };
    assert.deepEqual(
      [memo.breakGlass.request, memo.breakGlass.requestedBy, memo.breakGlass.approvers, memo.reason, memo.ticket],
      [asked.id, 'bob', ['carol@example.com'], 'incident 42', 'INC-42'],
    );
    const outcome = (await grant.result()) as GrantOutcome;
    assert.deepEqual(outcome, { id: granted.grantId, state: 'revoked', cause: 'expired' });
    assert.deepEqual(await bed.user('bob'), before);
  });

  it('a denied request grants nothing, says so to the sinks, and no approval is taken after it', async () => {
    const config = breakGlassTeam(bed.nextTeam(), bed);
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team });
    const denied = await denyRequest(bed.client(), asked.id, { by: 'dave', reason: 'not an incident' });
    assert.deepEqual([denied.state, denied.deniedBy, denied.denyReason], ['denied', 'dave', 'not an incident']);
    assert.deepEqual(await bed.client().workflow.getHandle(asked.id).result(), { id: asked.id, state: 'denied' });
    await assert.rejects(approveAs(bed, 'carol', asked));
    assert.equal((await requestStatus(bed.client(), asked.id)).state, 'denied');
    if (bed.announcesEndings) {
      const notice = await eventually('the denial is announced', async () => notices(bed, asked.id).find((n) => n.body.event === 'denied'));
      assert.match(String(notice.body.text), /denied by dave: not an incident/);
    }
    await untouched('bob');
  });

  it('an approval is refused and recorded once a submission has changed the request’s rule, and once one has removed it', async () => {
    // Open long enough for two submissions to be read by the worker, on either server.
    const open = { openForMs: 30 * 60_000 };
    const config = breakGlassTeam(bed.nextTeam(), bed, open);
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team });
    /** Publishes `next` and waits until the worker checks requests against it (a request `probe` admits only under the old rule). */
    const republish = async (next: TeamConfig, probe: Partial<RequestAsk>) => {
      await bed.publish(next);
      await eventually('the worker reads the new rule', async () => ((await ask(bed, { team: config.team, ...probe })).state === 'failed' ? true : undefined));
    };
    const shorter = breakGlassTeam(config.team, { times: { ...bed.times, maxDurationMs: bed.times.durationMs } }, open);
    await republish(shorter, { durationMs: bed.times.durationMs + 60_000 });
    const changed = await approveAs(bed, 'carol', asked);
    assert.equal(changed.outcome, 'refused');
    assert.match(changed.message, /rule on-call \(break-glass\/test-team\.yaml:2\) changed since the request was made/);
    await republish({ ...shorter, breakGlass: {} }, {});
    const removed = await approveAs(bed, 'dave', asked);
    assert.equal(removed.outcome, 'refused');
    assert.match(removed.message, /rule on-call is no longer in team .*'s verified config .*: it was removed/);
    const status = await requestStatus(bed.client(), asked.id);
    assert.deepEqual(
      status.refusals.map((r) => r.what),
      [changed.message, removed.message],
    );
    assert.deepEqual(status.approvals, []);
    await untouched('bob');
  });

  it('concurrent approvals give exactly one grant; the approver whose approval came second is told it was already approved', async () => {
    const config = breakGlassTeam(bed.nextTeam(), bed);
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team });
    const results = await Promise.all([approveAs(bed, 'carol', asked), approveAs(bed, 'dave', asked)]);
    assert.deepEqual(results.map((r) => r.outcome).sort(), ['already', 'approved']);
    assert.match(results.find((r) => r.outcome === 'already')!.message, /was already approved by (carol|dave)@example\.com.*: your approval was not needed/);
    const granted = (await waitForRequest(bed.client(), asked.id, (s) => s.state === 'granted', { timeoutMs: 30_000 }))!;
    assert.equal(granted.approvals.length, 1);
    await eventually('the grant is active', async () => {
      const st = await bed.client().workflow.getHandle(granted.grantId!).query(statusQuery);
      if (st.state === 'active') return true;
      throw new Error(JSON.stringify(st));
    });
    assert.equal(Object.keys((await bed.user('bob')).inline).length, 1);
    if (bed.grantRuns) await eventually('one grant run', async () => ((await bed.grantRuns!(config.team)) === 1 ? true : undefined));
  });

  it('a grant workflow started by hand that claims an approved request’s approvals grants nothing', async () => {
    const config = breakGlassTeam(bed.nextTeam(), bed);
    await bed.publish(config);
    const asked = await ask(bed, { team: config.team });
    await approveAs(bed, 'carol', asked);
    await waitForRequest(bed.client(), asked.id, (s) => s.state === 'granted', { timeoutMs: 30_000 });
    // A grant for mallory, started by hand with a memo and an input that name the approved request: its
    // apply finds that no request run started it, so the approvals count for nothing.
    const mallory = grantsOf(
      team({
        name: config.team,
        policies: config.policies,
        temporary: [
          {
            user: 'mallory',
            environment: 'nonprod',
            grant: 'breakglass',
            expiresAt: new Date((await bed.now()).getTime() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        ],
      }),
    )[0]!;
    const options = grantStartOptions(mallory, { taskQueue: bed.taskQueue() });
    const handle = await bed.client().workflow.start('grantWorkflow', {
      ...options,
      args: [{ spec: mallory, breakGlass: { requestId: asked.id } }],
      memo: {
        ...options.memo,
        breakGlass: {
          request: asked.id,
          rule: 'on-call',
          requestedBy: 'mallory',
          approvers: ['carol@example.com'],
          approvedAt: new Date().toISOString(),
          ratifyBy: new Date().toISOString(),
        },
      },
    });
    const outcome = (await handle.result()) as GrantOutcome;
    assert.equal(outcome.state, 'failed');
    assert.match(outcome.error!, /was not started by request grantflow-request\/.*\(a break-glass grant is started by its request's workflow only\)/);
    assert.deepEqual(await bed.user('mallory'), EMPTY);
  });
}

export type { RequestStatus };
