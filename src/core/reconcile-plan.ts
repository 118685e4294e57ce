// What one reconcile pass does, decided from the desired grants (the YAML, expanded) and the ledger
// (what Temporal remembers of the team's grant workflows): start, re-apply, hand a new spec, replace,
// revoke, leave revoked, clean up after runs killed from outside, and the records to write so that
// visibility keeps remembering what it would otherwise forget. The reconcile pass acts on it and
// `plan` shows it, so the two cannot disagree. Pure.
import { ruleAdmits } from './break-glass';
import type { GrantSpec } from './grant';
import { attachedArns, grantShape } from './grant-derived';
import { grantWorkflowId, parseGrantWorkflowId, replacementKey } from './ids';
import { decidedAt, earlyAt, ending, isSticky, retainedSince, type LedgerEntry, type RecordKind } from './ledger';
import type { BreakGlassRule } from './team-config';
import { DAY_MS } from './time';

export type RevokeCause = 'removed' | 'superseded' | 'beyond-limit' | 'early';

export interface RevokeDecision {
  id: string;
  cause: RevokeCause;
  reason: string;
}

/** A record run to write for a grant whose own run cannot say (or will soon not say) how it stands. */
export interface RecordDecision {
  id: string;
  kind: RecordKind;
  /** `early` keeps the grant revoked early; `lifted` ends that. */
  cause: 'early' | 'lifted';
  /** When what it records happened: an early revoke keeps its original moment. */
  at: string;
  reason: string;
  by?: string;
  /** The ledger entry it stands for, or the desired spec: where account, environment and principal come from. */
  from: LedgerEntry | GrantSpec;
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
  /**
   * Runs killed from outside (Terminate) or crashed: whatever they held is removed, then a record
   * says so (`early` keeps a terminated grant revoked; `lifted` closes the matter for one no longer
   * in the YAML); a crashed grant still wanted is simply started again.
   */
  cleanup: { entry: LedgerEntry; record?: 'early' | 'lifted' }[];
  /** Desired, but the previous run is still revoking (not early): started once it has closed. */
  waiting: string[];
  /**
   * Grants this pass revokes that hold a policy a grant it starts (now, or once the grant's previous
   * run has closed) or hands a new spec attaches to the same principal: those go first. A revoke reads
   * the principal's other holders before it detaches, so one that read them before the new grant
   * existed would detach what the new grant found attached and took as held.
   */
  revokeFirst: string[];
  /** Desired temporary grants beyond max_temporary_days: not started. */
  beyondLimit: string[];
  records: RecordDecision[];
  /**
   * Running break-glass grants the YAML does not (yet) record, whose rule still lets them stand:
   * kept and re-applied; each goes at its expiry, by an operator, or when its rule goes.
   */
  breakGlass: string[];
}

export interface PassInput {
  desired: readonly GrantSpec[];
  ledger: ReadonlyMap<string, LedgerEntry>;
  nowMs: number;
  /** The effective limit: the team's setting, capped by the worker's ceiling. */
  maxTemporaryDays: number;
  /**
   * When the reconcile workflow received the submission being applied. An operator's early revoke of
   * a grant after that moment wins over the replacement the submission asks for: the two raced, and
   * the operator's word is the newer. (A revoke before it is the past the submission already knew of:
   * a changed expiry is a new entry, and is granted.)
   */
  decidedAtMs: number;
  /** The namespace's retention: an early revocation whose latest run closed longer ago than retention minus a margin is reaffirmed. */
  retentionMs: number;
  /** The config's break-glass rules: a running break-glass grant stands while its rule does. */
  breakGlass?: Readonly<Record<string, BreakGlassRule>>;
}

/** Account, principal (IAM names are case-insensitive) and policy ARN: one attachment in IAM. */
const attachmentKey = (account: string, principalType: string, principal: string, arn: string) =>
  `${account}\n${principalType}\n${principal.toLowerCase()}\n${arn}`;

/** The revoked runs that hold an attachment one of `grants` also makes, by id. */
export function revokesOverlapping(revoked: readonly LedgerEntry[], grants: readonly GrantSpec[]): string[] {
  const wanted = new Set(grants.flatMap((g) => attachedArns(g).map((arn) => attachmentKey(g.account, g.principalType, g.principal, arn))));
  return revoked
    .filter((entry) => {
      const key = parseGrantWorkflowId(entry.id);
      const principalType = entry.memo.principalType ?? key?.principalType;
      const principal = entry.memo.principalName ?? key?.principal;
      if (!principalType || !principal) return false;
      return (entry.memo.attachedArns ?? []).some((arn) => wanted.has(attachmentKey(entry.account, principalType, principal, arn)));
    })
    .map((entry) => entry.id)
    .sort(byId);
}

/** How long before a closed run leaves visibility its early revocation is written again (at most half the retention). */
export const REAFFIRM_MARGIN_MS = 2 * DAY_MS;

const ms = (iso: string | undefined) => (iso === undefined ? NaN : Date.parse(iso));

