// The reconcile pass's decisions and the stickiness rule, table-driven: what to start, re-apply, hand a
// new spec, replace, revoke, leave revoked, clean up, and which record runs to write, from the desired
// grants and the ledger alone, so a reconcile workflow with no memory decides as one with all of it.
import assert from 'node:assert/strict';
import type { GrantSpec } from '../../src/core/grant';
import { grantShape } from '../../src/core/grant-derived';
import { earlyAt, ending, isSticky, withEndedEarly, type LedgerEntry } from '../../src/core/ledger';
import { planPass, readyReplacements, REAFFIRM_MARGIN_MS, type PassPlan } from '../../src/core/reconcile-plan';
import { grantsOf, policy, READ_ONLY, team, VIEW_ONLY } from '../harness/team';

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
