// `grantflow history` on a real dev server and moto, after a scripted sequence: grants, an early
// revoke, a restore, an expiry and a replacement. Each format must show exactly those periods.
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import type { GrantPeriod } from '../../src/core/history';
import { revokeGrantNow } from '../../src/temporal/grant-operations';
import { restoreGrant } from '../../src/temporal/reconcile-operations';
import { eventually } from '../harness/stack';
import { ACCOUNTS, grantsOf, inHours, policy, READ_ONLY, revisionSequence, team } from '../harness/team';
import { runCli } from '../harness/cli';
import { workflowSuite } from '../harness/workflow-suite';

const revision = revisionSequence('history', '2026-04-01T00:00:00Z');

describe('history: every grant period, in each format (dev server + moto)', function () {
  const { stack, submit, waitState, waitClosed } = workflowSuite({ revision, cliEnv: true, users: ['alice', 'bob', 'carol'], reset: 'once' });
  const cli = async (...args: string[]) => {
    const result = await runCli(['history', ...args], process.env);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };

  it('lists the grants, the early revoke and its restore, the expiry and the replacement, and nothing else', async () => {
    const name = 'hist';
    const shortExpiry = new Date(Date.now() + 8000).toISOString().replace(/\.\d+Z/, 'Z');
    const config = (carolUntil: string) =>
      team({
        name,
        policies: { reader: policy([READ_ONLY]) },
        permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
        temporary: [
          { user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: shortExpiry, reason: 'quick look', ticket: 'OPS-1' },
          { user: 'carol', environment: 'nonprod', grant: 'reader', expiresAt: carolUntil, reason: 'incident', ticket: 'OPS-7' },
        ],
      });
    const carolFirst = inHours(10);
    const carolLater = inHours(20);
    const first = config(carolFirst);
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((u) => grantsOf(first).find((g) => g.principal === u)!);
    await submit(first);
    for (const g of [alice!, carol!]) await waitState(g.id, 'active');

    await revokeGrantNow(stack.client, alice!.id, { reason: 'left on-call', by: 'ops' });
    await waitClosed(bob!.id); // expired
    const restored = await restoreGrant(stack.client, name, alice!.id, 'lead');
    assert.equal(restored.started, true);
    await waitState(alice!.id, 'active');

    const second = config(carolLater);
    const carolNext = grantsOf(second).find((g) => g.principal === 'carol')!;
    const plan = await submit(second);
    assert.deepEqual(plan.replaced, [{ from: carol!.id, to: carolNext.id }]);
    await waitState(carolNext.id, 'active');
    await waitClosed(carol!.id);

    const want = [
      `user/alice reader permanent early by ops: left on-call`,
      `user/alice reader permanent open`,
      `user/bob reader temporary expired`,
      `user/carol reader temporary superseded by history: replaced by a new expiry`,
      `user/carol reader temporary open`,
    ].sort();
    const describe = (p: {
      principal: string;
      policy: string;
      kind: string;
      ended: string;
      ended_by?: string;
      endedBy?: string;
      end_reason?: string;
      endReason?: string;
    }) => {
      const by = p.endedBy ?? p.ended_by;
      const why = p.endReason ?? p.end_reason;
      return `${p.principal} ${p.policy} ${p.kind} ${p.ended}${by ? ` by ${by}: ${why}` : ''}`;
    };

    // Visibility catches up asynchronously: wait until the closed runs show how they ended.
    const periods = await eventually('history shows the five periods', async () => {
      const parsed = JSON.parse(await cli(name, '--format', 'json')) as GrantPeriod[];
      const seen = parsed.map((p) => describe({ ...p, principal: `${p.principalType}/${p.principal}` })).sort();
      if (JSON.stringify(seen) !== JSON.stringify(want)) throw new Error(`history shows ${JSON.stringify(seen)}`);
      return parsed;
    });
    for (const p of periods) {
      assert.equal(p.revision !== undefined && p.submittedBy === 'history', true, `revision and submitter of ${p.grantId}`);
      assert.equal(p.account, ACCOUNTS.nonprod);
      assert.equal(p.environment, 'nonprod');
      if (p.ended === 'open') assert.equal(p.to, undefined);
      else assert.ok(Date.parse(p.to!) >= Date.parse(p.from), `${p.grantId} ends after it begins`);
    }
    const carolPeriods = periods.filter((p) => p.principal === 'carol');
    assert.deepEqual(
      carolPeriods.map((p) => [p.expiresAt, p.reason, p.ticket]),
      [
        [carolFirst, 'incident', 'OPS-7'],
        [carolLater, 'incident', 'OPS-7'],
      ],
    );
    const [earlier, restoredPeriod] = periods.filter((p) => p.principal === 'alice');
    assert.ok(Date.parse(restoredPeriod!.from) >= Date.parse(earlier!.to!), 'the restored period begins after the revoked one ended');

    const records = parse(await cli(name, '--format', 'csv'), { columns: true }) as Record<string, string>[];
    assert.deepEqual(records.map((r) => describe(r as never)).sort(), want);
    assert.deepEqual(records.map((r) => r.grant_id).sort(), periods.map((p) => p.grantId).sort());

    const table = (await cli(name)).trimEnd().split('\n');
    assert.equal(table.at(-1), '5 grant periods');
    assert.equal(table.filter((l) => l.startsWith('user/')).length, 5);
    assert.equal(table.filter((l) => /\bearly\s+ops\b/.test(l)).length, 1);

    const report = await cli(name, '--format', 'markdown');
    assert.match(report, /^# Access review/);
    assert.match(report, /kept 8 days/);
    assert.equal(report.split('\n').filter((l) => l.startsWith('| user/')).length, 5);
    assert.match(report, /## Early revocations\n\n- user\/alice, reader in nonprod: revoked .* by ops: left on-call/);

    // Filters narrow the same periods.
    const aliceOnly = JSON.parse(await cli(name, '--user', 'ALICE', '--format', 'json')) as GrantPeriod[];
    assert.deepEqual(
      aliceOnly.map((p) => p.ended),
      ['early', 'open'],
    );
    assert.deepEqual(JSON.parse(await cli(name, '--env', 'prod', '--format', 'json')), []);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const stillOpen = JSON.parse(await cli(name, '--since', future, '--format', 'json')) as GrantPeriod[];
    assert.deepEqual(
      stillOpen.map((p) => p.ended),
      ['open', 'open'],
    );
  });

  it('refuses --account with --env, and a time it cannot read, as usage errors', async () => {
    const both = await runCli(['history', '--account', '1', '--env', 'prod'], process.env);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--account or --env/);
    const bad = await runCli(['history', '--since', 'yesterday'], process.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since yesterday: .*7d/);
  });
});
