// The reconcile pass's decisions at their edges: the order each list comes out in (the reconcile acts
// on it in that order, and `plan` prints it), the moment an early revoke outranks a submission, the
// reasons the records carry, and when a replacement may go ahead.
import assert from 'node:assert/strict';
import type { GrantSpec } from '../../src/core/grant';
import { grantShape } from '../../src/core/grant-derived';
import type { LedgerEntry } from '../../src/core/ledger';
import { planPass, readyReplacements, REAFFIRM_MARGIN_MS, type PassInput, type RecordDecision } from '../../src/core/reconcile-plan';
import { recordStartOptions } from '../../src/temporal/grant-start';
import { grantsOf, policy, READ_ONLY, SECURITY_AUDIT, team, VIEW_ONLY } from '../harness/team';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const at = (hours: number) => new Date(NOW + hours * 3600_000).toISOString().replace('.000Z', 'Z');
const RETENTION = 8 * 86_400_000;
const reader = policy([READ_ONLY]);
const desiredOf = (entries: { permanent?: string[]; temporary?: [string, string][] }, policies = { reader }) =>
  grantsOf(
    team({
      policies,
      permanent: entries.permanent?.length ? [{ users: entries.permanent, environments: ['nonprod'], grants: ['reader'] }] : [],
      temporary: (entries.temporary ?? []).map(([user, expiresAt]) => ({ user, environment: 'nonprod', grant: 'reader', expiresAt })),
    }),
    NOW,
  );
const userId = (user: string) => `grantflow/test-team/111111111111/user/${user}/reader`;

function run(r: Partial<LedgerEntry> & { id: string; spec?: GrantSpec }): LedgerEntry {
  const { spec, ...rest } = r;
  return {
    runId: `${r.id}#run`,
    status: 'RUNNING',
    state: 'active',
    startedAt: at(-10),
    account: '111111111111',
    environment: 'nonprod',
    ...rest,
    memo: { ...(spec ? { shape: grantShape(spec) } : {}), ...(r.memo ?? {}) },
  };
}
const ledger = (...runs: LedgerEntry[]) => new Map(runs.map((e) => [e.id, e]));
const pass = (over: Partial<PassInput> & Pick<PassInput, 'desired' | 'ledger'>) =>
  planPass({ nowMs: NOW, maxTemporaryDays: 6, decidedAtMs: Date.parse(at(-100)), retentionMs: RETENTION, ...over });

const three = desiredOf({ permanent: ['alice', 'bob', 'carol'] });
const reversed = [...three].reverse();
const ids = three.map((g) => g.id);
const reversedIds = [...ids].reverse();
const cancelled = (id: string, closedAt: string, memo: LedgerEntry['memo'] = {}) => run({ id, status: 'CANCELLED', state: 'revoked', closedAt, memo });

