// The reconcile pass's decisions and the stickiness rule, table-driven: what to start, re-apply, hand a
// new spec, replace, revoke, leave revoked, clean up, and which record runs to write, from the desired
// grants and the ledger alone, so a reconcile workflow with no memory decides as one with all of it.
// Then the decisions at their edges: the order each list comes out in (the reconcile acts on it in
// that order, and `plan` prints it), the moment an early revoke outranks a submission, the reasons
// the records carry, and when a replacement may go ahead.
import assert from 'node:assert/strict';
import type { GrantSpec } from '../../../src/core/grant';
import { grantShape } from '../../../src/core/grant-derived';
import { earlyAt, ending, isSticky, type LedgerEntry, withEndedEarly } from '../../../src/core/ledger';
import { type PassInput, type PassPlan, planPass, readyReplacements, REAFFIRM_MARGIN_MS, type RecordDecision } from '../../../src/core/reconcile-plan';
import { recordStartOptions } from '../../../src/temporal/grant-start';
import { breakGlassRule, grantsOf, policy, READ_ONLY, SECURITY_AUDIT, team, VIEW_ONLY } from '../../harness/team';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const at = (hours: number) => new Date(NOW + hours * 3600_000).toISOString();
const RETENTION = 8 * 86_400_000;
const reader = policy([READ_ONLY]);
const config = (entries: { permanent?: string[]; temporary?: [string, string][] }, policies = { reader }) =>
  team({
    policies,
    permanent: entries.permanent?.length ? [{ users: entries.permanent, environments: ['nonprod'], grants: ['reader'] }] : [],
    temporary: (entries.temporary ?? []).map(([user, expiresAt]) => ({ user, environment: 'nonprod', grant: 'reader', expiresAt })),
  });
const desiredOf = (entries: Parameters<typeof config>[0], policies?: Parameters<typeof config>[1]) => grantsOf(config(entries, policies), NOW);
const idOf = (entries: Parameters<typeof config>[0]) => desiredOf(entries)[0]!.id;

type Run = Partial<LedgerEntry> & { id: string };
function run(r: Run & { spec?: GrantSpec }): LedgerEntry {
  return {
    runId: `${r.id}#${r.startedAt ?? at(-10)}`,
    status: 'RUNNING',
    state: 'active',
    startedAt: at(-10),
    account: '111111111111',
    environment: 'nonprod',
    ...r,
    memo: { ...(r.spec ? { shape: grantShape(r.spec) } : {}), ...(r.memo ?? {}) },
  };
}
const ledger = (...runs: LedgerEntry[]) => new Map(runs.map((e) => [e.id, e]));

interface Case {
  name: string;
  desired: GrantSpec[];
  ledger: Map<string, LedgerEntry>;
  maxDays?: number;
  decidedAt?: string;
  expect: Partial<Record<keyof PassPlan, unknown>>;
}

const alice = { permanent: ['alice'] };
const aliceSpec = desiredOf(alice)[0]!;
const bob10 = { temporary: [['bob', at(10)]] as [string, string][] };
const bob20 = { temporary: [['bob', at(20)]] as [string, string][] };
const bob10Spec = desiredOf(bob10)[0]!;

