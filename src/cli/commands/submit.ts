import type { Client } from '@temporalio/client';
import { connectClient } from '../../temporal/connection';
import { submitTeam, teamGrantStates } from '../../temporal/operations';
import { CONFIG_OPTION, defineCommand, EXIT, JSON_OPTION, UsageError, write, type Io } from '../command';
import { appendStepSummary, submissionSummary } from '../plan-output';
import { currentRevision } from '../revision';
import { loadValidTeam } from '../team-input';
import { parseDuration } from '../../core/time';
import { computePlan, printPlan } from './plan';

/** Waits until every grant the submission wants is active (or failed), printing progress as it changes. */
async function waitForGrants(io: Io, client: Client, team: string, wanted: readonly string[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const states = await teamGrantStates(client, team);
    const active = wanted.filter((id) => states.get(id)?.running && states.get(id)?.state === 'active');
    const failed = wanted.filter((id) => states.get(id) && !states.get(id)!.running);
    const line = `submit: ${active.length}/${wanted.length} grants active${failed.length ? `, ${failed.length} failed` : ''}`;
    if (line !== last) write(io.stderr, line);
    last = line;
    if (active.length + failed.length === wanted.length) {
      for (const id of failed) write(io.stderr, `failed: ${id} ended as ${states.get(id)!.state || 'closed'} (its workflow in the Temporal UI shows why)`);
      return failed.length ? EXIT.failed : EXIT.ok;
    }
    if (Date.now() > deadline) {
      write(io.stderr, `submit: timed out waiting; still pending: ${wanted.filter((id) => !active.includes(id) && !failed.includes(id)).join(', ')}`);
      return EXIT.failed;
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
    wait: { type: 'boolean', description: 'wait until every grant is active (except those whose start_date is ahead), printing progress' },
    timeout: {
      type: 'string',
      value: 'D',
      default: '10m',
      description: 'how long --wait waits',
      parse: (raw: string): number => {
        const ms = parseDuration(raw);
        if (ms === undefined) throw new UsageError(`--timeout: "${raw}" is not a duration such as 90s, 10m or 1h`);
        return ms;
      },
    },
    'dry-run': { type: 'boolean', description: 'print the plan instead of submitting (same as `grantflow plan`)' },
    json: { ...JSON_OPTION, description: "print the workflow's summary as JSON on stdout" },
  },
  description: `
Validates the team's YAML first; with any error nothing is sent. Then it hands the whole team, with
its git revision, to the team's reconcile workflow (started if needed), which syncs the team's
policies, starts missing grants, re-applies live ones, replaces grants whose expiry changed and
revokes what left the YAML. An older revision than the last applied is refused. Prints what the
workflow did; with $GITHUB_STEP_SUMMARY set, also writes it there.`,
  exitCodes: `
Exit codes: 0 submitted (and, with --wait, all active), 1 invalid config, refused or failed grants,
2 usage error, 3 Temporal or AWS unreachable.`,
  async run({ values, positionals, io }) {
    const team = positionals[0]!;
    const timeoutMs = values.timeout;
    const { validation, dir } = await loadValidTeam(io, team, { config: values.config });
    if (!validation.ok) return EXIT.failed;
    if (values['dry-run']) {
      return printPlan(io, team, await computePlan(io, validation.team), values.json);
    }
    const { config, expansion } = validation.team;
    const revision = currentRevision(dir, io.env);
    const { client, connection } = await connectClient();
    try {
      write(io.stderr, `submit: handing ${team} (${expansion.grants.length} grants, revision ${revision.commit?.slice(0, 12) ?? revision.submittedAt}) to its reconcile workflow`);
      let summary;
      try {
        summary = await submitTeam(client, { config, revision, taskQueue: config.settings.taskQueue });
      } catch (error) {
        const cause = (error as { cause?: Error }).cause;
        write(io.stderr, `error: the reconcile workflow refused the submission: ${cause?.message ?? (error as Error).message}`);
        return EXIT.failed;
      }
      write(io.stdout, values.json ? JSON.stringify(summary, null, 2) : submissionSummary(summary));
      appendStepSummary(io.env, `### grantflow submit: ${team}\n\n\`\`\`\n${submissionSummary(summary)}\n\`\`\`\n`);
      let code: number = summary.errors.length ? EXIT.failed : EXIT.ok;
      if (values.wait) {
        const live = expansion.grants.filter((g) => !summary.sticky.includes(g.id));
        // A grant whose start_date is still ahead stays pending until then: nothing to wait for.
        const scheduled = live.filter((g) => g.startsAt && Date.parse(g.startsAt) > Date.now());
        for (const g of scheduled) write(io.stderr, `submit: ${g.id} is scheduled to start at ${g.startsAt}; not waiting for it`);
        const wanted = live.filter((g) => !scheduled.includes(g)).map((g) => g.id);
        code = Math.max(code, await waitForGrants(io, client, team, wanted, timeoutMs));
      }
      return code;
    } finally {
      await connection.close();
    }
  },
});
