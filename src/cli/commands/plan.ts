import { AccountClients } from '../../aws/accounts';
import { plural as count } from '../../core/grant-outcomes';
import { planTeam, type PlanEntry } from '../../core/plan';
import { readLiveView } from '../../live-view';
import { connectClient, withTimeout } from '../../temporal/connection';
import type { ValidTeam } from '../../validate';
import { CONFIG_OPTION, defineCommand, EXIT, JSON_OPTION, timeoutOption, write, type Io } from '../command';
import { appendStepSummary, expiryNotes, planCounts, planMarkdown, planTable } from '../plan-output';
import { WORKER_CONFIG_OPTION } from '../worker-authority';
import { loadValidTeam } from '../team-input';

/** Desired (the YAML) against live (running grants, early revocations, IAM): shared by plan and submit --dry-run. */
export async function computePlan(io: Io, valid: ValidTeam, timeoutMs: number): Promise<PlanEntry[]> {
  const { client, connection } = await connectClient();
  const accounts = new AccountClients({ iamCallsPerSecond: valid.config.settings.iamCallsPerSecond });
  try {
    write(
      io.stderr,
      `plan: reading running grants from Temporal and ${count(new Set(valid.expansion.grants.map((g) => g.principal)).size, 'principal')} from IAM`,
    );
    const live = await withTimeout(client, timeoutMs, `the running grants of ${valid.config.team} from Temporal's visibility`, () =>
      readLiveView(client, accounts, valid.config.team, valid.expansion, (message) => write(io.stderr, `warning: ${message}`)),
    );
    return planTeam(valid.expansion, live, {
      nowMs: Date.now(),
      maxTemporaryDays: valid.config.settings.maxTemporaryDays,
      ...(valid.config.breakGlass ? { breakGlass: valid.config.breakGlass } : {}),
    });
  } finally {
    accounts.destroy();
    await connection.close();
  }
}

/** Prints the plan; the exit code is 1 when a grant could not land as planned (over a quota). */
export async function printPlan(io: Io, team: string, entries: PlanEntry[], json: boolean): Promise<number> {
  const problems = [...new Set(entries.flatMap((e) => (e.problem ? [e.problem] : [])))];
  for (const problem of problems) write(io.stderr, `error: ${problem}`);
  if (json) {
    write(io.stdout, JSON.stringify({ team, entries }, null, 2));
  } else {
    write(io.stdout, planTable(entries));
    const notes = expiryNotes(entries);
    write(io.stdout, `\n${team}: ${planCounts(entries)}${notes ? `\n\n${notes}` : ''}`);
  }
  appendStepSummary(io.env, planMarkdown(team, entries, 'grantflow plan'));
  return problems.length ? EXIT.failed : EXIT.ok;
}

export const planCommand = defineCommand({
  name: 'plan',
  summary: 'Show what submitting a team would change: add, keep, replace, revoke.',
  arguments: [{ name: 'team', required: true }],
  options: {
    config: CONFIG_OPTION,
    json: { ...JSON_OPTION, description: 'print the plan as JSON on stdout' },
    timeout: timeoutOption('2m', 'how long to wait for Temporal'),
    'worker-config': WORKER_CONFIG_OPTION,
  },
  description: `
Validates the team's YAML (as \`validate\` does), then compares it with the running grant workflows,
early revocations and what IAM holds on each principal. For every grant it prints the action, any
drift a submission would repair (a policy detached by hand), and for temporary grants which parts
AWS expires by itself (the inline policy's DateLessThan aws:CurrentTime condition) and which only
the workflow removes (managed-policy attachments). A grant that would push a principal over the
account's quota of attached managed policies (counting what is attached already) is an error.
Same as \`submit --dry-run\`. With $GITHUB_STEP_SUMMARY set, the plan is also written there as
Markdown.`,
  exitCodes: 'Exit codes: 0 planned, 1 invalid config or a grant over a quota, 2 usage error, 3 Temporal or AWS unreachable.',
  async run({ values, positionals, io }) {
    const team = positionals[0]!;
    const { validation } = await loadValidTeam(io, team, { config: values.config, workerConfig: values['worker-config'] });
    if (!validation.ok) return EXIT.failed;
    const entries = await computePlan(io, validation.team, values.timeout);
    return printPlan(io, team, entries, values.json);
  },
});
