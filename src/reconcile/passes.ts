// The reconcile workflow's passes, one function per operation. Each reads the durable truth (the
// config, verified, from its submission workflow; the team's grant workflows in visibility; the last
// applied revision in the reconcile workflow's memos), decides with the pure core (decide.ts), and
// acts through idempotent Temporal and IAM calls (act/). Running one twice, or again after a crash,
// changes nothing more. They run as activities, not in the workflow, so that a team of tens of
// thousands of grants never puts a large payload into any workflow history: only the config's
// reference goes in, and a summary with capped lists comes out.
import { expandTeam, type Expansion } from '../core/expand';
import type { EndedEarly } from '../core/ledger';
import type { PassPlan } from '../core/reconcile-plan';
import { recoverTeamState } from '../temporal/reconcile-state';
import { nudgeRatification } from '../temporal/requests';
import { loadSubmission } from '../temporal/submissions';
import type {
  AppliedClaim,
  IntervalPassInput,
  IntervalPassResult,
  PassCaller,
  RestorePassInput,
  RestorePassResult,
  RetirePassInput,
  RetirePassResult,
  SettlePassInput,
  SettlePassResult,
  SubmitPassInput,
  SubmitPassResult,
  SweepPassInput,
  SweepPassResult,
} from '../../workflows/messages';
import { refuseUnbounded } from './act/boundary';
import { dropRetiredPolicies } from './act/policies';
import { keepRemembered, reconcile, settle } from './act/reconcile';
import { restore } from './act/restore';
import { retire } from './act/retire';
import { sweepIdentityCenter } from './act/identity-center-sweep';
import { sweep, sweepIam } from './act/sweep';
import { passContext, type PassContext, type PassDeps } from './context';
import { decide } from './decide';
import { CONFIG_UNVERIFIED, PassFailure } from './failures';
import { chooseConfig, configRead, verifyArriving, type ConfigRead, type WhenUnverified } from './read/config';
import { assertCurrent, lookUpRecent, readGrants } from './read/grants';
import { refuseBeyondLimit, refuseCaseTwin, refuseOlder } from './read/refusals';
import { Report } from './report';

export type { PassDeps } from './context';

/** Applies a new submission: refused (nothing changed) unless it verifies, is newer, and meets the limits. */
export async function submitPass(deps: PassDeps, input: SubmitPassInput): Promise<SubmitPassResult> {
  await assertCurrent(deps, input);
  // What every run of this reconcile workflow applied: a reset run must not apply an older config.
  const durable = await recoverTeamState(deps.temporal, input.team);
  await refuseOlder(deps, input, durable);
  await refuseCaseTwin(deps, input.team);
  const verified = await verifyArriving(deps, input);
  deps.heartbeat('config loaded');
  const read = configRead(deps, input, durable, verified);
  const nowMs = Date.now();
  refuseBeyondLimit(verified.config, nowMs, read.maxDays, read.ceiling);
  const ledger = await readGrants(deps, input.team);
  const expansion = expandTeam(verified.config, nowMs);
  await refuseUnbounded(deps, expansion.grants);
  // A grant the previous config started a moment ago may not be in visibility yet: looked up directly.
  if (durable.config && durable.config.digest !== verified.ref.digest) {
    const previous = expandTeam((await loadSubmission(deps.temporal, durable.config)).config, nowMs).grants.map((g) => g.id);
    const wanted = new Set(expansion.grants.map((g) => g.id));
    await lookUpRecent(
      deps,
      previous.filter((id) => !wanted.has(id) && !ledger.has(id)),
      ledger,
    );
  }
  const { plan, decidedAtMs } = await decide(deps, read, expansion.grants, ledger, nowMs, verified.config.breakGlass);
  const ctx = passContext(deps, input, { ...read, desired: expansion.grants, ledger, decidedAt: new Date(decidedAtMs).toISOString() }, new Report());
  await reconcile(ctx, plan, expansion.policies, expansion.permissionSets);
  ctx.report.skipped.push(...expansion.skipped.map((s) => s.id));
  // A break-glass grant this config records as a temporary-access entry is ratified: its request looks now.
  await nudgeRatification(deps.temporal, input.team, verified.ref).catch((error: unknown) =>
    ctx.report.error(`telling requests to look for their entry: ${(error as Error).message}`),
  );
  return { summary: ctx.report.summary(input.team, read.revision), signer: verified.signer };
}