const cases: Case[] = [
  {
    name: 'nothing runs: everything is started',
    desired: desiredOf(alice),
    ledger: ledger(),
    expect: { start: desiredOf(alice), reapply: [], revoke: [], records: [] },
  },
  {
    name: 'running with the same spec: re-applied',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, spec: aliceSpec })),
    expect: { start: [], reapply: [aliceSpec.id], respec: [] },
  },
  {
    name: 'running, but the policy changed: handed the new spec',
    desired: desiredOf(alice, { reader: policy([READ_ONLY, VIEW_ONLY]) }),
    ledger: ledger(run({ id: aliceSpec.id, spec: aliceSpec })),
    expect: { reapply: [], respec: desiredOf(alice, { reader: policy([READ_ONLY, VIEW_ONLY]) }) },
  },
  {
    name: 'started by an earlier release (no shape in its memo): handed the spec',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id })),
    expect: { respec: desiredOf(alice) },
  },
  {
    name: 'gone from the YAML: revoked as removed',
    desired: [],
    ledger: ledger(run({ id: aliceSpec.id, spec: aliceSpec })),
    expect: { revoke: [{ id: aliceSpec.id, cause: 'removed', reason: 'removed from the YAML' }] },
  },
  {
    name: 'revoked early (completed with endCause early): left revoked',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-1), memo: { endCause: 'early' } })),
    expect: { start: [], sticky: [aliceSpec.id], records: [] },
  },
  {
    name: 'cancelled in the UI: left revoked',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'CANCELLED', state: 'revoked', closedAt: at(-1) })),
    expect: { sticky: [aliceSpec.id], cleanup: [] },
  },
  {
    name: 'terminated: left revoked, its leftovers cleaned up, then recorded as revoked early',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'TERMINATED', closedAt: at(-1) })),
    expect: { sticky: [aliceSpec.id], start: [], cleanup: [[aliceSpec.id, 'early']] },
  },
  {
    name: 'terminated and already cleaned (its record is the latest run): nothing more to do',
    desired: desiredOf(alice),
    ledger: ledger(
      run({ id: aliceSpec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-1), memo: { record: 'cleaned', endCause: 'early', recordedAt: at(-2) } }),
    ),
    expect: { sticky: [aliceSpec.id], cleanup: [], records: [] },
  },
  {
    name: 'terminated, and no longer in the YAML: cleaned up, then recorded as lifted',
    desired: [],
    ledger: ledger(run({ id: aliceSpec.id, status: 'TERMINATED', closedAt: at(-1) })),
    expect: { cleanup: [[aliceSpec.id, 'lifted']], records: [] },
  },
  {
    name: 'crashed (failed workflow): cleaned up and started again, not sticky',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'FAILED', closedAt: at(-1) })),
    expect: { sticky: [], start: desiredOf(alice), cleanup: [[aliceSpec.id, undefined]] },
  },
  {
    name: 'ended by grantflow (expired, removed, failed apply): started again',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'COMPLETED', state: 'failed', closedAt: at(-1), memo: { endCause: 'failed' } })),
    expect: { start: desiredOf(alice), sticky: [] },
  },
  {
    name: 'revoked early, then its entry left the YAML: a lifted record ends the stickiness',
    desired: [],
    ledger: ledger(run({ id: aliceSpec.id, status: 'CANCELLED', closedAt: at(-1) })),
    expect: { records: [[aliceSpec.id, 'lifted', 'lifted']], revoke: [] },
  },
  {
    name: 'lifted (its latest run is the lifted record), and back in the YAML: granted',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-1), memo: { record: 'lifted', endCause: 'lifted' } })),
    expect: { start: desiredOf(alice), sticky: [] },
  },
  {
    name: 'revoked early long ago, nearing the end of retention: reaffirmed by a new record',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'CANCELLED', closedAt: new Date(NOW - RETENTION + REAFFIRM_MARGIN_MS - 1000).toISOString() })),
    expect: { sticky: [aliceSpec.id], records: [[aliceSpec.id, 'reaffirmed', 'early']] },
  },
  {
    name: 'revoked early within retention: no record yet',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'CANCELLED', closedAt: new Date(NOW - RETENTION + REAFFIRM_MARGIN_MS + 60_000).toISOString() })),
    expect: { sticky: [aliceSpec.id], records: [] },
  },
  {
    name: 'still revoking from an earlier removal: waits, then starts',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, state: 'revoking', memo: { endCause: 'removed' } })),
    expect: { waiting: [aliceSpec.id], start: [], revoke: [] },
  },
  {
    name: "still finishing an operator's revoke (its memo says early): left revoked, not waited for",
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, state: 'revoking', memo: { endCause: 'early' } })),
    expect: { waiting: [], start: [], sticky: [aliceSpec.id] },
  },
  {
    name: 'new expiry: replaces the old grant (new first)',
    desired: desiredOf(bob20),
    ledger: ledger(run({ id: bob10Spec.id, spec: bob10Spec })),
    expect: { start: desiredOf(bob20), replace: [{ from: bob10Spec.id, to: idOf(bob20) }], revoke: [] },
  },
  {
    name: 'principal written in another case: the lower-case id replaces the old one',
    desired: desiredOf({ permanent: ['Alice'] }),
    ledger: ledger(run({ id: 'grantflow/test-team/111111111111/user/Alice/reader' })),
    expect: { replace: [{ from: 'grantflow/test-team/111111111111/user/Alice/reader', to: aliceSpec.id }] },
  },
  {
    name: 'principal written in another case, revoked early under its old id: the new id inherits it',
    desired: desiredOf({ permanent: ['Alice'] }),
    ledger: ledger(run({ id: 'grantflow/test-team/111111111111/user/Alice/reader', status: 'CANCELLED', closedAt: at(-1) })),
    expect: {
      start: [],
      sticky: [aliceSpec.id],
      records: [
        ['grantflow/test-team/111111111111/user/Alice/reader', 'lifted', 'lifted'],
        [aliceSpec.id, 'succession', 'early'],
      ],
    },
  },
  {
    name: 'two old expiries, one new: one replaced, the other revoked',
    desired: desiredOf({ temporary: [['bob', at(30)]] }),
    ledger: ledger(run({ id: bob10Spec.id }), run({ id: idOf(bob20) })),
    expect: {
      replace: [{ from: bob10Spec.id, to: idOf({ temporary: [['bob', at(30)]] }) }],
      revoke: [{ id: idOf(bob20), cause: 'removed', reason: 'removed from the YAML' }],
    },
  },
  {
    name: 'a permanent and a temporary grant of the same policy do not replace each other',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: idOf({ temporary: [['alice', at(10)]] }) })),
    expect: {
      start: desiredOf(alice),
      replace: [],
      revoke: [{ id: idOf({ temporary: [['alice', at(10)]] }), cause: 'removed', reason: 'removed from the YAML' }],
    },
  },
  {
    name: 'the old grant was revoked early after the submission was received: the replacement is not granted, and that is recorded',
    desired: desiredOf(bob20),
    ledger: ledger(run({ id: bob10Spec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-1), memo: { endCause: 'early', endedBy: 'ops' } })),
    decidedAt: at(-5),
    expect: {
      start: [],
      sticky: [idOf(bob20)],
      records: [
        [bob10Spec.id, 'lifted', 'lifted'],
        [idOf(bob20), 'succession', 'early'],
      ],
    },
  },
  {
    name: 'the old grant was revoked early before the submission was received: the replacement is granted',
    desired: desiredOf(bob20),
    ledger: ledger(run({ id: bob10Spec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-5), memo: { endCause: 'early' } })),
    decidedAt: at(-1),
    expect: { start: desiredOf(bob20), sticky: [] },
  },
  {
    name: 'the replacement recorded as revoked in succession: stays revoked on every later pass, however late',
    desired: desiredOf(bob20),
    ledger: ledger(
      run({ id: bob10Spec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-3), memo: { record: 'lifted', endCause: 'lifted' } }),
      run({ id: idOf(bob20), status: 'COMPLETED', state: 'revoked', closedAt: at(-3), memo: { record: 'succession', endCause: 'early', recordedAt: at(-4) } }),
    ),
    decidedAt: at(0),
    expect: { start: [], sticky: [idOf(bob20)], records: [] },
  },
  {
    name: 'the old grant was revoked early while its replacement ran: the replacement is revoked too',
    desired: desiredOf(bob20),
    ledger: ledger(
      run({ id: bob10Spec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-1), memo: { endCause: 'early', endedBy: 'ops' } }),
      run({ id: idOf(bob20), startedAt: at(-2), spec: desiredOf(bob20)[0]! }),
    ),
    decidedAt: at(-3),
    expect: { revoke: [{ id: idOf(bob20), cause: 'early', reason: `${bob10Spec.id}, which it replaces, was revoked early by ops` }], reapply: [] },
  },
  {
    name: 'a replacement that continued as new still counts from its first start',
    desired: desiredOf(bob20),
    ledger: ledger(
      run({ id: bob10Spec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-1), memo: { endCause: 'early' } }),
      run({ id: idOf(bob20), startedAt: at(-0.5), spec: desiredOf(bob20)[0]!, memo: { firstStartedAt: at(-2) } }),
    ),
    decidedAt: at(-3),
    expect: { revoke: [{ id: idOf(bob20), cause: 'early', reason: `${bob10Spec.id}, which it replaces, was revoked early` }] },
  },
  {
    name: 'the old grant was revoked early after the submission arrived but before its replacement started: the replacement is revoked',
    desired: desiredOf(bob20),
    ledger: ledger(
      run({ id: bob10Spec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-2), memo: { endCause: 'early', endedBy: 'ops' } }),
      run({ id: idOf(bob20), startedAt: at(-1), spec: desiredOf(bob20)[0]!, memo: { decidedAt: at(-3) } }),
    ),
    decidedAt: at(-3),
    expect: { revoke: [{ id: idOf(bob20), cause: 'early', reason: `${bob10Spec.id}, which it replaces, was revoked early by ops` }], reapply: [] },
  },
  {
    name: 'a replacement restored after the old grant was revoked early: kept (the restore is the newer word)',
    desired: desiredOf(bob20),
    ledger: ledger(
      run({ id: bob10Spec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-2), memo: { endCause: 'early', endedBy: 'ops' } }),
      run({ id: idOf(bob20), startedAt: at(-1), spec: desiredOf(bob20)[0]!, memo: { decidedAt: at(-1) } }),
    ),
    decidedAt: at(-3),
    expect: { revoke: [], reapply: [idOf(bob20)] },
  },
  {
    name: 'running beyond a lowered limit: revoked as beyond-limit',
    desired: desiredOf({ temporary: [['bob', at(24 * 5)]] }),
    ledger: ledger(run({ id: idOf({ temporary: [['bob', at(24 * 5)]] }) })),
    maxDays: 2,
    expect: { revoke: [{ id: idOf({ temporary: [['bob', at(24 * 5)]] }), cause: 'beyond-limit', reason: 'expires beyond max_temporary_days (2)' }] },
  },
  {
    name: 'exactly at the limit: kept',
    desired: desiredOf({ temporary: [['bob', at(24 * 2)]] }),
    ledger: ledger(run({ id: idOf({ temporary: [['bob', at(24 * 2)]] }), spec: desiredOf({ temporary: [['bob', at(24 * 2)]] })[0]! })),
    maxDays: 2,
    expect: { revoke: [], reapply: [idOf({ temporary: [['bob', at(24 * 2)]] })] },
  },
  {
    name: 'one second beyond the limit: not started',
    desired: desiredOf({ temporary: [['bob', new Date(NOW + 2 * 86_400_000 + 1000).toISOString().replace('.000Z', 'Z')]] }),
    ledger: ledger(),
    maxDays: 2,
    expect: { start: [], beyondLimit: [idOf({ temporary: [['bob', new Date(NOW + 2 * 86_400_000 + 1000).toISOString().replace('.000Z', 'Z')]] })] },
  },
];

