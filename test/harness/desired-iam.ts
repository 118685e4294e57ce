// What IAM must hold for a set of live grants, compared with what it does hold: the check behind
// the fault suite (no leaked grant, no lost revocation, no duplicate).
import type { GrantSpec } from '../../src/core/grant';
import { attachedArns } from '../../src/core/grant-derived';
import type { Moto } from '../../src/local/moto';
import { snapshotAccount, type AccountSnapshot } from './iam-snapshot';

export interface PrincipalExpectation {
  attached: string[];
  inline: string[];
}

/** Per account, per `user/name` or `role/name`: the managed policies and inline policies the grants hold. */
export function expectedIam(grants: readonly GrantSpec[]): Map<string, Map<string, PrincipalExpectation>> {
  const out = new Map<string, Map<string, PrincipalExpectation>>();
  for (const grant of grants) {
    const account = out.get(grant.account) ?? new Map<string, PrincipalExpectation>();
    const key = `${grant.principalType}/${grant.principal}`;
    const entry = account.get(key) ?? { attached: [], inline: [] };
    entry.attached = [...new Set([...entry.attached, ...attachedArns(grant)])].sort();
    if (grant.inlinePolicy) entry.inline = [...new Set([...entry.inline, grant.inlinePolicy.name])].sort();
    account.set(key, entry);
    out.set(grant.account, account);
  }
  return out;
}

/**
 * Differences between what the live grants need and what IAM holds on the given principals,
 * counting only grantflow's objects (its marks, its inline policies) plus every attachment.
 */
export async function iamDifferences(
  moto: Moto,
  live: readonly GrantSpec[],
  principals: readonly { account: string; type: 'user' | 'role'; name: string }[],
): Promise<string[]> {
  const expected = expectedIam(live);
  const snapshots = new Map<string, AccountSnapshot>();
  const differences: string[] = [];
  for (const principal of principals) {
    if (!snapshots.has(principal.account)) snapshots.set(principal.account, await snapshotAccount(moto, principal.account));
    const snapshot = snapshots.get(principal.account)!;
    const key = `${principal.type}/${principal.name}`;
    const held = principal.type === 'user' ? snapshot.users[principal.name] : { ...snapshot.roles[principal.name], inline: {} };
    if (!held) {
      differences.push(`${principal.account} ${key}: missing in IAM`);
      continue;
    }
    const want = expected.get(principal.account)?.get(key) ?? { attached: [], inline: [] };
    const attached = [...(held.attached ?? [])].sort();
    if (JSON.stringify(attached) !== JSON.stringify(want.attached)) {
      differences.push(`${principal.account} ${key}: attached ${JSON.stringify(attached)}, expected ${JSON.stringify(want.attached)}`);
    }
    const inline = Object.keys(held.inline ?? {}).filter((n) => n.startsWith('grantflow.')).sort();
    if (JSON.stringify(inline) !== JSON.stringify(want.inline)) {
      differences.push(`${principal.account} ${key}: inline ${JSON.stringify(inline)}, expected ${JSON.stringify(want.inline)}`);
    }
    // grantflow marks every attachment it made (the fault suite's principals start with none).
    const marks = Object.entries(held.tags ?? {}).filter(([k]) => k.startsWith('grantflow:attached:')).map(([, v]) => v).sort();
    if (JSON.stringify(marks) !== JSON.stringify(want.attached)) {
      differences.push(`${principal.account} ${key}: ownership marks ${JSON.stringify(marks)}, expected ${JSON.stringify(want.attached)}`);
    }
  }
  // Expiring copies: exactly those of the live grants exist in the accounts looked at (none of a revoked grant is left behind).
  for (const [account, snapshot] of snapshots) {
    const held = Object.keys(snapshot.policies).filter((arn) => arn.includes('/grantflow+copy.')).sort();
    const want = [...new Set(live.filter((g) => g.account === account).flatMap((g) => (g.expiringCopies ?? []).map((c) => c.arn)))].sort();
    if (JSON.stringify(held) !== JSON.stringify(want)) differences.push(`${account}: expiring copies ${JSON.stringify(held)}, expected ${JSON.stringify(want)}`);
  }
  return differences;
}
