// Managed-policy attachments on users and roles, idempotent: run twice, or re-run after a crash at
// any point, each ends in the same IAM state and sends no write that is not needed.
//
// Ownership: a managed-policy attachment is grantflow's when the principal carries its mark
// (ownership-marks.ts), written before grantflow attaches a policy that was not attached already.
// Attachments without that mark were there before grantflow and are never detached. The mark is only
// a tag, which anyone allowed to tag the principal can write, so a grant's revoke goes by the grant's
// own record of what its applies attached (`owned` in releaseManaged), and an apply counts as its own
// only what it attached, or found marked while another live grant holds it.
//
// IAM has no transactions, so an attach and a concurrent release (another grant's revoke, a sweep)
// could each undo half of the other. Both sides read back after they write: the attaching side puts
// back a mark that went missing after its attach, and the releasing side puts back a mark it removed
// from a policy that is attached again. Whichever writes last sees the other's write, so an attachment
// grantflow made never ends without its mark.
import { GrantflowAwsError } from './errors';
import { allPages, call, callOrAbsent, type Target } from './iam-calls';
import { listMarkKeys, listTags, markerKey, markKeysOf, markTag, tag, untag, type MarkKeys } from './ownership-marks';
import { PRINCIPAL_CALLS, principalContext, type Principal } from './principal-calls';
import { readPrincipal, type PrincipalNeed, type PrincipalState } from './principal-reads';

export interface PrincipalAttachments {
  /** ARNs attached to the principal now. */
  attached: Set<string>;
  /** ARNs grantflow marked as its own, by their tag key. */
  marked: Map<string, string>;
}

async function listAttached(target: Target, principal: Principal): Promise<Set<string>> {
  const pages = await allPages(target, PRINCIPAL_CALLS[principal.type].listAttached(principal.name), principalContext(principal));
  return new Set(pages.flatMap((page) => (page.AttachedPolicies ?? []).map((p) => p.PolicyArn!).filter(Boolean)));
}

/** An apply's reads of its principal: shared with the account's other waiting applies when that costs fewer calls (principal-reads.ts). */
async function readForApply(target: Target, principal: Principal, need: PrincipalNeed): Promise<PrincipalState> {
  return readPrincipal(target.client, { ...principal, needs: [need] }, async () =>
    need === 'attached' ? { attached: await listAttached(target, principal) } : { tags: await listTags(target, principal) },
  );
}

export async function readAttachments(target: Target, principal: Principal): Promise<PrincipalAttachments> {
  const attached = await listAttached(target, principal);
  const { keys, byValue } = await listMarkKeys(target, principal);
  const marked = new Map(byValue);
  for (const arn of attached) if (keys.has(markerKey(arn))) marked.set(arn, markerKey(arn));
  return { attached, marked };
}

export interface AttachOutcome {
  /** Attached by this call. */
  attached: string[];
  /** Already attached and marked as grantflow's. */
  kept: string[];
  /** Attached before grantflow: left alone, and never detached by it. */
  foreign: string[];
}

/**
 * Attaches each ARN that is not attached yet, marking it as grantflow's first (so a crash in between
 * is safe), then reads the marks back and restores any that a concurrent release removed meanwhile.
 *
 * Calls, at AWS's pace, are what a burst waits for: a new grant sends one read of the attachments,
 * the mark, the attaches and the read-back of the marks (which also tells which ARNs already
 * attached are grantflow's); the marks are read before writing only when nothing is missing, the
 * run that must write nothing. A mark left by a run that crashed before its attach is written again
 * (the same key and value): a repeated write only after a crash, one read fewer on every grant.
 * In a burst, both reads are shared with the account's other applies (principal-reads.ts).
 */
export async function attachManaged(target: Target, principal: Principal, arns: readonly string[], progress?: { claimed: string[] }): Promise<AttachOutcome> {
  const outcome: AttachOutcome = { attached: [], kept: [], foreign: [] };
  if (arns.length === 0) return outcome;
  const { attached = new Set<string>() } = await readForApply(target, principal, 'attached');
  const already = arns.filter((arn) => attached.has(arn));
  const missing = arns.filter((arn) => !attached.has(arn));
  const marksNow = async () => markKeysOf((await readForApply(target, principal, 'tags')).tags ?? []);
  const classify = (marks: MarkKeys) => {
    for (const arn of already) (marks.keys.has(markerKey(arn)) || marks.byValue.has(arn) ? outcome.kept : outcome.foreign).push(arn);
  };
  if (missing.length === 0) {
    classify(await marksNow());
    return outcome;
  }
  await tag(target, principal, missing.map(markTag));
  // Absent a moment ago and marked now for this attach: the caller's to claim, even if what follows fails.
  progress?.claimed.push(...missing);
  for (const arn of missing) {
    // NoSuchEntity here means the policy is missing: the principal answered the list call above.
    await call(target, PRINCIPAL_CALLS[principal.type].attach(principal.name, arn), { ...principalContext(principal), policyArn: arn });
    outcome.attached.push(arn);
  }
  const marks = await marksNow();
  classify(marks);
  const lost = missing.filter((arn) => !marks.keys.has(markerKey(arn)));
  if (lost.length > 0) await tag(target, principal, lost.map(markTag));
  return outcome;
}