describe('a reconcile pass decides from the YAML and the ledger alone', function () {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planPass({
        desired: c.desired,
        ledger: c.ledger,
        nowMs: NOW,
        maxTemporaryDays: c.maxDays ?? 6,
        decidedAtMs: Date.parse(c.decidedAt ?? at(-100)),
        retentionMs: RETENTION,
      });
      for (const [key, value] of Object.entries(c.expect)) {
        if (key === 'cleanup')
          assert.deepEqual(
            plan.cleanup.map((e) => [e.entry.id, e.record]),
            value,
            key,
          );
        else if (key === 'records')
          assert.deepEqual(
            plan.records.map((r) => [r.id, r.kind, r.cause]),
            value,
            key,
          );
        else assert.deepEqual(plan[key as keyof PassPlan], value, key);
      }
    });
  }

  it('keeps the original moment of an early revoke in the records it writes', () => {
    const closedAt = new Date(NOW - RETENTION + REAFFIRM_MARGIN_MS - 1000).toISOString();
    const plan = planPass({
      desired: desiredOf(alice),
      ledger: ledger(run({ id: aliceSpec.id, status: 'CANCELLED', closedAt, memo: { endedBy: 'ops', endReason: 'incident' } })),
      nowMs: NOW,
      maxTemporaryDays: 6,
      decidedAtMs: NOW,
      retentionMs: RETENTION,
    });
    assert.deepEqual(
      plan.records.map((r) => [r.at, r.by, r.reason]),
      [[closedAt, 'ops', 'incident']],
    );
  });
});