describe('a reconcile pass lists its decisions in id order, whatever order the YAML and the ledger come in', function () {
  it('starts', () =>
    assert.deepEqual(
      pass({ desired: reversed, ledger: ledger() }).start.map((g) => g.id),
      ids,
    ));

  it('re-applies', () => {
    const plan = pass({ desired: reversed, ledger: ledger(...three.map((g) => run({ id: g.id, spec: g }))) });
    assert.deepEqual(plan.reapply, ids);
  });

  it('hands new specs', () => {
    const changed = [...desiredOf({ permanent: ['alice', 'bob', 'carol'] }, { reader: policy([READ_ONLY, VIEW_ONLY]) })].reverse();
    const plan = pass({ desired: changed, ledger: ledger(...three.map((g) => run({ id: g.id, spec: g }))) });
    assert.deepEqual(
      plan.respec.map((g) => g.id),
      ids,
    );
  });

  it('leaves revoked', () => {
    const plan = pass({ desired: reversed, ledger: ledger(...reversedIds.map((id) => cancelled(id, at(-1)))) });
    assert.deepEqual(plan.sticky, ids);
  });

  it('revokes, those beyond the limit and those removed together', () => {
    const zed = desiredOf({ temporary: [['zed', at(24 * 3)]] })[0]!;
    const plan = pass({
      desired: [zed],
      maxTemporaryDays: 1,
      ledger: ledger(run({ id: zed.id, spec: zed }), run({ id: userId('aaron'), spec: zed })),
    });
    assert.deepEqual(
      plan.revoke.map((r) => [r.id, r.cause]),
      [
        [userId('aaron'), 'removed'],
        [zed.id, 'beyond-limit'],
      ],
    );
  });

  it('cleans up after Terminate in id order, the ledger read in any order', () => {
    const plan = pass({ desired: three, ledger: ledger(...reversedIds.map((id) => run({ id, status: 'TERMINATED', closedAt: at(-1) }))) });
    assert.deepEqual(
      plan.cleanup.map((c) => c.entry.id),
      ids,
    );
  });

  it('writes records, reaffirmations and lifts together', () => {
    const old = new Date(NOW - RETENTION + REAFFIRM_MARGIN_MS - 60_000).toISOString();
    const zed = desiredOf({ permanent: ['zed'] })[0]!;
    const plan = pass({ desired: [zed], ledger: ledger(cancelled(zed.id, old), cancelled(userId('aaron'), at(-1))) });
    assert.deepEqual(
      plan.records.map((r) => [r.id, r.kind]),
      [
        [userId('aaron'), 'lifted'],
        [zed.id, 'reaffirmed'],
      ],
    );
  });

  it('a running grant with two new expiries is replaced by the earlier id; the other only starts', () => {
    const bob10 = desiredOf({ temporary: [['bob', at(10)]] })[0]!;
    const newer = desiredOf({
      temporary: [
        ['bob', at(30)],
        ['bob', at(20)],
      ],
    });
    const sorted = newer.map((g) => g.id).sort();
    const plan = pass({ desired: [...newer].sort((a, b) => (a.id < b.id ? 1 : -1)), ledger: ledger(run({ id: bob10.id, spec: bob10 })) });
    assert.deepEqual(plan.replace, [{ from: bob10.id, to: sorted[0] }]);
    assert.deepEqual(plan.revoke, []);
  });
});

describe('an early revoke of the same access against the submission', function () {
  const bob10 = desiredOf({ temporary: [['bob', at(10)]] })[0]!;
  const bob20 = desiredOf({ temporary: [['bob', at(20)]] });

  it('revoked at the very moment the submission arrived: the operator wins, the replacement stays revoked', () => {
    const plan = pass({ desired: bob20, ledger: ledger(cancelled(bob10.id, at(-2), { endedBy: 'ops' })), decidedAtMs: Date.parse(at(-2)) });
    assert.deepEqual(plan.start, []);
    assert.deepEqual(plan.sticky, [bob20[0]!.id]);
    assert.deepEqual(
      plan.records.filter((r) => r.kind !== 'lifted').map((r) => [r.id, r.kind, r.at, r.by, r.reason]),
      [[bob20[0]!.id, 'succession', at(-2), 'ops', `${bob10.id}, which it replaces, was revoked early by ops`]],
    );
  });

  it('a revoke nobody signed says so without a name', () => {
    const plan = pass({ desired: bob20, ledger: ledger(cancelled(bob10.id, at(-1))), decidedAtMs: Date.parse(at(-2)) });
    assert.deepEqual(
      plan.records.filter((r) => r.kind !== 'lifted').map((r) => [r.reason, 'by' in r]),
      [[`${bob10.id}, which it replaces, was revoked early`, false]],
    );
  });

  it('a running replacement of a grant revoked early since it was decided: revoked, naming who', () => {
    const plan = pass({
      desired: bob20,
      ledger: ledger(cancelled(bob10.id, at(-1), { endedBy: 'ops' }), run({ id: bob20[0]!.id, spec: bob20[0]!, memo: { decidedAt: at(-3) } })),
    });
    assert.deepEqual(plan.revoke, [{ id: bob20[0]!.id, cause: 'early', reason: `${bob10.id}, which it replaces, was revoked early by ops` }]);
  });

  it('the same grant in another case, revoked early before the submission: still left revoked, and recorded as such', () => {
    const alice = desiredOf({ permanent: ['alice'] });
    const plan = pass({
      desired: alice,
      // The old spelling sorts before the current id, whose own run ended normally: both are remembered.
      ledger: ledger(
        cancelled(userId('Alice'), at(-5), { endedBy: 'ops' }),
        run({ id: alice[0]!.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-6), memo: { endCause: 'expired' } }),
      ),
      decidedAtMs: Date.parse(at(-1)),
    });
    assert.deepEqual(plan.start, []);
    assert.deepEqual(plan.sticky, [alice[0]!.id]);
    assert.deepEqual(
      plan.records.filter((r) => r.kind !== 'lifted').map((r) => [r.kind, r.at, r.by, r.reason]),
      [['succession', at(-5), 'ops', `${userId('Alice')}, the same grant written in another case, was revoked early by ops`]],
    );
  });

  it('another spelling that ended normally does not keep the grant revoked', () => {
    const alice = desiredOf({ permanent: ['alice'] });
    const plan = pass({
      desired: alice,
      ledger: ledger(run({ id: userId('Alice'), status: 'COMPLETED', state: 'revoked', closedAt: at(-5), memo: { endCause: 'expired' } })),
    });
    assert.deepEqual(
      plan.start.map((g) => g.id),
      [alice[0]!.id],
    );
    assert.deepEqual(plan.sticky, []);
  });
});

