// What one reconcile pass does, decided from the desired grants (the YAML, expanded) and the ledger
// (what Temporal remembers of the team's grant workflows): start, re-apply, hand a new spec, replace,
// revoke, leave revoked, lift, and clean up after runs killed from outside. The reconcile workflow
// acts on it and `plan` shows it, so the two cannot disagree. Pure.
import type { GrantSpec } from './grant';
import { grantShape } from './grant-derived';
import { replacementKey } from './ids';
import { earlyAt, ending, isSticky, type LedgerEntry, type TeamFacts } from './ledger';
import { DAY_MS } from './time';

export type RevokeCause = 'removed' | 'superseded' | 'beyond-limit' | 'early';

export interface RevokeDecision {
  id: string;
  cause: RevokeCause;
  reason: string;
}

export interface PassPlan {
  /** Desired, not running, not sticky: grant workflows to start. */
  start: GrantSpec[];
  /** Desired and running with the same spec: re-applied (drift repair). */
  reapply: string[];
  /** Desired and running, but the policy changed under the same id: handed the new spec. */
  respec: GrantSpec[];
  /** A running grant the YAML replaced (new expiry, or its principal written in another case): revoked once `to` is active. */
  replace: { from: string; to: string }[];
  revoke: RevokeDecision[];
  /** Desired, but revoked early by an operator: left revoked until restored or re-entered. */
  sticky: string[];
  /** Sticky grants whose entry left the YAML: their stickiness ends now. */
  lift: string[];
  /** Runs killed from outside (Terminate) or crashed: whatever they held is removed. */
  cleanup: LedgerEntry[];
  /** Desired, but the previous run is still revoking: started once it has closed. */
  waiting: string[];
  /** Desired temporary grants beyond max_temporary_days: not started. */
  beyondLimit: string[];
}

export interface PassInput {
  desired: readonly GrantSpec[];
  ledger: ReadonlyMap<string, LedgerEntry>;
  facts: TeamFacts;
  nowMs: number;
  /** The effective limit: the team's setting, capped by the worker's ceiling. */
  maxTemporaryDays: number;
  /**
   * When the submission being applied was made. An operator's early revoke of a grant after that
   * moment wins over the replacement the submission asks for: the two raced, and the operator's word
   * is the newer. (A revoke before it is the past the submission already knew of: a changed expiry
   * is a new entry, and is granted.)
   */
  decidedAtMs: number;
}

const ms = (iso: string | undefined) => (iso === undefined ? NaN : Date.parse(iso));