/**
 * Whether a grant's early revocation must be written again: its latest run (the revoke itself, or the
 * record that last wrote it) closed more than the retention minus the margin ago, and will soon leave
 * visibility. What counts is when that run closed, not the moment it records (a record keeps the
 * revoke's original moment, which would make every later record due at once): so a grant gets one
 * record per retention minus the margin, however often the passes run. The margin is at most half
 * the retention, so a short retention gets two records per retention period, not one per pass.
 */
export function reaffirmDue(entry: LedgerEntry, nowMs: number, retentionMs: number): boolean {
  const margin = Math.min(REAFFIRM_MARGIN_MS, retentionMs / 2);
  return ms(retainedSince(entry)) < nowMs - retentionMs + margin;
}
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The id with its principal in IAM's case-insensitive form: ids of one grant spelt differently meet here. */
function caselessId(id: string): string {
  const key = parseGrantWorkflowId(id);
  return key ? grantWorkflowId(key) : id;
}

export function planPass(input: PassInput): PassPlan {
  const { ledger, nowMs } = input;
  const plan: PassPlan = {
    start: [],
    reapply: [],
    respec: [],
    replace: [],
    revoke: [],
    sticky: [],
    cleanup: [],
    waiting: [],
    revokeFirst: [],
    beyondLimit: [],
    records: [],
    breakGlass: [],
  };
  const desired = new Map(input.desired.map((g) => [g.id, g]));
  const limitMs = nowMs + input.maxTemporaryDays * DAY_MS;
  const beyond = (expiresAt: string | undefined) => expiresAt !== undefined && ms(expiresAt) > limitMs;
  const entries = [...ledger.values()].sort((a, b) => byId(a.id, b.id));

  // Other runs of the same access (same key: a new expiry, or the principal spelt in another case).
  const byKey = new Map<string, LedgerEntry[]>();
  const byCaseless = new Map<string, LedgerEntry[]>();
  for (const entry of entries) {
    const key = replacementKey(entry.id);
    if (key) byKey.set(key, [...(byKey.get(key) ?? []), entry]);
    byCaseless.set(caselessId(entry.id), [...(byCaseless.get(caselessId(entry.id)) ?? []), entry]);
  }
  const siblings = (id: string) => (byKey.get(replacementKey(id) ?? '') ?? []).filter((e) => e.id !== id);
  /** An early revoke of the same access at or after `sinceMs`: it outranks what the YAML asks. */
  const revokedEarlySince = (id: string, sinceMs: number) => siblings(id).find((e) => ms(earlyAt(e)) >= sinceMs);
  /** The same grant under another spelling of its principal, revoked early (ids before case-insensitive names). */
  const stickyVariant = (id: string) => (byCaseless.get(caselessId(id)) ?? []).find((e) => e.id !== id && isSticky(e));

  const succession = (grant: GrantSpec, predecessor: LedgerEntry, why: string): RecordDecision => ({
    id: grant.id,
    kind: 'succession',
    cause: 'early',
    at: earlyAt(predecessor)!,
    reason: `${predecessor.id}, ${why}, was revoked early${predecessor.memo.endedBy ? ` by ${predecessor.memo.endedBy}` : ''}`,
    ...(predecessor.memo.endedBy ? { by: predecessor.memo.endedBy } : {}),
    from: grant,
  });

  const startable = new Set<string>();
  for (const grant of input.desired) {
    const entry = ledger.get(grant.id);
    const how = entry ? ending(entry) : undefined;
    if (how === 'live') {
      const predecessor = revokedEarlySince(grant.id, ms(decidedAt(entry!)));
      if (predecessor) {
        plan.revoke.push({
          id: grant.id,
          cause: 'early',
          reason: `${predecessor.id}, which it replaces, was revoked early${predecessor.memo.endedBy ? ` by ${predecessor.memo.endedBy}` : ''}`,
        });
      } else if (beyond(grant.expiresAt)) {
        plan.revoke.push({ id: grant.id, cause: 'beyond-limit', reason: `expires beyond max_temporary_days (${input.maxTemporaryDays})` });
      } else if (entry!.memo.shape !== grantShape(grant)) {
        plan.respec.push(grant);
        startable.add(grant.id);
      } else {
        plan.reapply.push(grant.id);
        startable.add(grant.id);
      }
      continue;
    }
    if (isSticky(entry)) {
      plan.sticky.push(grant.id);
      if (how === 'early' && reaffirmDue(entry!, nowMs, input.retentionMs)) {
        plan.records.push({
          id: grant.id,
          kind: 'reaffirmed',
          cause: 'early',
          at: earlyAt(entry!)!,
          reason: entry!.memo.endReason ?? 'revoked early',
          ...(entry!.memo.endedBy ? { by: entry!.memo.endedBy } : {}),
          from: entry!,
        });
      }
      continue;
    }
    if (how === 'ending') {
      plan.waiting.push(grant.id);
      continue;
    }
    const variant = stickyVariant(grant.id);
    const predecessor = variant ? undefined : revokedEarlySince(grant.id, input.decidedAtMs);
    if (variant || predecessor) {
      plan.sticky.push(grant.id);
      plan.records.push(succession(grant, (variant ?? predecessor)!, variant ? 'the same grant written in another case' : 'which it replaces'));
    } else if (beyond(grant.expiresAt)) {
      plan.beyondLimit.push(grant.id);
    } else {
      plan.start.push(grant);
      startable.add(grant.id);
    }
  }

  planUndesired(plan, { entries, desired, startable, nowMs, rules: input.breakGlass ?? {} });
  // Every grant this pass attaches for: started now, handed a new spec, or started once its previous run has closed.
  plan.revokeFirst = revokesOverlapping(
    plan.revoke.map((r) => ledger.get(r.id)).filter((e): e is LedgerEntry => e !== undefined),
    [...plan.start, ...plan.respec, ...plan.waiting.map((id) => desired.get(id)!)],
  );
  sortPlan(plan);
  return plan;
}