describe('records a pass writes for grants revoked early', function () {
  const alice = desiredOf({ permanent: ['alice'] });
  const id = alice[0]!.id;
  const boundary = NOW - RETENTION + REAFFIRM_MARGIN_MS;

  it('reaffirms just inside the margin, with a default reason when the revoke gave none', () => {
    const closedAt = new Date(boundary - 1000).toISOString();
    const plan = pass({ desired: alice, ledger: ledger(cancelled(id, closedAt)) });
    assert.deepEqual(
      plan.records.map((r) => [r.kind, r.at, r.reason, 'by' in r]),
      [['reaffirmed', closedAt, 'revoked early', false]],
    );
  });

  it('does not reaffirm exactly at the margin', () => {
    const plan = pass({ desired: alice, ledger: ledger(cancelled(id, new Date(boundary).toISOString())) });
    assert.deepEqual(plan.records, []);
  });

  it('a record written a day ago does not make the grant due again, however old the revoke it carries', () => {
    const record = { record: 'reaffirmed' as const, endCause: 'early' as const, recordedAt: at(-24 * 30) };
    const plan = pass({
      desired: alice,
      ledger: ledger(run({ id, status: 'COMPLETED', state: 'revoked', startedAt: at(-24), closedAt: at(-24), memo: record })),
    });
    assert.deepEqual(plan.sticky, [id]);
    assert.deepEqual(plan.records, []);
  });

  it('a record that closed just inside the margin is written again, still carrying the original moment', () => {
    const closedAt = new Date(boundary - 1000).toISOString();
    const record = { record: 'reaffirmed' as const, endCause: 'early' as const, recordedAt: at(-24 * 30), endedBy: 'ops' };
    const plan = pass({ desired: alice, ledger: ledger(run({ id, status: 'COMPLETED', state: 'revoked', startedAt: closedAt, closedAt, memo: record })) });
    assert.deepEqual(
      plan.records.map((r) => [r.kind, r.at, r.by]),
      [['reaffirmed', at(-24 * 30), 'ops']],
    );
  });

  it('a retention shorter than the margin: reaffirmed once half the retention has passed, not on every pass', () => {
    const retentionMs = 86_400_000;
    const due = (hoursAgo: number) => pass({ desired: alice, retentionMs, ledger: ledger(cancelled(id, at(-hoursAgo))) }).records.length;
    assert.deepEqual([due(1), due(11), due(12.5), due(20)], [0, 0, 1, 1]);
  });

  it('a Terminate long ago is cleaned up and recorded by the clean-up, not reaffirmed', () => {
    const plan = pass({ desired: alice, ledger: ledger(run({ id, status: 'TERMINATED', closedAt: new Date(boundary - 86_400_000).toISOString() })) });
    assert.deepEqual(plan.records, []);
    assert.deepEqual(
      plan.cleanup.map((c) => [c.entry.id, c.record]),
      [[id, 'early']],
    );
  });

  it('lifts the revoke of an entry that left the YAML, at the moment of the pass, saying why', () => {
    const plan = pass({ desired: [], ledger: ledger(cancelled(id, at(-1))) });
    assert.deepEqual(
      plan.records.map((r) => [r.id, r.kind, r.cause, r.at, r.reason]),
      [[id, 'lifted', 'lifted', new Date(NOW).toISOString(), 'its entry left the YAML']],
    );
  });

  it('a crashed run no longer in the YAML is cleaned up and lifted; one still wanted is cleaned up and started', () => {
    const bob = desiredOf({ permanent: ['bob'] });
    const plan = pass({
      desired: bob,
      ledger: ledger(run({ id, status: 'FAILED', closedAt: at(-1) }), run({ id: bob[0]!.id, status: 'FAILED', closedAt: at(-1) })),
    });
    assert.deepEqual(
      plan.cleanup.map((c) => [c.entry.id, c.record]),
      [
        [id, 'lifted'],
        [bob[0]!.id, undefined],
      ],
    );
    assert.ok(!('record' in plan.cleanup[1]!), 'a grant still wanted gets no record');
    assert.deepEqual(
      plan.start.map((g) => g.id),
      [bob[0]!.id],
    );
  });
});

