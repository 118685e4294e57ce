// What IAM must hold for a team's YAML at a moment, compared with what it does hold: the check behind
// the fault suite (no leaked grant, no lost revocation, no duplicate). The expectation is worked out
// here from the config alone, with grantflow's documented names and ARNs, and shares no code with
// grantflow's own expansion: a bug there cannot hide by moving the expectation with it.
import type { TeamConfig } from '../../src/core/team-config';
import type { Moto } from '../../src/local/moto';
import { snapshotAccount, type AccountSnapshot } from './iam-snapshot';

export interface PrincipalExpectation {
  attached: string[];
  inline: string[];
}

export type IamExpectation = Map<string, Map<string, PrincipalExpectation>>;

/**
 * AWS managed policies small enough that grantflow grants them, when temporary, as an expiring copy
 * (the fault suite's own knowledge of the sizes; grantflow reads them from its catalogue).
 */
export const COPIED_WHEN_TEMPORARY = new Set(['arn:aws:iam::aws:policy/PowerUserAccess']);

/**
 * The documented copy name is `grantflow+copy.<team>.<expiry>.<digest>.<principal>.<policy name>`
 * under the team's path. The digest tells copies apart; the oracle does not work it out, so names
 * are compared with it masked.
 */
const COPY_DIGEST = /(\/grantflow\+copy\.[^./]+\.\d{8}T\d{6}Z\.)[0-9a-f]{16}\./;
const masked = (arn: string) => arn.replace(COPY_DIGEST, '$1<digest>.');

/** `20260603T235959Z` from `2026-06-03T23:59:59Z`, as inline policy names carry an expiry. */
const compactTime = (iso: string) => iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');

/**
 * Per account, per `user/name` or `role/name`: what the team's YAML grants at `nowMs` (temporary
 * entries until their expiry, from their start): every managed policy of each granted policy, the
 * team's customer-managed policy for custom statements of a permanent grant, and an inline policy
 * for those of a temporary one.
 */
export function expectedIam(config: TeamConfig, nowMs: number): IamExpectation {
  const out: IamExpectation = new Map();
  const add = (account: string, key: string, attached: readonly string[], inline?: string) => {
    const byPrincipal = out.get(account) ?? new Map<string, PrincipalExpectation>();
    const entry = byPrincipal.get(key) ?? { attached: [], inline: [] };
    entry.attached = [...new Set([...entry.attached, ...attached])].sort();
    if (inline) entry.inline = [...new Set([...entry.inline, inline])].sort();
    byPrincipal.set(key, entry);
    out.set(account, byPrincipal);
  };
  const partition = config.settings.partition;
  const customArn = (account: string, name: string) => `arn:${partition}:iam::${account}:policy/grantflow/${config.team}/grantflow.${config.team}.${name}`;
  for (const entry of config.permanent) {
    for (const environment of entry.environments) {
      const account = config.accounts[environment]!;
      for (const name of entry.grants) {
        const policy = config.policies[name]!;
        const attached = [...policy.managedPolicyArns, ...(policy.statements.length > 0 ? [customArn(account, name)] : [])];
        for (const user of entry.users) add(account, `user/${user.name}`, attached);
        for (const role of entry.roles) add(account, `role/${role}`, attached);
      }
    }
  }
  for (const entry of config.temporary) {
    const user = entry.user;
    if (!user) continue; // an Identity Center principal: nothing in IAM
    if (Date.parse(entry.expiresAt) <= nowMs || (entry.startsAt !== undefined && Date.parse(entry.startsAt) > nowMs)) continue;
    const account = config.accounts[entry.environment]!;
    const policy = config.policies[entry.grant]!;
    const inline = policy.statements.length > 0 ? `grantflow.${config.team}.${entry.grant}.${compactTime(entry.expiresAt)}` : undefined;
    const copyArn = (source: string) =>
      `arn:${partition}:iam::${account}:policy/grantflow/${config.team}/grantflow+copy.${config.team}.${compactTime(entry.expiresAt)}.<digest>.${user.name}.${source.slice(source.lastIndexOf('/') + 1)}`;
    const copies = config.settings.temporaryManagedPolicies !== 'attach';
    const attached = policy.managedPolicyArns.map((arn) => (copies && COPIED_WHEN_TEMPORARY.has(arn) ? copyArn(arn) : arn));
    add(account, `user/${user.name}`, attached, inline);
  }
  return out;
}

/**
 * Differences between what the live grants need and what IAM holds on the given principals,
 * counting only grantflow's objects (its marks, its inline policies) plus every attachment.
 */
export async function iamDifferences(
  moto: Moto,
  expected: IamExpectation,
  principals: readonly { account: string; type: 'user' | 'role'; name: string }[],
): Promise<string[]> {
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
    const attached = (held.attached ?? []).map(masked).sort();
    if (JSON.stringify(attached) !== JSON.stringify(want.attached)) {
      differences.push(`${principal.account} ${key}: attached ${JSON.stringify(attached)}, expected ${JSON.stringify(want.attached)}`);
    }
    const inline = Object.keys(held.inline ?? {})
      .filter((n) => n.startsWith('grantflow.'))
      .sort();
    if (JSON.stringify(inline) !== JSON.stringify(want.inline)) {
      differences.push(`${principal.account} ${key}: inline ${JSON.stringify(inline)}, expected ${JSON.stringify(want.inline)}`);
    }
    // grantflow marks every attachment it made (the fault suite's principals start with none).
    const marks = Object.entries(held.tags ?? {})
      .filter(([k]) => k.startsWith('grantflow:attached:'))
      .map(([, v]) => masked(v))
      .sort();
    if (JSON.stringify(marks) !== JSON.stringify(want.attached)) {
      differences.push(`${principal.account} ${key}: ownership marks ${JSON.stringify(marks)}, expected ${JSON.stringify(want.attached)}`);
    }
  }
  // Expiring copies: exactly those of the live grants exist in the accounts looked at (none of a revoked grant is left behind).
  for (const [account, snapshot] of snapshots) {
    const held = Object.keys(snapshot.policies)
      .filter((arn) => arn.includes('/grantflow+copy.'))
      .map(masked)
      .sort();
    const want = [...new Set([...(expected.get(account)?.values() ?? [])].flatMap((p) => p.attached.filter((arn) => arn.includes('/grantflow+copy.'))))].sort();
    if (JSON.stringify(held) !== JSON.stringify(want))
      differences.push(`${account}: expiring copies ${JSON.stringify(held)}, expected ${JSON.stringify(want)}`);
  }
  return differences;
}