describe('stickiness', function () {
  const id = aliceSpec.id;
  const cases: { name: string; entry?: LedgerEntry; sticky: boolean }[] = [
    { name: 'never ran', sticky: false },
    { name: 'running', entry: run({ id }), sticky: false },
    { name: 'running, revoking for grantflow', entry: run({ id, state: 'revoking', memo: { endCause: 'removed' } }), sticky: false },
    { name: 'running, revoking for an operator', entry: run({ id, state: 'revoking', memo: { endCause: 'early' } }), sticky: true },
    { name: 'expired', entry: run({ id, status: 'COMPLETED', closedAt: at(-1), memo: { endCause: 'expired' } }), sticky: false },
    { name: 'revoked early', entry: run({ id, status: 'COMPLETED', closedAt: at(-1), memo: { endCause: 'early' } }), sticky: true },
    { name: 'terminated', entry: run({ id, status: 'TERMINATED', closedAt: at(-1) }), sticky: true },
    { name: 'a lifted record', entry: run({ id, status: 'COMPLETED', closedAt: at(-1), memo: { record: 'lifted', endCause: 'lifted' } }), sticky: false },
    {
      name: 'a reaffirmed record',
      entry: run({ id, status: 'COMPLETED', closedAt: at(-1), memo: { record: 'reaffirmed', endCause: 'early', recordedAt: at(-100) } }),
      sticky: true,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(isSticky(c.entry), c.sticky));

  it('reads how a run ended from its status and memo, and when an early revoke happened', () => {
    assert.equal(ending(run({ id, state: 'pending' })), 'live');
    assert.equal(ending(run({ id, state: 'revoking' })), 'ending');
    assert.equal(ending(run({ id, status: 'FAILED' })), 'crashed');
    assert.equal(ending(run({ id, status: 'COMPLETED', memo: { endCause: 'superseded' } })), 'ended');
    assert.equal(earlyAt(run({ id, status: 'COMPLETED', closedAt: at(-1), memo: { endCause: 'early', recordedAt: at(-50) } })), at(-50));
    assert.equal(earlyAt(run({ id, status: 'CANCELLED', closedAt: at(-1) })), at(-1));
    assert.equal(earlyAt(run({ id })), undefined);
  });
});

describe('replacements ready to go ahead', function () {
  it('goes ahead once the new grant is active, waits for one still applying, and does not wait for one that cannot start yet', () => {
    const pairs = [
      { from: 'a1', to: 'a2' },
      { from: 'b1', to: 'b2' },
      { from: 'c1', to: 'c2' },
      { from: 'd1', to: 'd2' },
    ];
    const states = new Map<string, { state: string; startsAt?: string } | undefined>([
      ['a2', { state: 'active' }],
      ['b2', { state: 'pending' }],
      ['c2', { state: 'pending', startsAt: at(5) }],
      ['d2', undefined],
    ]);
    assert.deepEqual(readyReplacements(pairs, states, NOW), { ready: [{ from: 'a1', to: 'a2' }], notYet: ['c2', 'd2'], pending: ['b2'] });
  });
});

// The backup check: visibility may still show a grant running (or expired) a moment after an
// operator revoked it early; what the grant told the reconcile workflow outranks that view, so the
// pass leaves the grant revoked instead of re-applying it or starting it again.
describe("stickiness from the grant's own word, before visibility shows it", function () {
  const id = aliceSpec.id;
  const live = run({ id, spec: aliceSpec });
  const cases: {
    name: string;
    entry?: LedgerEntry;
    told: { id: string; runId?: string; at: string }[];
    sticky: boolean;
    plan: Partial<Record<keyof PassPlan, unknown>>;
  }[] = [
    {
      name: 'the running run told it ended early',
      entry: live,
      told: [{ id, runId: live.runId, at: at(-1) }],
      sticky: true,
      plan: { sticky: [id], reapply: [], start: [] },
    },
    { name: 'told without a run id', entry: live, told: [{ id, at: at(-1) }], sticky: true, plan: { sticky: [id], reapply: [], start: [] } },
    {
      name: 'an earlier run told; the current one is not affected',
      entry: live,
      told: [{ id, runId: 'an-earlier-run', at: at(-1) }],
      sticky: false,
      plan: { sticky: [], reapply: [id] },
    },
    { name: 'nothing told', entry: live, told: [], sticky: false, plan: { sticky: [], reapply: [id] } },
    {
      name: 'visibility says it expired, the grant says early',
      entry: run({ id, status: 'COMPLETED', state: 'revoked', closedAt: at(-2), memo: { endCause: 'expired' } }),
      told: [{ id, at: at(-1) }],
      sticky: true,
      plan: { sticky: [id], start: [] },
    },
    { name: 'a grant the ledger lacks is left to the next pass', told: [{ id, at: at(-1) }], sticky: false, plan: { start: [aliceSpec] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const before = c.entry ? ledger(c.entry) : ledger();
      const told = withEndedEarly(before, c.told);
      assert.equal(isSticky(told.get(id)), c.sticky, 'sticky');
      if (c.sticky) assert.deepEqual([told.get(id)!.closedAt, earlyAt(told.get(id)!)], [c.told[0]!.at, c.told[0]!.at], 'the moment it was told');
      assert.equal(before.get(id), c.entry, 'the ledger read from visibility is left as it was');
      const plan = planPass({
        desired: desiredOf(alice),
        ledger: told,
        nowMs: NOW,
        maxTemporaryDays: 6,
        decidedAtMs: Date.parse(at(-100)),
        retentionMs: RETENTION,
      });
      for (const [key, value] of Object.entries(c.plan)) assert.deepEqual(plan[key as keyof PassPlan], value, key);
    });
  }

  it('keeps the record of a run that is already sticky (its original moment and who revoked it)', () => {
    const entry = run({ id, status: 'COMPLETED', state: 'revoked', closedAt: at(-5), memo: { endCause: 'early', endedBy: 'ops' } });
    const told = withEndedEarly(ledger(entry), [{ id, at: at(-1) }]);
    assert.equal(told.get(id), entry);
  });
});

// The edge cases below write times in whole seconds (as grant ids carry them), name a run `<id>#run`
// (keeping the spec it was started from out of the entry), and pass a submission decided 100 hours ago.
const atWhole = (hours: number) => new Date(NOW + hours * 3600_000).toISOString().replace('.000Z', 'Z');
const userId = (user: string) => `grantflow/test-team/111111111111/user/${user}/reader`;

function runOf(r: Partial<LedgerEntry> & { id: string; spec?: GrantSpec }): LedgerEntry {
  const { spec, ...rest } = r;
  return {
    runId: `${r.id}#run`,
    status: 'RUNNING',
    state: 'active',
    startedAt: atWhole(-10),
    account: '111111111111',
    environment: 'nonprod',
    ...rest,
    memo: { ...(spec ? { shape: grantShape(spec) } : {}), ...(r.memo ?? {}) },
  };
}
const pass = (over: Partial<PassInput> & Pick<PassInput, 'desired' | 'ledger'>) =>
  planPass({ nowMs: NOW, maxTemporaryDays: 6, decidedAtMs: Date.parse(atWhole(-100)), retentionMs: RETENTION, ...over });

const three = desiredOf({ permanent: ['alice', 'bob', 'carol'] });
const reversed = [...three].reverse();
const ids = three.map((g) => g.id);
const reversedIds = [...ids].reverse();
const cancelled = (id: string, closedAt: string, memo: LedgerEntry['memo'] = {}) => runOf({ id, status: 'CANCELLED', state: 'revoked', closedAt, memo });

describe('a reconcile pass lists its decisions in id order, whatever order the YAML and the ledger come in', function () {
  it('starts', () =>
    assert.deepEqual(
      pass({ desired: reversed, ledger: ledger() }).start.map((g) => g.id),
      ids,
    ));

  it('re-applies', () => {
    const plan = pass({ desired: reversed, ledger: ledger(...three.map((g) => runOf({ id: g.id, spec: g }))) });
    assert.deepEqual(plan.reapply, ids);
  });

  it('hands new specs', () => {
    const changed = [...desiredOf({ permanent: ['alice', 'bob', 'carol'] }, { reader: policy([READ_ONLY, VIEW_ONLY]) })].reverse();
    const plan = pass({ desired: changed, ledger: ledger(...three.map((g) => runOf({ id: g.id, spec: g }))) });
    assert.deepEqual(
      plan.respec.map((g) => g.id),
      ids,
    );
  });

  it('leaves revoked', () => {
    const plan = pass({ desired: reversed, ledger: ledger(...reversedIds.map((id) => cancelled(id, atWhole(-1)))) });
    assert.deepEqual(plan.sticky, ids);
  });

  it('revokes, those beyond the limit and those removed together', () => {
    const zed = desiredOf({ temporary: [['zed', atWhole(24 * 3)]] })[0]!;
    const plan = pass({
      desired: [zed],
      maxTemporaryDays: 1,
      ledger: ledger(runOf({ id: zed.id, spec: zed }), runOf({ id: userId('aaron'), spec: zed })),
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
    const plan = pass({ desired: three, ledger: ledger(...reversedIds.map((id) => runOf({ id, status: 'TERMINATED', closedAt: atWhole(-1) }))) });
    assert.deepEqual(
      plan.cleanup.map((c) => c.entry.id),
      ids,
    );
  });

  it('writes records, reaffirmations and lifts together', () => {
    const old = new Date(NOW - RETENTION + REAFFIRM_MARGIN_MS - 60_000).toISOString();
    const zed = desiredOf({ permanent: ['zed'] })[0]!;
    const plan = pass({ desired: [zed], ledger: ledger(cancelled(zed.id, old), cancelled(userId('aaron'), atWhole(-1))) });
    assert.deepEqual(
      plan.records.map((r) => [r.id, r.kind]),
      [
        [userId('aaron'), 'lifted'],
        [zed.id, 'reaffirmed'],
      ],
    );
  });

  it('a running grant with two new expiries is replaced by the earlier id; the other only starts', () => {
    const bob10 = desiredOf({ temporary: [['bob', atWhole(10)]] })[0]!;
    const newer = desiredOf({
      temporary: [
        ['bob', atWhole(30)],
        ['bob', atWhole(20)],
      ],
    });
    const sorted = newer.map((g) => g.id).sort();
    const plan = pass({ desired: [...newer].sort((a, b) => (a.id < b.id ? 1 : -1)), ledger: ledger(runOf({ id: bob10.id, spec: bob10 })) });
    assert.deepEqual(plan.replace, [{ from: bob10.id, to: sorted[0] }]);
    assert.deepEqual(plan.revoke, []);
  });
});

describe('an early revoke of the same access against the submission', function () {
  const bob10 = desiredOf({ temporary: [['bob', atWhole(10)]] })[0]!;
  const bob20 = desiredOf({ temporary: [['bob', atWhole(20)]] });

  it('revoked at the very moment the submission arrived: the operator wins, the replacement stays revoked', () => {
    const plan = pass({ desired: bob20, ledger: ledger(cancelled(bob10.id, atWhole(-2), { endedBy: 'ops' })), decidedAtMs: Date.parse(atWhole(-2)) });
    assert.deepEqual(plan.start, []);
    assert.deepEqual(plan.sticky, [bob20[0]!.id]);
    assert.deepEqual(
      plan.records.filter((r) => r.kind !== 'lifted').map((r) => [r.id, r.kind, r.at, r.by, r.reason]),
      [[bob20[0]!.id, 'succession', atWhole(-2), 'ops', `${bob10.id}, which it replaces, was revoked early by ops`]],
    );
  });

  it('a revoke nobody signed says so without a name', () => {
    const plan = pass({ desired: bob20, ledger: ledger(cancelled(bob10.id, atWhole(-1))), decidedAtMs: Date.parse(atWhole(-2)) });
    assert.deepEqual(
      plan.records.filter((r) => r.kind !== 'lifted').map((r) => [r.reason, 'by' in r]),
      [[`${bob10.id}, which it replaces, was revoked early`, false]],
    );
  });

  it('a running replacement of a grant revoked early since it was decided: revoked, naming who', () => {
    const plan = pass({
      desired: bob20,
      ledger: ledger(cancelled(bob10.id, atWhole(-1), { endedBy: 'ops' }), runOf({ id: bob20[0]!.id, spec: bob20[0]!, memo: { decidedAt: atWhole(-3) } })),
    });
    assert.deepEqual(plan.revoke, [{ id: bob20[0]!.id, cause: 'early', reason: `${bob10.id}, which it replaces, was revoked early by ops` }]);
  });

  it('the same grant in another case, revoked early before the submission: still left revoked, and recorded as such', () => {
    const alice = desiredOf({ permanent: ['alice'] });
    const plan = pass({
      desired: alice,
      // The old spelling sorts before the current id, whose own run ended normally: both are remembered.
      ledger: ledger(
        cancelled(userId('Alice'), atWhole(-5), { endedBy: 'ops' }),
        runOf({ id: alice[0]!.id, status: 'COMPLETED', state: 'revoked', closedAt: atWhole(-6), memo: { endCause: 'expired' } }),
      ),
      decidedAtMs: Date.parse(atWhole(-1)),
    });
    assert.deepEqual(plan.start, []);
    assert.deepEqual(plan.sticky, [alice[0]!.id]);
    assert.deepEqual(
      plan.records.filter((r) => r.kind !== 'lifted').map((r) => [r.kind, r.at, r.by, r.reason]),
      [['succession', atWhole(-5), 'ops', `${userId('Alice')}, the same grant written in another case, was revoked early by ops`]],
    );
  });

  it('another spelling that ended normally does not keep the grant revoked', () => {
    const alice = desiredOf({ permanent: ['alice'] });
    const plan = pass({
      desired: alice,
      ledger: ledger(runOf({ id: userId('Alice'), status: 'COMPLETED', state: 'revoked', closedAt: atWhole(-5), memo: { endCause: 'expired' } })),
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
    const record = { record: 'reaffirmed' as const, endCause: 'early' as const, recordedAt: atWhole(-24 * 30) };
    const plan = pass({
      desired: alice,
      ledger: ledger(runOf({ id, status: 'COMPLETED', state: 'revoked', startedAt: atWhole(-24), closedAt: atWhole(-24), memo: record })),
    });
    assert.deepEqual(plan.sticky, [id]);
    assert.deepEqual(plan.records, []);
  });

  it('a record that closed just inside the margin is written again, still carrying the original moment', () => {
    const closedAt = new Date(boundary - 1000).toISOString();
    const record = { record: 'reaffirmed' as const, endCause: 'early' as const, recordedAt: atWhole(-24 * 30), endedBy: 'ops' };
    const plan = pass({ desired: alice, ledger: ledger(runOf({ id, status: 'COMPLETED', state: 'revoked', startedAt: closedAt, closedAt, memo: record })) });
    assert.deepEqual(
      plan.records.map((r) => [r.kind, r.at, r.by]),
      [['reaffirmed', atWhole(-24 * 30), 'ops']],
    );
  });

  it('a retention shorter than the margin: reaffirmed once half the retention has passed, not on every pass', () => {
    const retentionMs = 86_400_000;
    const due = (hoursAgo: number) => pass({ desired: alice, retentionMs, ledger: ledger(cancelled(id, atWhole(-hoursAgo))) }).records.length;
    assert.deepEqual([due(1), due(11), due(12.5), due(20)], [0, 0, 1, 1]);
  });

  it('a Terminate long ago is cleaned up and recorded by the clean-up, not reaffirmed', () => {
    const plan = pass({ desired: alice, ledger: ledger(runOf({ id, status: 'TERMINATED', closedAt: new Date(boundary - 86_400_000).toISOString() })) });
    assert.deepEqual(plan.records, []);
    assert.deepEqual(
      plan.cleanup.map((c) => [c.entry.id, c.record]),
      [[id, 'early']],
    );
  });

  it('lifts the revoke of an entry that left the YAML, at the moment of the pass, saying why', () => {
    const plan = pass({ desired: [], ledger: ledger(cancelled(id, atWhole(-1))) });
    assert.deepEqual(
      plan.records.map((r) => [r.id, r.kind, r.cause, r.at, r.reason]),
      [[id, 'lifted', 'lifted', new Date(NOW).toISOString(), 'its entry left the YAML']],
    );
  });

  it('a crashed run no longer in the YAML is cleaned up and lifted; one still wanted is cleaned up and started', () => {
    const bob = desiredOf({ permanent: ['bob'] });
    const plan = pass({
      desired: bob,
      ledger: ledger(runOf({ id, status: 'FAILED', closedAt: atWhole(-1) }), runOf({ id: bob[0]!.id, status: 'FAILED', closedAt: atWhole(-1) })),
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
    { name: 'pending, its start ahead', state: { state: 'pending', startsAt: atWhole(1) }, expect: 'notYet' },
    { name: 'pending, starting this very moment', state: { state: 'pending', startsAt: new Date(NOW).toISOString() }, expect: 'pending' },
    { name: 'pending, its start passed', state: { state: 'pending', startsAt: atWhole(-1) }, expect: 'pending' },
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
  const [temporary] = desiredOf({ temporary: [['alice', atWhole(5)]] });
  const [permanent] = desiredOf({ permanent: ['alice'] });
  const [bob] = desiredOf({ permanent: ['bob'] });
  const holding = (spec: GrantSpec, memo: LedgerEntry['memo'] = {}) =>
    runOf({
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
    runOf({ id: spec.id, spec, memo: { principalType: 'user', principalName: spec.principal, attachedArns: [...spec.managedPolicyArns], ...memo } });
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
      runs: [holding(temporary!), runOf({ id: permanent!.id, state: 'revoking', memo: { endCause: 'removed' } })],
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
        runOf({
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
      runs: [runOf({ id: alice!.id, status: 'TERMINATED', startedAt: iso(T0 - 20 * DAY), closedAt: iso(T0) })],
    },
    {
      name: 'revoked early under another spelling of its principal (a succession record)',
      runs: [runOf({ id: oldSpelling, status: 'CANCELLED', state: 'revoked', startedAt: iso(T0 - 20 * DAY), closedAt: iso(T0), memo: { endedBy: 'ops' } })],
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

describe('a reconcile pass and the break-glass grants the YAML does not record', function () {
  const rules = { 'on-call': breakGlassRule({ requesters: ['bob'] }) };
  const bgSpec = bob10Spec;
  const mark = {
    request: 'grantflow-request/test-team/abcdefghij',
    rule: 'on-call',
    requestedBy: 'bob',
    approvers: ['carol'],
    approvedAt: at(-1),
    ratifyBy: at(71),
  };
  const bg = (extra: Run = { id: bgSpec.id }) => run({ spec: bgSpec, ...extra, memo: { principalName: 'bob', breakGlass: mark, ...(extra.memo ?? {}) } });
  const decide = (ledgerMap: Map<string, LedgerEntry>, breakGlass: PassInput['breakGlass'], desired: GrantSpec[] = desiredOf(alice)) =>
    planPass({ desired, ledger: ledgerMap, nowMs: NOW, maxTemporaryDays: 6, decidedAtMs: NOW, retentionMs: RETENTION, ...(breakGlass ? { breakGlass } : {}) });

  it('keeps (and re-applies) a running one while its rule still names its user, environment and policy: an interval pass does not revoke it', () => {
    const plan = decide(ledger(bg()), rules);
    assert.deepEqual(plan.breakGlass, [bgSpec.id]);
    assert.deepEqual(plan.revoke, []);
  });

  it('revokes it once a submission removes its rule, or the rule no longer names its user', () => {
    for (const breakGlass of [{}, { 'on-call': breakGlassRule({ requesters: ['carol'] }) }, undefined] as PassInput['breakGlass'][]) {
      const plan = decide(ledger(bg()), breakGlass);
      assert.deepEqual(plan.breakGlass, []);
      assert.deepEqual(plan.revoke, [{ id: bgSpec.id, cause: 'removed', reason: 'its break-glass rule on-call was removed or no longer covers it' }]);
    }
  });

  it('treats it as any grant once its entry is in the YAML: re-applied as kept, however the rule stands', () => {
    const plan = decide(ledger(bg()), {}, [bgSpec]);
    assert.deepEqual(plan.reapply, [bgSpec.id]);
    assert.deepEqual([plan.breakGlass, plan.revoke, plan.start], [[], [], []]);
  });

  it('leaves one an operator revoked early revoked: no record lifts it, so a later entry for it stays sticky', () => {
    const early = bg({ id: bgSpec.id, status: 'CANCELLED', state: 'revoked', closedAt: at(-0.5) });
    assert.deepEqual(decide(ledger(early), rules).records, []);
    assert.deepEqual(decide(ledger(early), rules, [bgSpec]).sticky, [bgSpec.id]);
  });

  it('does not keep a grant that merely claims a rule in its memo when no such rule exists', () => {
    const claimed = bg({ id: bgSpec.id, memo: { breakGlass: { ...mark, rule: 'made-up' } } });
    assert.deepEqual(
      decide(ledger(claimed), rules).revoke.map((r) => r.id),
      [bgSpec.id],
    );
  });
});