describe('which replacements go ahead', function () {
  const cases: { name: string; state?: { state: string; startsAt?: string }; expect: 'ready' | 'notYet' | 'pending' }[] = [
    { name: 'active', state: { state: 'active' }, expect: 'ready' },
    { name: 'revoked before it became active', state: { state: 'revoked' }, expect: 'notYet' },
    { name: 'failed to apply', state: { state: 'failed' }, expect: 'notYet' },
    { name: 'not in visibility yet', expect: 'notYet' },
    { name: 'pending, its start ahead', state: { state: 'pending', startsAt: at(1) }, expect: 'notYet' },
    { name: 'pending, starting this very moment', state: { state: 'pending', startsAt: new Date(NOW).toISOString() }, expect: 'pending' },
    { name: 'pending, its start passed', state: { state: 'pending', startsAt: at(-1) }, expect: 'pending' },
    { name: 'pending, no start date', state: { state: 'pending' }, expect: 'pending' },
  ];
  for (const c of cases)
    it(c.name, () => {
      const result = readyReplacements([{ from: 'old', to: 'new' }], new Map([['new', c.state]]), NOW);
      const where = (['ready', 'notYet', 'pending'] as const).filter((k) => result[k].length > 0);
      assert.deepEqual(where, [c.expect]);
    });
});

