// The config a pass works from. A submission must verify as it arrives (signed by a trusted key, for
// this revision, recently, within the guardrails), or it is refused and nothing changes. Other passes
// take the newest verified config among what this run and every earlier run applied: the reconcile
// workflow's state is a claim anyone with access to Temporal could have written. A pass that only
// removes access (sweep, retire) goes on with the config as staged when none verifies, or, for a
// retired team, with where its retirement recorded its objects; the interval's pass goes on only to
// keep early revocations remembered; the others stop.
import { DEFAULT_SETTINGS, type TeamConfig } from '../../core/team-config';
import type { Revision } from '../../core/revision';
import { retiredScope } from '../../temporal/reconcile-state';
import { loadSubmission } from '../../temporal/submissions';
import type { AppliedClaim, ReconcileState, RetiredScope, SubmissionRef, SubmitPassInput } from '../../../workflows/messages';
import { Refusal, type VerifiedConfig } from '../authority';
import type { PassDeps } from '../context';
import { CONFIG_UNVERIFIED, PassFailure, SUBMISSION_REFUSED } from '../failures';

/** The config a pass works from: verified (with its signer and revision), or, for what only removes, as staged. */
export interface Chosen {
  ref?: SubmissionRef;
  config: TeamConfig;
  /** The signed revision (absent for an unverified or unsigned config). */
  revision?: Revision;
  /** Who signed it (absent when it did not verify). */
  signer?: string;
  /** Why it cannot be applied: the pass only keeps early revocations remembered, then fails with this. */
  unverified?: string;
  /** Not a config: where a retired team's objects were. */
  retired?: true;
}

/**
 * What a pass does when no config verifies. remove: go on with the config as staged, or a retired
 * team's recorded scope (sweep, retire: they only take access away); remember: go on only to keep
 * early revocations remembered, then fail (interval); stop: fail now (settle, restore).
 */
export type WhenUnverified = 'remove' | 'remember' | 'stop';

/** A submission as it arrives: verified for its revision, now, or refused before anything changes. */
export async function verifyArriving(deps: Pick<PassDeps, 'authority'>, input: SubmitPassInput): Promise<VerifiedConfig> {
  try {
    return await deps.authority.verify(input.config, { team: input.team, arriving: { revision: input.revision, nowMs: Date.now() } });
  } catch (error) {
    if (error instanceof Refusal) throw new PassFailure(`refused, nothing changed: ${error.message}`, SUBMISSION_REFUSED);
    throw error;
  }
}

/** The newest verified config among the one the workflow names and those every run applied; else as `whenUnverified` says. */
export async function chooseConfig(
  deps: Pick<PassDeps, 'authority' | 'temporal'>,
  team: string,
  claim: AppliedClaim,
  durable: Pick<ReconcileState, 'config'>,
  whenUnverified: WhenUnverified,
): Promise<Chosen | undefined> {
  const { verified, reasons } = await deps.authority.newestFor(team, [claim.config, durable.config]);
  if (verified) return verified;
  const staged = claim.config ?? durable.config;
  if (whenUnverified === 'remove') {
    if (staged) {
      const { config } = await loadSubmission(deps.temporal, staged);
      return config.team === team ? { ref: staged, config } : undefined;
    }
    // A retired team has no config any more: its leftovers are found where the retirement recorded them.
    const scope = await retiredScope(deps.temporal, team);
    return scope ? { config: scopeConfig(team, scope), retired: true } : undefined;
  }
  if (!staged) return undefined;
  const why = `no config of team ${team} can be applied: ${reasons.join('; ')}; submit the team again from CI`;
  // An interval pass still keeps early revocations remembered (that only ever keeps access away), then reports.
  if (whenUnverified === 'remember') return { ref: staged, config: (await loadSubmission(deps.temporal, staged)).config, unverified: why };
  throw new PassFailure(why, CONFIG_UNVERIFIED);
}

/** A config that holds nothing but where a retired team's objects are: enough for passes that only remove. */
function scopeConfig(team: string, scope: RetiredScope): TeamConfig {
  return {
    team,
    accounts: { ...scope.accounts },
    policies: {},
    permanent: [],
    temporary: [],
    settings: {
      ...DEFAULT_SETTINGS,
      deployerRole: scope.deployer.roleName,
      partition: scope.deployer.partition as TeamConfig['settings']['partition'],
      ...(scope.deployer.externalId ? { deployerExternalId: scope.deployer.externalId } : {}),
    },
  };
}

/** What a pass took from its config: the config, where it came from, and the revision and arrival it is reckoned by. */
export interface ConfigRead {
  config?: TeamConfig;
  source?: SubmissionRef;
  revision?: Revision;
  receivedAt?: string;
  signer?: string;
  unverified?: string;
  retired?: true;
  /** The team's setting capped by the worker's ceiling, and the ceiling. */
  maxDays: number;
  ceiling: number;
}

/**
 * The revision and arrival a pass reckons by: the chosen config's signed revision; a config taken
 * from an earlier run (the workflow named another) brings that run's revision and arrival along.
 */
export function configRead(deps: Pick<PassDeps, 'authority'>, claim: AppliedClaim, durable: ReconcileState, chosen: Chosen | undefined): ConfigRead {
  const source = chosen?.ref;
  const fromDurable = source !== undefined && source.workflowId !== claim.config?.workflowId && source.workflowId === durable.config?.workflowId;
  const revision = chosen?.revision ?? (fromDurable ? durable.revision : claim.revision);
  const receivedAt = fromDurable ? durable.receivedAt : claim.receivedAt;
  const ceiling = deps.authority.authority.guardrails.maxTemporaryDays;
  return {
    ...(chosen ? { config: chosen.config } : {}),
    ...(source ? { source } : {}),
    ...(revision ? { revision } : {}),
    ...(receivedAt ? { receivedAt } : {}),
    ...(chosen?.signer !== undefined ? { signer: chosen.signer } : {}),
    ...(chosen?.unverified !== undefined ? { unverified: chosen.unverified } : {}),
    ...(chosen?.retired ? { retired: true as const } : {}),
    maxDays: Math.min(chosen?.config.settings.maxTemporaryDays ?? ceiling, ceiling),
    ceiling,
  };
}