/**
 * What the ledger holds that the YAML no longer names: a running grant whose access a desired grant
 * carries on is replaced, any other is revoked; a Terminate's or a crash's leftovers are cleaned up;
 * an early revoke whose entry left the YAML is lifted.
 */
function planUndesired(
  plan: PassPlan,
  input: {
    entries: readonly LedgerEntry[];
    desired: ReadonlyMap<string, GrantSpec>;
    startable: ReadonlySet<string>;
    nowMs: number;
    rules: Readonly<Record<string, BreakGlassRule>>;
  },
): void {
  const { entries, desired } = input;
  const successors = new Map<string, string[]>();
  for (const id of [...input.startable].sort(byId)) {
    const key = replacementKey(id)!;
    successors.set(key, [...(successors.get(key) ?? []), id]);
  }
  const taken = new Set<string>();
  for (const entry of entries) {
    const how = ending(entry);
    // A Terminate's leftovers go; the clean-up's record then keeps the grant revoked early (or lifts it).
    if (how === 'abandoned') plan.cleanup.push({ entry, record: desired.has(entry.id) ? 'early' : 'lifted' });
    if (how === 'crashed') plan.cleanup.push({ entry, ...(desired.has(entry.id) ? {} : { record: 'lifted' as const }) });
    if (desired.has(entry.id)) continue;
    if (how === 'live') {
      const successor = (successors.get(replacementKey(entry.id) ?? '') ?? []).find((id) => !taken.has(id));
      const bg = entry.memo.breakGlass;
      if (successor) {
        taken.add(successor);
        plan.replace.push({ from: entry.id, to: successor });
      } else if (bg && breakGlassStands(entry, input.rules)) {
        plan.breakGlass.push(entry.id);
      } else {
        const reason = bg ? `its break-glass rule ${bg.rule} was removed or no longer covers it` : 'removed from the YAML';
        plan.revoke.push({ id: entry.id, cause: 'removed', reason });
      }
    } else if (how === 'early' && !entry.memo.breakGlass) {
      // Its entry left the YAML: the early revocation ends with it. (A break-glass grant revoked early
      // had no entry to leave: it stays revoked, even should an entry recording it come later.)
      plan.records.push({
        id: entry.id,
        kind: 'lifted',
        cause: 'lifted',
        at: new Date(input.nowMs).toISOString(),
        reason: 'its entry left the YAML',
        from: entry,
      });
    }
  }
}

/** Whether a break-glass grant's rule (by the name its memo gives) still lets it stand. */
function breakGlassStands(entry: LedgerEntry, rules: Readonly<Record<string, BreakGlassRule>>): boolean {
  const name = entry.memo.breakGlass!.rule;
  const key = parseGrantWorkflowId(entry.id);
  if (!key) return false;
  const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
  return ruleAdmits(rule, { principal: entry.memo.principalName ?? key.principal, environment: entry.environment, policy: key.policy });
}

/** The plan's lists in id order, whatever order the YAML and the ledger came in. */
function sortPlan(plan: PassPlan): void {
  plan.start.sort((a, b) => byId(a.id, b.id));
  plan.respec.sort((a, b) => byId(a.id, b.id));
  plan.reapply.sort(byId);
  plan.revoke.sort((a, b) => byId(a.id, b.id));
  plan.sticky.sort(byId);
  plan.replace.sort((a, b) => byId(a.from, b.from));
  plan.records.sort((a, b) => byId(a.id, b.id));
  plan.breakGlass.sort(byId);
}

/** Which replacements can go ahead now: their new grant is active. The others wait (and say why). */
export function readyReplacements(
  pairs: readonly { from: string; to: string }[],
  states: ReadonlyMap<string, { state: string; startsAt?: string } | undefined>,
  nowMs: number,
): { ready: { from: string; to: string }[]; notYet: string[]; pending: string[] } {
  const result = { ready: [] as { from: string; to: string }[], notYet: [] as string[], pending: [] as string[] };
  for (const pair of pairs) {
    const state = states.get(pair.to);
    if (state?.state === 'active') result.ready.push(pair);
    // Not startable yet (start_date ahead), or ended without becoming active: no use waiting for it now.
    else if (!state || state.state === 'revoked' || state.state === 'failed' || (state.startsAt && Date.parse(state.startsAt) > nowMs))
      result.notYet.push(pair.to);
    else result.pending.push(pair.to);
  }
  return result;
}