describe('a start waits for the revokes of this pass that detach what it attaches', function () {
  // alice's temporary reader (ReadOnlyAccess and the team's reader policy) leaves the YAML as her
  // permanent reader arrives: the new grant would find both attached, and the revoke would remove them.
  const [temporary] = desiredOf({ temporary: [['alice', at(5)]] });
  const [permanent] = desiredOf({ permanent: ['alice'] });
  const [bob] = desiredOf({ permanent: ['bob'] });
  const holding = (spec: GrantSpec, memo: LedgerEntry['memo'] = {}) =>
    run({
      id: spec.id,
      spec,
      memo: { principalType: 'user', principalName: spec.principal, attachedArns: [READ_ONLY, spec.customPolicyArn!].filter(Boolean), ...memo },
    });
  // alice's viewer grant runs with ViewOnlyAccess; the YAML adds ReadOnlyAccess to the viewer policy,
  // so the pass hands it a new spec that attaches what the removed temporary reader is about to detach.
  const viewer = (managed: string[], user = 'alice') =>
    grantsOf(team({ policies: { viewer: policy(managed) }, permanent: [{ users: [user], environments: ['nonprod'], grants: ['viewer'] }] }), NOW)[0]!;
  const [viewerBefore, viewerAfter] = [viewer([VIEW_ONLY]), viewer([VIEW_ONLY, READ_ONLY])];
  const running = (spec: GrantSpec, memo: LedgerEntry['memo'] = {}) =>
    run({ id: spec.id, spec, memo: { principalType: 'user', principalName: spec.principal, attachedArns: [...spec.managedPolicyArns], ...memo } });
  const cases: { name: string; desired: GrantSpec[]; runs: LedgerEntry[]; first: string[]; respec?: string[]; waiting?: string[] }[] = [
    { name: 'the same principal and policy', desired: [permanent!], runs: [holding(temporary!)], first: [temporary!.id] },
    {
      name: 'a running grant handed a new spec that attaches the policy to the same principal',
      desired: [viewerAfter],
      runs: [holding(temporary!), running(viewerBefore)],
      first: [temporary!.id],
      respec: [viewerAfter.id],
    },
    {
      name: 'a running grant handed a new spec, the principal written in another case in the revoked run',
      desired: [viewerAfter],
      runs: [holding(temporary!, { principalName: 'ALICE' }), running(viewerBefore)],
      first: [temporary!.id],
      respec: [viewerAfter.id],
    },
    {
      name: 'a running grant handed a new spec on another principal',
      desired: [viewer([VIEW_ONLY, READ_ONLY], 'bob')],
      runs: [holding(temporary!), running(viewer([VIEW_ONLY], 'bob'))],
      first: [],
      respec: [viewer([VIEW_ONLY], 'bob').id],
    },
    {
      name: 'a running grant handed a new spec that adds only policies the revoke does not hold',
      desired: [viewer([VIEW_ONLY, SECURITY_AUDIT])],
      runs: [holding(temporary!), running(viewerBefore)],
      first: [],
      respec: [viewerAfter.id],
    },
    {
      name: 'a running grant re-applied unchanged, already holding the policy (the revoke reads it as a holder)',
      desired: [viewerAfter],
      runs: [holding(temporary!), running(viewerAfter)],
      first: [],
      respec: [],
    },
    {
      name: 'a grant started once its own previous run has finished revoking',
      desired: [permanent!],
      runs: [holding(temporary!), run({ id: permanent!.id, state: 'revoking', memo: { endCause: 'removed' } })],
      first: [temporary!.id],
      waiting: [permanent!.id],
    },
    { name: 'the principal written in another case', desired: [permanent!], runs: [holding(temporary!, { principalName: 'ALICE' })], first: [temporary!.id] },
    { name: 'another principal', desired: [bob!], runs: [holding(temporary!)], first: [] },
    { name: 'another account', desired: [permanent!], runs: [{ ...holding(temporary!), account: '222222222222' }], first: [] },
    { name: 'no policy in common', desired: [permanent!], runs: [holding(temporary!, { attachedArns: [VIEW_ONLY] })], first: [] },
    { name: 'a revoke with no start', desired: [], runs: [holding(temporary!)], first: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = pass({ desired: c.desired, ledger: ledger(...c.runs) });
      assert.deepEqual(
        plan.revoke.map((r) => r.id),
        [temporary!.id],
      );
      assert.deepEqual(plan.revokeFirst, c.first);
      if (c.respec)
        assert.deepEqual(
          plan.respec.map((g) => g.id),
          c.respec,
          'handed a new spec',
        );
      if (c.waiting) assert.deepEqual(plan.waiting, c.waiting, 'waiting for its previous run');
    });
  }
});