export interface ReleaseOutcome {
  detached: string[];
  kept: { arn: string; reason: 'needed by another live grant' | 'attached before grantflow' | 'not attached by this grant' }[];
}

/**
 * Detaches the ARNs grantflow attached and no other live grant needs, then drops their marks, then
 * reads the attachments back: a mark whose policy was attached again meanwhile is put back.
 * A missing principal means there is nothing left to release.
 *
 * Whose attachment it is: with `owned` (the releasing grant's own record of what its applies
 * attached) the record decides, since a mark is only a tag that anyone allowed to tag the principal
 * (the principal itself, often) can write: an ARN the grant did not attach stays attached, marked or
 * not. Without a record (the sweep; a clean-up that knows a grant only from its memo) the mark decides.
 */
export async function releaseManaged(
  target: Target,
  principal: Principal,
  arns: readonly string[],
  stillNeeded: ReadonlySet<string>,
  /**
   * ARNs the releasing grant attached itself: released even if their mark went missing (IAM's reads
   * can lag its writes; a principal may untag itself), and, when given, the only ones released.
   */
  owned?: ReadonlySet<string>,
  /**
   * The first revoke of a grant still active (at its expiry): what its record holds is attached, so
   * it detaches without reading first (see releaseOwned). Any other release reads first, and sends no
   * write that is not needed.
   */
  unread = false,
): Promise<ReleaseOutcome> {
  const outcome: ReleaseOutcome = { detached: [], kept: [] };
  if (arns.length === 0) return outcome;
  if (unread && owned && arns.every((arn) => owned.has(arn) && !stillNeeded.has(arn))) return releaseOwned(target, principal, arns);
  const state = await unlessPrincipalGone(() => readAttachments(target, principal));
  if (!state) return outcome;
  const unmark: { arn: string; key: string }[] = [];
  for (const arn of arns) {
    if (stillNeeded.has(arn)) {
      if (state.attached.has(arn) || state.marked.has(arn)) outcome.kept.push({ arn, reason: 'needed by another live grant' });
      continue;
    }
    const key = state.marked.get(arn);
    if (owned ? !owned.has(arn) : !key) {
      // Marked but not in the grant's record: a mark this grant cannot vouch for (one planted on an
      // attachment older than grantflow looks the same). It stays, mark and all, for the sweep to judge.
      if (state.attached.has(arn)) outcome.kept.push({ arn, reason: key ? 'not attached by this grant' : 'attached before grantflow' });
      continue;
    }
    if (state.attached.has(arn)) {
      await callOrAbsent(target, PRINCIPAL_CALLS[principal.type].detach(principal.name, arn), { ...principalContext(principal), policyArn: arn });
      outcome.detached.push(arn);
    }
    if (key) unmark.push({ arn, key });
  }
  await dropMarks(target, principal, unmark);
  return outcome;
}

/**
 * Every ARN is in the grant's record and no other live grant needs it: the record alone decides, so
 * nothing is read before the detaches and the access goes with the first call (a mass expiry waits
 * for nothing else). A detach IAM answers NoSuchEntity for was not attached (someone detached it by
 * hand: the one write sent in vain); the marks go after.
 */
async function releaseOwned(target: Target, principal: Principal, arns: readonly string[]): Promise<ReleaseOutcome> {
  const sent = await Promise.all(
    arns.map((arn) => callOrAbsent(target, PRINCIPAL_CALLS[principal.type].detach(principal.name, arn), { ...principalContext(principal), policyArn: arn })),
  );
  await dropMarks(
    target,
    principal,
    arns.map((arn) => ({ arn, key: markerKey(arn) })),
  );
  return { detached: arns.filter((_, i) => sent[i] !== undefined), kept: [] };
}

/** Drops the marks of released ARNs, then reads the attachments back: a mark whose policy was attached again meanwhile is put back. */
async function dropMarks(target: Target, principal: Principal, unmark: readonly { arn: string; key: string }[]): Promise<void> {
  if (unmark.length === 0) return;
  await untag(
    target,
    principal,
    unmark.map((u) => u.key),
  );
  const now = await unlessPrincipalGone(() => listAttached(target, principal));
  if (!now) return;
  const reattached = unmark.filter((u) => now.has(u.arn));
  if (reattached.length > 0)
    await tag(
      target,
      principal,
      reattached.map((u) => markTag(u.arn)),
    );
}

/** A read of the principal, or undefined when IAM says it does not exist (PrincipalNotFound). */
async function unlessPrincipalGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound') return undefined;
    throw error;
  }
}
