// Desired grants against live ones: what to add, keep, replace, revoke, or leave revoked. The one
// decision the reconcile workflow (to act) and `plan` (to show) both make, so they cannot disagree.
import { parseGrantWorkflowId } from './ids';

export interface Classification {
  /** Desired and not live: to start (or, when `replaces` has it, to start before its old grant goes). */
  add: string[];
  /** Desired and live: re-applied (drift repair). */
  keep: string[];
  /** Desired, but an operator revoked it early: left alone until restored or re-entered. */
  sticky: string[];
  /** New grant id -> the live grant it replaces (same temporary grant, new expiry). */
  replaces: Map<string, string>;
  /** Live and no longer desired (replaced grants excluded). */
  revoke: string[];
}

/** The identity of a temporary grant without its expiry: two ids with the same key replace each other. */
export function replacementKey(id: string): string | undefined {
  const key = parseGrantWorkflowId(id);
  if (!key || key.kind !== 'temporary') return undefined;
  return `${key.team}/${key.account}/${key.principalType}/${key.principal}/${key.policy}`;
}

export function classify(desired: readonly string[], live: ReadonlySet<string>, sticky: ReadonlySet<string>): Classification {
  const wanted = new Set(desired);
  const result: Classification = { add: [], keep: [], sticky: [], replaces: new Map(), revoke: [] };
  for (const id of desired) {
    if (sticky.has(id)) result.sticky.push(id);
    else if (live.has(id)) result.keep.push(id);
    else result.add.push(id);
  }
  const unwanted = [...live].filter((id) => !wanted.has(id)).sort();
  const oldByKey = new Map<string, string>();
  for (const id of unwanted) {
    const key = replacementKey(id);
    if (key && !oldByKey.has(key)) oldByKey.set(key, id);
  }
  const replaced = new Set<string>();
  for (const id of result.add) {
    const key = replacementKey(id);
    const old = key ? oldByKey.get(key) : undefined;
    if (old && !replaced.has(old)) {
      result.replaces.set(id, old);
      replaced.add(old);
    }
  }
  result.revoke = unwanted.filter((id) => !replaced.has(id));
  return result;
}