export function planPass(input: PassInput): PassPlan {
  const { ledger, facts, nowMs } = input;
  const plan: PassPlan = { start: [], reapply: [], respec: [], replace: [], revoke: [], sticky: [], lift: [], cleanup: [], waiting: [], beyondLimit: [] };
  const desired = new Map(input.desired.map((g) => [g.id, g]));
  const limitMs = nowMs + input.maxTemporaryDays * DAY_MS;
  const beyond = (expiresAt: string | undefined) => expiresAt !== undefined && ms(expiresAt) > limitMs;

  // Every grant of the same access (same key), to see replacements and early revokes of a predecessor.
  const byKey = new Map<string, LedgerEntry[]>();
  for (const entry of ledger.values()) {
    const key = replacementKey(entry.id);
    if (key) byKey.set(key, [...(byKey.get(key) ?? []), entry]);
  }
  const siblings = (id: string) => (byKey.get(replacementKey(id) ?? '') ?? []).filter((e) => e.id !== id);
  /** A predecessor of the same access revoked early at or after `sinceMs`: the operator's word is newer. */
  const revokedEarlySince = (id: string, sinceMs: number) => siblings(id).find((e) => ms(earlyAt(e)) >= sinceMs);

  const startable = new Set<string>();
  for (const grant of input.desired) {
    const entry = ledger.get(grant.id);
    const how = entry ? ending(entry) : undefined;
    if (how === 'live') {
      const predecessor = revokedEarlySince(grant.id, ms(entry!.startedAt));
      if (predecessor) {
        plan.revoke.push({ id: grant.id, cause: 'early', reason: `${predecessor.id}, which it replaces, was revoked early${predecessor.memo.endedBy ? ` by ${predecessor.memo.endedBy}` : ''}` });
      } else if (beyond(grant.expiresAt)) {
        plan.revoke.push({ id: grant.id, cause: 'beyond-limit', reason: `expires beyond max_temporary_days (${input.maxTemporaryDays})` });
      } else if (entry!.memo.shape !== grantShape(grant)) {
        plan.respec.push(grant);
        startable.add(grant.id);
      } else {
        plan.reapply.push(grant.id);
        startable.add(grant.id);
      }
    } else if (how === 'ending') {
      plan.waiting.push(grant.id);
    } else if (isSticky(grant.id, entry, facts) || revokedEarlySince(grant.id, input.decidedAtMs)) {
      plan.sticky.push(grant.id);
    } else if (beyond(grant.expiresAt)) {
      plan.beyondLimit.push(grant.id);
    } else {
      plan.start.push(grant);
      startable.add(grant.id);
    }
  }

  // A running grant the YAML no longer names, whose access a desired grant carries on, is replaced.
  const successors = new Map<string, string[]>();
  for (const id of [...startable].sort()) {
    const key = replacementKey(id)!;
    successors.set(key, [...(successors.get(key) ?? []), id]);
  }
  const taken = new Set<string>();
  for (const entry of [...ledger.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const how = ending(entry);
    if ((how === 'abandoned' || how === 'crashed') && facts.cleaned[entry.id] !== entry.runId) plan.cleanup.push(entry);
    if (desired.has(entry.id)) continue;
    if (how === 'live') {
      const successor = (successors.get(replacementKey(entry.id) ?? '') ?? []).find((id) => !taken.has(id));
      if (successor) {
        taken.add(successor);
        plan.replace.push({ from: entry.id, to: successor });
      } else {
        plan.revoke.push({ id: entry.id, cause: 'removed', reason: 'removed from the YAML' });
      }
    } else if (isSticky(entry.id, entry, facts)) {
      plan.lift.push(entry.id);
    }
  }
  // Revocations remembered past the retention of their run, whose entry has now left the YAML.
  for (const id of Object.keys(facts.sticky)) {
    if (!desired.has(id) && !ledger.has(id) && isSticky(id, undefined, facts)) plan.lift.push(id);
  }

  const byId = (a: { id: string } | string, b: { id: string } | string) => {
    const [x, y] = [typeof a === 'string' ? a : a.id, typeof b === 'string' ? b : b.id];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  plan.start.sort(byId);
  plan.respec.sort(byId);
  plan.reapply.sort(byId);
  plan.revoke.sort(byId);
  plan.sticky.sort(byId);
  plan.lift.sort(byId);
  plan.cleanup.sort(byId);
  plan.replace.sort((a, b) => byId(a.from, b.from));
  return plan;
}

/** The facts after a pass: lifted revocations forgotten, new early revocations remembered. */
export function factsAfter(facts: TeamFacts, plan: PassPlan, ledger: ReadonlyMap<string, LedgerEntry>, nowIso: string): TeamFacts {
  const next: TeamFacts = { sticky: { ...facts.sticky }, lifted: { ...facts.lifted }, cleaned: { ...facts.cleaned } };
  for (const id of plan.lift) {
    delete next.sticky[id];
    next.lifted[id] = nowIso;
  }
  for (const id of plan.sticky) {
    const at = ledger.get(id) ? earlyAt(ledger.get(id)!) : undefined;
    if (at) next.sticky[id] = at;
  }
  // A later run (restore) supersedes what was remembered.
  for (const id of Object.keys(next.sticky)) if (ledger.has(id) && !isSticky(id, ledger.get(id), next)) delete next.sticky[id];
  return next;
}
