// The reconcile pass's decisions and the stickiness rule, table-driven: what to start, re-apply, hand a
// new spec, replace, revoke, leave revoked, lift and clean up, from the desired grants and the ledger
// alone, so a reconcile workflow with no memory decides as one with all of it.
import assert from 'node:assert/strict';
import type { GrantSpec } from '../../src/core/grant';
import { grantShape } from '../../src/core/grant-derived';
import { emptyFacts, ending, isSticky, mergeFacts, type LedgerEntry, type TeamFacts } from '../../src/core/ledger';
import { factsAfter, planPass, type PassPlan } from '../../src/core/reconcile-plan';
import { grantsOf, policy, READ_ONLY, team, VIEW_ONLY } from '../harness/team';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const at = (hours: number) => new Date(NOW + hours * 3600_000).toISOString();

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
  facts?: TeamFacts;
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
  { name: 'nothing runs: everything is started', desired: desiredOf(alice), ledger: ledger(), expect: { start: desiredOf(alice), reapply: [], revoke: [] } },
  { name: 'running with the same spec: re-applied', desired: desiredOf(alice), ledger: ledger(run({ id: aliceSpec.id, spec: aliceSpec })), expect: { start: [], reapply: [aliceSpec.id], respec: [] } },
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
    expect: { start: [], sticky: [aliceSpec.id] },
  },
  {
    name: 'revoked early by an earlier release (revokedEarly memo): left revoked',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-1), memo: { revokedEarly: true } })),
    expect: { sticky: [aliceSpec.id] },
  },
  {
    name: 'cancelled in the UI: left revoked',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'CANCELLED', state: 'revoked', closedAt: at(-1) })),
    expect: { sticky: [aliceSpec.id], cleanup: [] },
  },
  {
    name: 'terminated: left revoked, and what it held is cleaned up',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'TERMINATED', closedAt: at(-1) })),
    expect: { sticky: [aliceSpec.id], start: [] },
  },
  {
    name: 'terminated and already cleaned: not cleaned again',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'TERMINATED', closedAt: at(-1), runId: 'r1' })),
    facts: { ...emptyFacts(), cleaned: { [aliceSpec.id]: 'r1' } },
    expect: { sticky: [aliceSpec.id], cleanup: [] },
  },
  {
    name: 'crashed (failed workflow): cleaned up and started again, not sticky',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'FAILED', closedAt: at(-1) })),
    expect: { sticky: [], start: desiredOf(alice) },
  },
  {
    name: 'ended by grantflow (expired, removed, failed apply): started again',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'COMPLETED', state: 'failed', closedAt: at(-1), memo: { endCause: 'failed' } })),
    expect: { start: desiredOf(alice), sticky: [] },
  },
  {
    name: 'revoked early, then its entry left the YAML: stickiness lifted',
    desired: [],
    ledger: ledger(run({ id: aliceSpec.id, status: 'CANCELLED', closedAt: at(-1) })),
    expect: { lift: [aliceSpec.id], revoke: [] },
  },
  {
    name: 'revoked early, lifted since, and back in the YAML: granted',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, status: 'CANCELLED', closedAt: at(-2) })),
    facts: { ...emptyFacts(), lifted: { [aliceSpec.id]: at(-1) } },
    expect: { start: desiredOf(alice), sticky: [] },
  },
  {
    name: 'revoked early past retention (only the facts remember): left revoked',
    desired: desiredOf(alice),
    ledger: ledger(),
    facts: { ...emptyFacts(), sticky: { [aliceSpec.id]: at(-24 * 30) } },
    expect: { start: [], sticky: [aliceSpec.id] },
  },
  {
    name: 'remembered past retention, and its entry left the YAML: lifted',
    desired: [],
    ledger: ledger(),
    facts: { ...emptyFacts(), sticky: { [aliceSpec.id]: at(-24 * 30) } },
    expect: { lift: [aliceSpec.id] },
  },
  {
    name: 'still revoking from an earlier removal: waits, then starts',
    desired: desiredOf(alice),
    ledger: ledger(run({ id: aliceSpec.id, state: 'revoking' })),
    expect: { waiting: [aliceSpec.id], start: [], revoke: [] },
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
    expect: { start: desiredOf(alice), replace: [], revoke: [{ id: idOf({ temporary: [['alice', at(10)]] }), cause: 'removed', reason: 'removed from the YAML' }] },
  },
  {
    name: 'the old grant was revoked early after the YAML was decided: the replacement is not granted',
    desired: desiredOf(bob20),
    ledger: ledger(run({ id: bob10Spec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-1), memo: { endCause: 'early' } })),
    decidedAt: at(-5),
    expect: { start: [], sticky: [idOf(bob20)], lift: [bob10Spec.id] },
  },
  {
    name: 'the old grant was revoked early before the YAML was decided: the replacement is granted',
    desired: desiredOf(bob20),
    ledger: ledger(run({ id: bob10Spec.id, status: 'COMPLETED', state: 'revoked', closedAt: at(-5), memo: { endCause: 'early' } })),
    decidedAt: at(-1),
    expect: { start: desiredOf(bob20), sticky: [] },
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
        facts: c.facts ?? emptyFacts(),
        nowMs: NOW,
        maxTemporaryDays: c.maxDays ?? 6,
        decidedAtMs: Date.parse(c.decidedAt ?? at(-100)),
      });
      for (const [key, value] of Object.entries(c.expect)) {
        const actual = plan[key as keyof PassPlan];
        if (key === 'cleanup') assert.deepEqual((actual as LedgerEntry[]).map((e) => e.id), value, key);
        else assert.deepEqual(actual, value, key);
      }
    });
  }

  it('cleans up after every terminated run it has not cleaned yet, desired or not', () => {
    const plan = planPass({
      desired: desiredOf(alice),
      ledger: ledger(run({ id: aliceSpec.id, status: 'TERMINATED', closedAt: at(-1) }), run({ id: bob10Spec.id, status: 'TIMED_OUT', closedAt: at(-1) })),
      facts: emptyFacts(),
      nowMs: NOW,
      maxTemporaryDays: 6,
      decidedAtMs: NOW,
    });
    assert.deepEqual(plan.cleanup.map((e) => e.id).sort(), [aliceSpec.id, bob10Spec.id].sort());
  });
});

