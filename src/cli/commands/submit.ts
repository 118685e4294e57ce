import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { connectClient, withTimeout } from '../../temporal/connection';
import { submitTeam } from '../../temporal/reconcile-operations';
import { CONFIG_OPTION, defineCommand, EXIT, JSON_OPTION, timeoutOption, write, type Io } from '../command';
import { appendStepSummary, submissionSummary } from '../plan-output';
import { currentRevision } from '../revision';
import { loadValidTeam } from '../team-input';
import { shortCommit } from '../../core/revision';
import { finished, judgeOutcomes, plural, problemLines, settled, type OutcomeReport } from '../../core/grant-outcomes';
import { observeGrants } from '../../temporal/grant-watch';
import { computePlan, printPlan } from './plan';
import { WORKER_CONFIG_OPTION } from '../worker-authority';
import { loadSigningKey } from '../../trust/worker-trust';
import { fileDigests, signerFor } from '../../trust/submissions';
import { fingerprint } from '../../trust/keys';
import { locateSetting } from '../../config/load';
import fs from 'node:fs';

/** How long a submission without --wait watches the grants it started for a first answer (active, failed, retrying). */
const SETTLE_MS = 60_000;

/**
 * Watches `wanted` until each has an answer (`untilFinished`: until each is active or ended), or the
 * deadline; prints progress as it changes and returns what became of them.
 */