/** The interval's pass over the last applied config: re-apply live grants, police the limit, then sweep IAM. */
export async function intervalPass(deps: PassDeps, input: IntervalPassInput): Promise<IntervalPassResult> {
  const read = await readConfig(deps, input, 'remember');
  if (!read.config) return { summary: new Report().summary(input.team, read.revision) };
  const { ctx, plan, expansion } = await readAndDecide(deps, input, read);
  await reconcile(ctx, plan, expansion.policies, expansion.permissionSets);
  ctx.report.skipped.push(...expansion.skipped.map((s) => s.id));
  await sweepIam(ctx, plan, read.maxDays, false);
  await sweepIdentityCenter(ctx, plan, false);
  return { summary: ctx.report.summary(input.team, read.revision), sweep: ctx.report.sweepSummary(false), ...signerOf(read) };
}

/** Only finishes replacements whose new grant is active and follows an operator's early revoke to the replacement it raced. */
export async function settlePass(deps: PassDeps, input: SettlePassInput): Promise<SettlePassResult> {
  const read = await readConfig(deps, input, 'stop');
  if (!read.config) return { summary: new Report().summary(input.team, read.revision) };
  const { ctx, plan, expansion } = await readAndDecide(deps, input, read, { endedEarly: input.endedEarly ?? [] });
  await settle(ctx, plan);
  ctx.report.skipped.push(...expansion.skipped.map((s) => s.id));
  return { summary: ctx.report.summary(input.team, read.revision), ...signerOf(read) };
}

/** `grantflow cleanup`: police the limit, clean up after killed runs, sweep IAM; on a retired team, drop its leftover policies. */
export async function sweepPass(deps: PassDeps, input: SweepPassInput): Promise<SweepPassResult> {
  const dryRun = input.dryRun === true;
  const read = await readConfig(deps, input, 'remove');
  const { ctx, plan } = await readAndDecide(deps, input, read);
  await sweep(ctx, plan, read.maxDays, dryRun);
  // A retired team owns nothing any more: what its retirement could not delete goes now.
  if (read.retired && !dryRun) await dropRetiredPolicies(ctx);
  return ctx.report.sweepSummary(dryRun);
}

/** Lifts a grant's early revocation and grants it again if the last applied YAML still wants it. */
export async function restorePass(deps: PassDeps, input: RestorePassInput): Promise<RestorePassResult> {
  const read = await readConfig(deps, input, 'stop');
  // A restore decides now: the operator lifting an early revocation is newer than the submission.
  const { ctx, plan } = await readAndDecide(deps, input, read, { decidesNow: true });
  return restore(ctx, input.grantId, plan);
}

/** Revokes every grant of the team, waits for them to finish, then deletes the team's policies. */
export async function retirePass(deps: PassDeps, input: RetirePassInput): Promise<RetirePassResult> {
  const read = await readConfig(deps, input, 'remove');
  const { ctx } = await readAndDecide(deps, input, read);
  const result = await retire(ctx, input.reason);
  // What this worker read of the team's runs before the retirement no longer applies.
  deps.authority.forget(input.team);
  return result;
}

/** Read, for every pass but a submission's: the run is current, and the config it works from. */
async function readConfig(deps: PassDeps, input: PassCaller & AppliedClaim, whenUnverified: WhenUnverified): Promise<ConfigRead> {
  await assertCurrent(deps, input);
  // What every run of this reconcile workflow applied: a reset run must not apply an older config.
  const durable = await recoverTeamState(deps.temporal, input.team);
  const chosen = await chooseConfig(deps, input.team, input, durable, whenUnverified);
  deps.heartbeat('config loaded');
  return configRead(deps, input, durable, chosen);
}

const NOTHING: Expansion = { grants: [], skipped: [], policies: [], permissionSets: [], duplicates: [] };

/**
 * Read the ledger and decide, for every pass but a submission's. A pass whose config does not verify
 * (the interval's) only keeps early revocations remembered, then fails.
 */
async function readAndDecide(
  deps: PassDeps,
  input: PassCaller & AppliedClaim & { by?: string },
  read: ConfigRead,
  options: { endedEarly?: readonly EndedEarly[]; decidesNow?: boolean } = {},
): Promise<{ ctx: PassContext; plan: PassPlan; expansion: Expansion }> {
  const nowMs = Date.now();
  const ledger = await readGrants(deps, input.team, options.endedEarly);
  const expansion = read.config ? expandTeam(read.config, nowMs) : NOTHING;
  const { plan, decidedAtMs } = await decide(deps, read, expansion.grants, ledger, nowMs, read.config?.breakGlass);
  const decidedAt = new Date(options.decidesNow ? nowMs : decidedAtMs).toISOString();
  const ctx = passContext(deps, input, { ...read, desired: expansion.grants, ledger, decidedAt }, new Report());
  if (read.unverified !== undefined) {
    await keepRemembered(ctx, plan);
    throw new PassFailure(read.unverified, CONFIG_UNVERIFIED);
  }
  return { ctx, plan, expansion };
}

function signerOf(read: ConfigRead): { signer?: string } {
  return read.signer !== undefined ? { signer: read.signer } : {};
}
