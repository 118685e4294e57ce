// The worker's authority over what it applies. Anyone who can reach the Temporal namespace can start
// workflows, send signals and write memos; none of that may widen access. So every config the worker
// applies is a staged submission whose signature it verifies here (or, on a worker told to run
// insecurely, an unsigned one), that meets the worker's guardrails; and every grant applies only the
// spec that the team's newest such config expands to for the grant's id, whatever its starter said.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { expandTeam } from '../core/expand';
import type { GrantSpec } from '../core/grant';
import { guardrailProblems, type Guardrails } from '../core/guardrails';
import { describeRevision, isOlderRevision, type Revision } from '../core/revision';
import type { TeamConfig } from '../core/team-config';
import { DAY_MS } from '../core/time';
import { currentState, pickRecovered, retiredScope, teamStates } from '../temporal/reconcile-state';
import { loadSubmission, type StagedSubmission } from '../temporal/submissions';
import { verifySubmission, type SubmissionTrust } from '../trust/submissions';
import type { ReconcileState, SubmissionRef } from '../../workflows/messages';

/** Who the worker accepts submissions from, and the floors no submission may lower. */
export interface Authority {
  trust: SubmissionTrust;
  guardrails: Guardrails;
}

/** A config the worker may apply: verified, within the guardrails. */
export interface VerifiedConfig {
  ref: SubmissionRef;
  config: TeamConfig;
  /** The signed revision (absent for an unsigned config on an insecure worker). */
  revision?: Revision;
  /** When it was signed. */
  signedAt?: string;
  signer: string;
}

/** What the runs of a team's reconcile workflow claim: the configs applied since its last retirement, and when that was. */
interface TeamView {
  refs: SubmissionRef[];
  retiredAtMs?: number;
}

/** Why a submission or a grant was refused; the message says what and how to fix it. */
export class Refusal extends Error {
  override name = 'Refusal';
}

const LOADED_CAP = 16;
/** How long what the team's reconcile runs claim is taken as current before it is read again. */
const VIEW_TTL_MS = 5000;