async function watchGrants(
  io: Io,
  client: Client,
  team: string,
  wanted: readonly string[],
  options: { timeoutMs: number; untilFinished: boolean; taskQueue: string },
): Promise<OutcomeReport> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    const report = judgeOutcomes(wanted, await observeGrants(client, team, wanted), Date.now());
    const failed = report.failed.length + report.ended.length;
    const line =
      `submit: ${report.active.length}/${plural(wanted.length, 'grant')} active` +
      `${failed ? `, ${failed} failed` : ''}${report.retrying.length ? `, ${report.retrying.length} retrying` : ''}${report.scheduled.length ? `, ${report.scheduled.length} scheduled` : ''}`;
    if (line !== last) write(io.stderr, line);
    last = line;
    if (options.untilFinished ? finished(report) : settled(report)) return report;
    if (Date.now() > deadline) {
      if (report.unanswered.length) {
        write(
          io.stderr,
          `submit: no answer yet after ${Math.round(options.timeoutMs / 1000)}s from ${plural(report.unanswered.length, 'grant')} ` +
            `(waiting for a worker on task queue ${options.taskQueue} to apply them): ${report.unanswered.join(', ')}`,
        );
      }
      return report;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export const submitCommand = defineCommand({
  name: 'submit',
  summary: 'Validate a team and hand it to its reconcile workflow, which grants and revokes to match.',
  arguments: [{ name: 'team', required: true }],
  options: {
    config: CONFIG_OPTION,
    wait: {
      type: 'boolean',
      description: "wait until every grant is active or failed (except those whose start_date is ahead), printing progress and each failure's reason",
    },
    timeout: timeoutOption('10m', 'how long to wait for the reconcile workflow to take the submission and, with --wait, for the grants'),
    'dry-run': { type: 'boolean', description: 'print the plan instead of submitting (same as `grantflow plan`)' },
    'signing-key': {
      type: 'string',
      value: 'FILE',
      env: 'GRANTFLOW_SIGNING_KEY_FILE',
      description:
        "the submitter's ed25519 private key (PEM, or an unencrypted OpenSSH key) that signs the submission; $GRANTFLOW_SIGNING_KEY may hold the key itself (a CI secret)",
    },
    'worker-config': WORKER_CONFIG_OPTION,
    json: { ...JSON_OPTION, description: "print the workflow's summary as JSON on stdout" },
  },
  description: `
Validates the team's YAML first (and, with --worker-config, against the worker's guardrails); with
any error nothing is sent. Then it signs the submission with the submitter's key (--signing-key or
$GRANTFLOW_SIGNING_KEY: the team, the revision, the SHA-256 of every YAML file and of the config
sent) and hands the whole team to its reconcile workflow (started if needed). The worker applies it
only if a key it trusts signed it, recently, and it meets the worker's guardrails. The workflow syncs the team's
policies, starts missing grants, re-applies live ones, replaces grants whose expiry changed and
revokes what left the YAML. An older revision than the last applied is refused. Prints what the
workflow did, then watches the grants it started (up to a minute, or --timeout if shorter) for a
first answer: a grant that failed, or is retrying an IAM error, is listed with the error and its
fix, and the exit code is 1. With $GITHUB_STEP_SUMMARY set, the summary is also written there.`,
  exitCodes: `
Exit codes: 0 submitted (and, with --wait, all active), 1 invalid config, refused or failed grants,
2 usage error, 3 Temporal or AWS unreachable.`,
  async run({ values, positionals, io }) {
    const team = positionals[0]!;
    const timeoutMs = values.timeout;
    const { validation, dir, identityCenter } = await loadValidTeam(io, team, { config: values.config, workerConfig: values['worker-config'] });
    if (!validation.ok) return EXIT.failed;
    if (values['dry-run']) {
      return printPlan(io, team, await computePlan(io, validation.team, values.timeout, identityCenter), values.json);
    }
    const { config, expansion } = validation.team;
    const revision = currentRevision(dir, io.env);
    const signing = loadSigningKey({ ...(values['signing-key'] ? { file: values['signing-key'] } : {}), env: io.env });
    if (signing.error) {
      write(io.stderr, `error: ${signing.error}; nothing was sent`);
      return EXIT.failed;
    }
    const settingsFile = locateSetting(dir, '').file;
    const files = [...validation.team.files, ...(fs.existsSync(settingsFile) ? [settingsFile] : [])];
    const sign = signing.key ? signerFor(signing.key, fileDigests(dir, files)) : undefined;
    write(
      io.stderr,
      signing.key
        ? `submit: signing with key ${fingerprint(signing.key)} (${plural(files.length, 'file')} digested)`
        : 'submit: no signing key (--signing-key or $GRANTFLOW_SIGNING_KEY): the submission is unsigned, and a worker that trusts only signed submissions refuses it',
    );
    const { client, connection } = await connectClient();
    try {
      write(
        io.stderr,
        `submit: handing ${team} (${plural(expansion.grants.length, 'grant')}, revision ${revision.commit ? shortCommit(revision.commit) : revision.submittedAt}) to its reconcile workflow`,
      );
      let summary;
      try {
        summary = await withTimeout(
          client,
          timeoutMs,
          `the reconcile workflow of ${team} to take the submission (a worker on task queue ${config.settings.taskQueue} runs it; the submission is applied once one does)`,
          () =>
            submitTeam(client, {
              config,
              revision,
              taskQueue: config.settings.taskQueue,
              ...(sign ? { sign } : {}),
              onProgress: (line) => write(io.stderr, `submit: ${line}`),
            }),
        );
      } catch (error) {
        // Only the workflow's answer is a refusal; a timeout or an unreachable server is printed as such by the caller.
        if (!(error instanceof WorkflowUpdateFailedError)) throw error;
        const cause = (error as { cause?: Error }).cause;
        write(io.stderr, `error: the reconcile workflow refused the submission: ${cause?.message ?? (error as Error).message}`);
        return EXIT.failed;
      }
      if (!values.json) write(io.stdout, submissionSummary(summary));
      // Which grants this submission asked for: without --wait, those it started; with --wait, every live one.
      const live = expansion.grants.filter((g) => !summary.sticky.includes(g.id));
      const scheduled = values.wait ? live.filter((g) => g.startsAt && Date.parse(g.startsAt) > Date.now()) : [];
      for (const g of scheduled) write(io.stderr, `submit: ${g.id} is scheduled to start at ${g.startsAt}; not waiting for it`);
      const watched = values.wait
        ? live.filter((g) => !scheduled.includes(g)).map((g) => g.id)
        : [...new Set([...summary.added, ...summary.replaced.map((r) => r.to), ...summary.waiting])];
      const report = watched.length
        ? await watchGrants(io, client, team, watched, {
            timeoutMs: values.wait ? timeoutMs : Math.min(timeoutMs, SETTLE_MS),
            untilFinished: values.wait,
            taskQueue: config.settings.taskQueue,
          })
        : judgeOutcomes([], new Map(), Date.now());
      const problems = problemLines(report);
      const text = [submissionSummary(summary), ...problems.map((line) => `  ${line}`)].join('\n');
      if (values.json) {
        write(
          io.stdout,
          JSON.stringify(
            { ...summary, errors: [...summary.errors, ...problems], failed: report.failed, retrying: report.retrying, ended: report.ended },
            null,
            2,
          ),
        );
        for (const line of problems) write(io.stderr, line);
      } else if (problems.length) {
        write(io.stdout, [`${plural(problems.length, 'grant')} not in IAM:`, ...problems.map((line) => `  ${line}`)].join('\n'));
      }
      appendStepSummary(io.env, `### grantflow submit: ${team}\n\n\`\`\`\n${text}\n\`\`\`\n`);
      let code: number = summary.errors.length || problems.length ? EXIT.failed : EXIT.ok;
      // --wait promises every grant active: one still without an answer at the deadline is a failure too.
      if (values.wait && report.unanswered.length) code = EXIT.failed;
      return code;
    } finally {
      await connection.close();
    }
  },
});
