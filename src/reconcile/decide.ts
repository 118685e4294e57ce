// Decide: what a pass does, from what it read, by the pure core (src/core/reconcile-plan.ts planPass,
// which `grantflow plan` shows too, so the two cannot disagree).
import type { GrantSpec } from '../core/grant';
import type { LedgerEntry } from '../core/ledger';
import type { BreakGlassRule } from '../core/team-config';
import { planPass, type PassPlan } from '../core/reconcile-plan';
import type { PassDeps } from './context';
import type { ConfigRead } from './read/config';

export async function decide(
  deps: Pick<PassDeps, 'retention'>,
  read: Pick<ConfigRead, 'receivedAt' | 'maxDays'>,
  desired: readonly GrantSpec[],
  ledger: ReadonlyMap<string, LedgerEntry>,
  nowMs: number,
  breakGlass: Readonly<Record<string, BreakGlassRule>> = {},
): Promise<{ plan: PassPlan; decidedAtMs: number }> {
  // Decided as of the submission's arrival: an operator's early revoke after it wins over what it asks.
  const decidedAtMs = read.receivedAt ? Date.parse(read.receivedAt) : nowMs;
  const plan = planPass({ desired, ledger, nowMs, maxTemporaryDays: read.maxDays, decidedAtMs, retentionMs: await deps.retention.current(), breakGlass });
  return { plan, decidedAtMs };
}