/** Keeps at most `cap` entries, dropping the oldest. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, cap: number): V {
  map.set(key, value);
  if (map.size > cap) map.delete(map.keys().next().value!);
  return value;
}

export class ConfigAuthority {
  private readonly loaded = new Map<string, Promise<StagedSubmission>>();
  private readonly grantsOf = new Map<string, Map<string, GrantSpec>>();
  /** What the team's runs claim, as read (or being read: the applies of a burst share one read). */
  private readonly views = new Map<string, { view: Promise<TeamView>; readAt: number }>();
  /** The configs the team's runs named when last read (a refresh under way does not forget them). */
  private readonly lastRead = new Map<string, SubmissionRef[]>();
  /** The verdicts (keys of `verdicts`) that are in, not being reached. */
  private readonly judged = new Set<string>();
  /**
   * Verdicts on staged configs, not arriving: a staged text never changes, nor do this worker's keys
   * and guardrails. Kept as promises, so a burst's applies that ask at once share one verification.
   */
  private readonly verdicts = new Map<string, Promise<VerifiedConfig | Refusal>>();

  constructor(
    private readonly temporal: Client,
    readonly authority: Authority,
  ) {}

  private load(ref: SubmissionRef): Promise<StagedSubmission> {
    const hit = this.loaded.get(ref.workflowId);
    if (hit) return hit;
    const loading = loadSubmission(this.temporal, ref);
    loading.catch(() => this.loaded.delete(ref.workflowId));
    return remember(this.loaded, ref.workflowId, loading, LOADED_CAP);
  }

  /**
   * The config `ref` holds, if the worker may apply it: the team's, signed by a trusted key for
   * exactly this text (and, `arriving`, this revision and recently), within the guardrails.
   */
  async verify(ref: SubmissionRef, expected: { team: string; arriving?: { revision: Revision; nowMs: number } }): Promise<VerifiedConfig> {
    const key = `${ref.workflowId}\n${expected.team}`;
    if (expected.arriving) {
      const verified = this.judge(ref, await this.load(ref), expected);
      // What verifies arriving verifies for the grants that follow (they ask less): they need not judge it again.
      if (!this.verdicts.has(key)) {
        void remember(this.verdicts, key, Promise.resolve(verified), LOADED_CAP);
        this.judged.add(key);
      }
      // The grants it starts will ask what the team's runs claim: read it now, while they are being started.
      this.teamView(expected.team).catch(() => undefined);
      return verified;
    }
    // Every grant's apply verifies its team's configs again: hashing a large team's config each time
    // would cost more than the apply's own work, and the verdict cannot change.
    let judged = this.verdicts.get(key);
    if (!judged) {
      judged = this.load(ref).then((staged) => {
        try {
          return this.judge(ref, staged, expected);
        } catch (error) {
          if (error instanceof Refusal) return error;
          throw error;
        }
      });
      // A failed read is no verdict: the next apply reads again.
      judged.then(
        () => {
          if (this.verdicts.get(key) === judged) this.judged.add(key);
        },
        () => this.verdicts.delete(key),
      );
      void remember(this.verdicts, key, judged, LOADED_CAP);
      for (const kept of this.judged) if (!this.verdicts.has(kept)) this.judged.delete(kept);
    }
    const verdict = await judged;
    if (verdict instanceof Refusal) throw verdict;
    return verdict;
  }

  /** The verification itself: signer, signature, text, team, revision and (arriving) freshness, then the guardrails. */
  private judge(ref: SubmissionRef, staged: StagedSubmission, expected: { team: string; arriving?: { revision: Revision; nowMs: number } }): VerifiedConfig {
    const verdict = verifySubmission(
      staged.signed,
      { team: expected.team, configText: staged.text, ...(expected.arriving ? { revision: expected.arriving.revision } : {}) },
      this.authority.trust,
      { nowMs: expected.arriving?.nowMs ?? Date.now(), arriving: expected.arriving !== undefined },
    );
    if (!verdict.ok) throw new Refusal(verdict.reason);
    if (staged.config.team !== expected.team) throw new Refusal(`the staged config ${ref.workflowId} is team ${staged.config.team}'s, not ${expected.team}'s`);
    const problems = guardrailProblems(staged.config, this.authority.guardrails);
    if (problems.length > 0) {
      throw new Refusal(`the config of team ${expected.team} asks for less than the worker's guardrails allow: ${problems.map((p) => p.message).join('; ')}`);
    }
    return {
      ref,
      config: staged.config,
      signer: verdict.signer,
      ...(verdict.statement ? { revision: verdict.statement.revision, signedAt: verdict.statement.signedAt } : {}),
    };
  }

  /** Drops what was read of the team's runs: after its retirement, which changes what counts, and before a break-glass decision. */
  forget(team: string): void {
    this.views.delete(team);
    this.lastRead.delete(team);
  }

  /**
   * What the runs of the team's reconcile workflow say (their memos, read at most every few seconds):
   * the configs they applied since the team was last retired, and when that was. Claims, all of them:
   * a config counts only once it verifies, and one signed before the retirement never counts again.
   */
  private teamView(team: string): Promise<TeamView> {
    const cached = this.views.get(team);
    if (cached && Date.now() - cached.readAt < VIEW_TTL_MS) return cached.view;
    const reading = this.readTeamView(team);
    this.views.set(team, { view: reading, readAt: Date.now() });
    // A view with no config is not kept (the team's first submission is adopted any moment now), nor a failed read.
    reading.then(
      (view) => {
        remember(this.lastRead, team, view.refs, LOADED_CAP);
        if (view.refs.length === 0 && this.views.get(team)?.view === reading) this.views.delete(team);
      },
      () => {
        if (this.views.get(team)?.view === reading) this.views.delete(team);
      },
    );
    return reading;
  }

  private async readTeamView(team: string): Promise<TeamView> {
    // The current run's memo, read directly (visibility may not list a memo written a moment ago), and every run's from visibility.
    const current = await currentState(this.temporal, team).catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) return [];
      throw error;
    });
    // A server without visibility lists (Temporal's test server) has the current run's memo alone.
    const listed = await teamStates(this.temporal, team, undefined, { withRetired: true }).catch(() => []);
    const states = [...current, ...listed];
    const retiredAtMs = Math.max(-Infinity, ...states.flatMap((state) => (state.retiredAt ? [Date.parse(state.retiredAt)] : [])));
    const view: TeamView = {
      refs: states.flatMap((state) => (state.config && !state.retiredAt ? [state.config] : [])),
      ...(Number.isFinite(retiredAtMs) ? { retiredAtMs } : {}),
    };
    return view;
  }

  /**
   * The newest config the worker may apply among `candidates` (a pass's or a grant's), the team's
   * adopted one and the newest it has verified before. Undefined when none verifies; `reasons` says why.
   */
  async newestFor(team: string, candidates: readonly (SubmissionRef | undefined)[]): Promise<{ verified?: VerifiedConfig; reasons: string[] }> {
    const view = await this.teamView(team);
    const refs = new Map<string, SubmissionRef>();
    for (const ref of [...candidates, ...view.refs]) if (ref) refs.set(ref.workflowId, ref);
    const reasons: string[] = [];
    let best: VerifiedConfig | undefined;
    for (const ref of refs.values()) {
      try {
        const verified = await this.verify(ref, { team });
        if (view.retiredAtMs !== undefined && verified.signedAt !== undefined && Date.parse(verified.signedAt) <= view.retiredAtMs) {
          reasons.push(`${ref.workflowId} was signed before the team was retired`);
          continue;
        }
        if (!best || isNewer(verified, best)) best = verified;
      } catch (error) {
        if (!(error instanceof Refusal) && !(error instanceof WorkflowNotFoundError)) throw error;
        reasons.push(error instanceof Refusal ? error.message : `${ref.workflowId} no longer exists`);
      }
    }
    return { ...(best ? { verified: best } : {}), reasons };
  }

  /**
   * Whether `specFor` would answer without reading a staged config: every config the team's runs and
   * `candidates` name is judged. Work that must not wait for this worker's own workflow tasks asks
   * this first: a staged config is read by a query that they answer. What the team's runs claim is
   * the server's to answer, and is read here if it is not at hand.
   */
  async knows(team: string, candidates: readonly (SubmissionRef | undefined)[]): Promise<boolean> {
    const named = this.lastRead.get(team) ?? (await this.teamView(team)).refs;
    return [...candidates, ...named].every((ref) => !ref || this.judged.has(`${ref.workflowId}\n${team}`));
  }

  /**
   * The spec the team's newest verified config gives grant `id`, or why there is none: the grant's
   * starter (or a signal) may have said anything, and only the id and team are taken from it.
   */
  async specFor(
    id: string,
    team: string,
    candidates: readonly (SubmissionRef | undefined)[],
    nowMs = Date.now(),
  ): Promise<{ spec: GrantSpec; from: VerifiedConfig } | { refused: string }> {
    const { verified, reasons } = await this.newestFor(team, candidates);
    if (!verified) {
      return {
        refused: `no verified config of team ${team} holds grant ${id}${reasons.length ? ` (${reasons.join('; ')})` : ' (the team has never been submitted)'}; nothing was applied`,
      };
    }
    const spec = this.grants(verified).get(id);
    const where = `the verified config of team ${team} (${verified.revision ? describeRevision(verified.revision) : 'unsigned'}, signed by ${verified.signer})`;
    if (!spec) return { refused: `${where} holds no grant ${id}; nothing was applied` };
    const ceiling = Math.min(verified.config.settings.maxTemporaryDays, this.authority.guardrails.maxTemporaryDays);
    if (spec.expiresAt && Date.parse(spec.expiresAt) - nowMs > ceiling * DAY_MS) {
      return { refused: `grant ${id} expires ${spec.expiresAt}, more than max_temporary_days (${ceiling}) from now; nothing was applied` };
    }
    return { spec, from: verified };
  }

  /**
   * What a reconcile run that starts fresh takes over from its predecessors: the state of the run
   * whose config is the newest that verifies, with the revision its signature carries. A memo naming
   * a later revision than its config was signed for (a run started by hand, say) wins nothing.
   */
  async recover(team: string, exceptRunId?: string): Promise<ReconcileState> {
    const states = await teamStates(this.temporal, team, exceptRunId);
    const { retiredAtMs } = await this.teamView(team);
    let best: { state: ReconcileState; verified: VerifiedConfig } | undefined;
    for (const state of states) {
      if (!state.config) continue;
      try {
        const verified = await this.verify(state.config, { team });
        if (retiredAtMs !== undefined && verified.signedAt !== undefined && Date.parse(verified.signedAt) <= retiredAtMs) continue;
        if (!best || isNewer(verified, best.verified)) best = { state, verified };
      } catch (error) {
        if (!(error instanceof Refusal) && !(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    if (!best) {
      // None verifies (its key was dropped, say): the newest config claimed is kept, without its revision,
      // so that interval passes still keep early revokes remembered; they apply nothing of it.
      const claimed = pickRecovered(newestClaim(states));
      if (claimed.config) {
        return { config: claimed.config, ...(claimed.reconcileIntervalMs ? { reconcileIntervalMs: claimed.reconcileIntervalMs } : {}) };
      }
      // A retired team: where its objects were goes on with the new run, for the clean-ups after the retirement.
      const scope = await retiredScope(this.temporal, team).catch(() => undefined);
      return scope ? { retiredScope: scope } : {};
    }
    const recovered = pickRecovered(best.state);
    return { ...recovered, ...(best.verified.revision ? { revision: best.verified.revision } : {}), signer: best.verified.signer };
  }

  /** Every grant a config expands to, by id (expired ones included: the caller judges time). */
  private grants(verified: VerifiedConfig): Map<string, GrantSpec> {
    const key = verified.ref.workflowId;
    const hit = this.grantsOf.get(key);
    if (hit) return hit;
    const byId = new Map(expandTeam(verified.config, -Infinity).grants.map((g) => [g.id, g]));
    return remember(this.grantsOf, key, byId, LOADED_CAP);
  }
}

/** Signed beats unsigned; among signed, the later revision. */
function isNewer(candidate: VerifiedConfig, than: VerifiedConfig | undefined): boolean {
  if (!than) return true;
  if (!candidate.revision) return false;
  if (!than.revision) return true;
  return isOlderRevision(than.revision, candidate.revision);
}

/** The state whose claimed revision is the newest (a claim: only for what nothing applies). */
function newestClaim(states: readonly ReconcileState[]): ReconcileState | undefined {
  let newest: ReconcileState | undefined;
  for (const state of states) {
    if (state.config && (!newest?.revision || (state.revision && isOlderRevision(newest.revision, state.revision)))) newest = state;
  }
  return newest;
}