// Visibility forgets a closed run `retention` after it closed; a record keeps an early revoke in view
// by being a newer run. Passes every hour over many retention periods, with runs older than retention
// dropped from the ledger as visibility would: the grant stays revoked at every pass, and the records
// written for it stay few (about one per retention period), each carrying the revoke's original moment.
describe('a grant revoked early stays revoked across many retention periods, with a bounded number of records', function () {
  const HOUR = 3_600_000;
  const DAY = 86_400_000;
  const T0 = Date.parse('2026-03-01T00:00:00Z');
  const [alice] = desiredOf({ permanent: ['alice'] });
  const oldSpelling = userId('Alice');

  /** How a grant came to be revoked early: its runs at T0, and the decision time of the submission. */
  const origins: { name: string; runs: LedgerEntry[] }[] = [
    {
      name: 'cancelled by an operator',
      runs: [
        run({
          id: alice!.id,
          status: 'CANCELLED',
          state: 'revoked',
          startedAt: iso(T0 - 20 * DAY),
          closedAt: iso(T0),
          memo: { endedBy: 'ops', endReason: 'incident' },
        }),
      ],
    },
    {
      name: 'terminated (cleaned up and recorded by the first pass)',
      runs: [run({ id: alice!.id, status: 'TERMINATED', startedAt: iso(T0 - 20 * DAY), closedAt: iso(T0) })],
    },
    {
      name: 'revoked early under another spelling of its principal (a succession record)',
      runs: [run({ id: oldSpelling, status: 'CANCELLED', state: 'revoked', startedAt: iso(T0 - 20 * DAY), closedAt: iso(T0), memo: { endedBy: 'ops' } })],
    },
  ];
  const periods: { retentionDays: number; days: number }[] = [
    { retentionDays: 7, days: 30 },
    { retentionDays: 1, days: 30 },
    { retentionDays: 30, days: 120 },
  ];

  function iso(msValue: number): string {
    return new Date(msValue).toISOString();
  }

  /** The latest run of each id that visibility still holds at `nowMs`. */
  function visible(history: ReadonlyMap<string, LedgerEntry[]>, nowMs: number, retentionMs: number): Map<string, LedgerEntry> {
    const out = new Map<string, LedgerEntry>();
    for (const [id, runs] of history) {
      const kept = runs.filter((r) => r.closedAt === undefined || Date.parse(r.closedAt) + retentionMs > nowMs);
      const latest = kept.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt)).at(-1);
      if (latest) out.set(id, latest);
    }
    return out;
  }

  /** A record run as the pass writes it (recordStartOptions), started and closed at `nowMs`. */
  function recordRun(decision: RecordDecision, nowMs: number): LedgerEntry {
    const options = recordStartOptions(decision, { taskQueue: 'q' });
    return {
      id: decision.id,
      runId: `${decision.id}#${nowMs}`,
      status: 'COMPLETED',
      state: 'revoked',
      startedAt: iso(nowMs),
      closedAt: iso(nowMs),
      account: '111111111111',
      environment: 'nonprod',
      memo: options.memo as LedgerEntry['memo'],
    };
  }

  for (const origin of origins) {
    for (const { retentionDays, days } of periods) {
      const retentionMs = retentionDays * DAY;
      // One record per (retention minus margin), the margin at most half the retention; one more for a first succession or clean-up record.
      const bound = Math.ceil((days * DAY) / (retentionMs - Math.min(REAFFIRM_MARGIN_MS, retentionMs / 2))) + 1;
      it(`${origin.name}: hourly passes over ${days} days of a ${retentionDays}-day retention keep it revoked and write at most ${bound} records`, () => {
        const history = new Map<string, LedgerEntry[]>(origin.runs.map((r) => [r.id, [r]]));
        const written = new Map<string, number>();
        const write = (record: LedgerEntry) => {
          history.set(record.id, [...(history.get(record.id) ?? []), record]);
          written.set(record.id, (written.get(record.id) ?? 0) + 1);
        };
        for (let nowMs = T0 + HOUR; nowMs <= T0 + days * DAY; nowMs += HOUR) {
          const plan = pass({ desired: [alice!], ledger: visible(history, nowMs, retentionMs), nowMs, retentionMs, decidedAtMs: T0 - 30 * DAY });
          const when = `after ${((nowMs - T0) / HOUR).toFixed(0)} h`;
          assert.deepEqual(plan.sticky, [alice!.id], `left revoked ${when}`);
          assert.deepEqual([plan.start, plan.reapply, plan.revoke], [[], [], []], `nothing granted ${when}`);
          for (const record of plan.records) write(recordRun(record, nowMs));
          // The clean-up after a Terminate writes its own record (src/reconcile/act/records.ts cleanUp).
          for (const { entry, record } of plan.cleanup)
            if (record) write(recordRun({ id: entry.id, kind: 'cleaned', cause: record, at: entry.closedAt!, reason: 'cleaned', from: entry }, nowMs));
        }
        const count = written.get(alice!.id) ?? 0;
        assert.ok(count >= Math.floor(days / retentionDays), `records enough to stay in view: ${count}`);
        assert.ok(count <= bound, `at most ${bound} records for ${days} days, wrote ${count}`);
        const latest = history.get(alice!.id)!.at(-1)!;
        assert.equal(latest.memo.recordedAt, iso(T0), 'the latest record still carries the original moment of the revoke');
      });
    }
  }
});
