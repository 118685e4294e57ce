// What a pass reports: every list capped (a team of tens of thousands of grants must not put them
// all into a workflow history), every count complete, laid out as the summaries the reconcile
// workflow returns to `submit`, `cleanup` and its own log.
import type { SweepFinding } from '../aws/sweep';
import type { Revision } from '../core/revision';
import { SUMMARY_LIST_CAP, type PlanSummary, type SweepSummary } from '../../workflows/messages';

/** Errors a summary lists in full; the rest are counted. */
const ERRORS_CAP = 50;

/** A list that keeps its first `cap` items and counts every one. */
export class Capped<T> {
  readonly items: T[] = [];
  count = 0;
  constructor(private readonly cap = SUMMARY_LIST_CAP) {}
  push(...items: T[]): void {
    this.count += items.length;
    this.items.push(...items.slice(0, Math.max(0, this.cap - this.items.length)));
  }
  get truncated(): boolean {
    return this.count > this.items.length;
  }
}

/** Everything a pass reports, capped, then laid out as the summary the workflow returns. */
export class Report {
  readonly added = new Capped<string>();
  readonly kept = new Capped<string>();
  readonly revoked = new Capped<string>();
  readonly sticky = new Capped<string>();
  readonly skipped = new Capped<string>();
  readonly replaced = new Capped<{ from: string; to: string }>();
  readonly waiting = new Capped<string>();
  readonly errors = new Capped<string>(ERRORS_CAP);
  readonly findings = new Capped<SweepFinding>();
  readonly terminated = new Capped<string>();
  readonly recorded = new Capped<string>();
  readonly policies: Record<string, string> = {};
  cleaned = 0;
  /** IAM objects (attachments, inline policies) the clean-ups after killed runs removed. */
  cleanedObjects = 0;

  /** Something the pass could not do this time; the next pass tries again. */
  error(message: string): void {
    this.errors.push(message);
  }

  summary(team: string, revision: Revision | undefined): PlanSummary {
    const lists = [this.added, this.kept, this.revoked, this.sticky, this.skipped, this.replaced, this.waiting, this.errors];
    return {
      team,
      ...(revision ? { revision } : {}),
      counts: {
        added: this.added.count,
        kept: this.kept.count,
        replaced: this.replaced.count,
        revoked: this.revoked.count,
        sticky: this.sticky.count,
        skippedExpired: this.skipped.count,
        recorded: this.recorded.count,
        cleaned: this.cleaned,
        errors: this.errors.count,
      },
      added: this.added.items,
      kept: this.kept.items,
      replaced: this.replaced.items,
      revoked: this.revoked.items,
      skippedExpired: this.skipped.items,
      sticky: this.sticky.items,
      waiting: this.waiting.items,
      policies: Object.fromEntries(Object.entries(this.policies).slice(0, SUMMARY_LIST_CAP)),
      errors: this.errors.items,
      truncated: lists.some((l) => l.truncated),
    };
  }

  sweepSummary(dryRun: boolean): SweepSummary {
    return {
      findings: this.findings.items,
      terminated: this.terminated.items,
      revoked: this.revoked.items,
      dryRun,
      errors: this.errors.items,
      counts: {
        findings: this.findings.count,
        terminated: this.terminated.count,
        revoked: this.revoked.count,
        errors: this.errors.count,
        cleanedObjects: this.cleanedObjects,
      },
    };
  }
}