describe('stickiness', function () {
  const id = aliceSpec.id;
  const cases: { name: string; entry?: LedgerEntry; facts?: Partial<TeamFacts>; sticky: boolean }[] = [
    { name: 'never ran', sticky: false },
    { name: 'running', entry: run({ id }), sticky: false },
    { name: 'expired', entry: run({ id, status: 'COMPLETED', closedAt: at(-1), memo: { endCause: 'expired' } }), sticky: false },
    { name: 'revoked early', entry: run({ id, status: 'COMPLETED', closedAt: at(-1), memo: { endCause: 'early' } }), sticky: true },
    { name: 'terminated', entry: run({ id, status: 'TERMINATED', closedAt: at(-1) }), sticky: true },
    { name: 'revoked early, lifted after', entry: run({ id, status: 'CANCELLED', closedAt: at(-2) }), facts: { lifted: { [id]: at(-1) } }, sticky: false },
    { name: 'lifted, then revoked early again', entry: run({ id, status: 'CANCELLED', closedAt: at(-1) }), facts: { lifted: { [id]: at(-2) } }, sticky: true },
    { name: 'remembered, restored since (a newer run)', entry: run({ id, startedAt: at(-1) }), facts: { sticky: { [id]: at(-3) } }, sticky: false },
    { name: 'remembered, its run out of retention', facts: { sticky: { [id]: at(-3) } }, sticky: true },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(isSticky(id, c.entry, mergeFacts(c.facts ?? {})), c.sticky));
  }

  it('reads how a run ended from its status and memo', () => {
    assert.equal(ending(run({ id, state: 'pending' })), 'live');
    assert.equal(ending(run({ id, state: 'revoking' })), 'ending');
    assert.equal(ending(run({ id, status: 'FAILED' })), 'crashed');
    assert.equal(ending(run({ id, status: 'COMPLETED', memo: { endCause: 'superseded' } })), 'ended');
  });

  it('merges facts from several reconcile runs: per id, the latest wins', () => {
    const merged = mergeFacts({ sticky: { a: at(-3) }, lifted: { a: at(-4) } }, { sticky: { a: at(-5) }, lifted: { a: at(-2) }, cleaned: { b: 'r' } });
    assert.deepEqual(merged, { sticky: { a: at(-3) }, lifted: { a: at(-2) }, cleaned: { b: 'r' } });
  });

  it('remembers early revocations after a pass and forgets the lifted ones', () => {
    const entries = ledger(run({ id, status: 'CANCELLED', closedAt: at(-1) }), run({ id: bob10Spec.id, status: 'CANCELLED', closedAt: at(-1) }));
    const plan = planPass({ desired: desiredOf(alice), ledger: entries, facts: { ...emptyFacts(), sticky: { [bob10Spec.id]: at(-1) } }, nowMs: NOW, maxTemporaryDays: 6, decidedAtMs: NOW });
    assert.deepEqual(plan.sticky, [id]);
    assert.deepEqual(plan.lift, [bob10Spec.id]);
    const next = factsAfter({ ...emptyFacts(), sticky: { [bob10Spec.id]: at(-1) } }, plan, entries, at(0));
    assert.deepEqual(next.sticky, { [id]: at(-1) });
    assert.deepEqual(next.lifted, { [bob10Spec.id]: at(0) });
  });
});


