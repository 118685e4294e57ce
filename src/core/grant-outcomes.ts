// What became of the grants a submission started, judged from what Temporal shows of each one: the
// command line reports it (and exits 1 on a failure) instead of leaving a failed grant to be found in
// the Web UI. Pure: the reads live in src/temporal/grant-watch.ts.

/** One grant as visibility (and, while it is pending, its status query) shows it. */
export interface ObservedGrant {
  /** The GrantState search attribute: pending, active, revoking, revoked, failed. */
  state?: string;
  running: boolean;
  /** How it ended, or (running) how it is ending: `failed` while it cleans up after a failed apply. */
  endCause?: string;
  endReason?: string;
  /** The last error of a running grant (its status query): an apply that is being retried. */
  lastError?: string;
  startsAt?: string;
}

export interface GrantProblem {
  id: string;
  reason: string;
}

export interface OutcomeReport {
  active: string[];
  /** Ended without being granted (a failure a retry cannot fix). */
  failed: GrantProblem[];
  /** Still pending, retrying an apply that failed: not in IAM now. */
  retrying: GrantProblem[];
  /** Waiting for their start_date. */
  scheduled: string[];
  /** Ended for another reason (revoked while the submission ran, say). */
  ended: GrantProblem[];
  /** Not yet seen, or pending without an answer yet. */
  unanswered: string[];
}

/** Sorts each grant into one bucket of the report. */
export function judgeOutcomes(ids: readonly string[], observed: ReadonlyMap<string, ObservedGrant>, nowMs: number): OutcomeReport {
  const report: OutcomeReport = { active: [], failed: [], retrying: [], scheduled: [], ended: [], unanswered: [] };
  for (const id of ids) {
    const grant = observed.get(id);
    if (!grant) {
      report.unanswered.push(id);
    } else if (!grant.running) {
      if (grant.state === 'failed' || grant.endCause === 'failed')
        report.failed.push({ id, reason: grant.endReason ?? grant.lastError ?? 'no reason recorded' });
      else
        report.ended.push({
          id,
          reason: `ended as ${grant.state || 'closed'}${grant.endCause ? ` (${grant.endCause})` : ''}${grant.endReason ? `: ${grant.endReason}` : ''}`,
        });
    } else if (grant.endCause === 'failed') {
      // Still running: cleaning up after an apply that failed for good.
      report.failed.push({ id, reason: grant.lastError ?? grant.endReason ?? 'no reason recorded' });
    } else if (grant.state === 'active') {
      report.active.push(id);
    } else if (grant.lastError) {
      report.retrying.push({ id, reason: grant.lastError });
    } else if (grant.state === 'pending' && grant.startsAt && Date.parse(grant.startsAt) > nowMs) {
      report.scheduled.push(id);
    } else {
      report.unanswered.push(id);
    }
  }
  return report;
}

/** Every grant has an answer: active, failed, retrying with an error, scheduled or ended. */
export function settled(report: OutcomeReport): boolean {
  return report.unanswered.length === 0;
}

/** Every grant is active or has ended (what `submit --wait` waits for); a retrying grant still may become active. */
export function finished(report: OutcomeReport): boolean {
  return report.unanswered.length === 0 && report.retrying.length === 0;
}

/** `1 grant`, `2 grants`. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** The lines that tell an operator which grants are not in IAM and why. */
export function problemLines(report: OutcomeReport): string[] {
  return [
    ...report.failed.map((p) => `failed: ${p.id}: ${p.reason}`),
    ...report.retrying.map((p) => `not applied (retrying): ${p.id}: ${p.reason}`),
    ...report.ended.map((p) => `ended: ${p.id}: ${p.reason}`),
  ];
}
