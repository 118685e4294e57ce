import { AccountClients } from '../../aws/accounts';
import { createIdentityCenter } from '../../aws/identity-center';
import { error, formatDiagnostic, type Diagnostic, type Position } from '../../core/diagnostics';
import type { GrantSpec } from '../../core/grant';
import type { IdentityCenterSettings } from '../../core/identity-center';
import { plural as count } from '../../core/grant-outcomes';
import { planTeam, type PlanEntry } from '../../core/plan';
import { readIdentityCenterView, readLiveView } from '../../live-view';
import { connectClient, withTimeout } from '../../temporal/connection';
import type { ValidTeam } from '../../validate';
import { CONFIG_OPTION, defineCommand, EXIT, JSON_OPTION, timeoutOption, write, type Io } from '../command';
import { appendStepSummary, expiryNotes, planCounts, planMarkdown, planTable } from '../plan-output';
import { WORKER_CONFIG_OPTION } from '../worker-authority';
import { loadValidTeam } from '../team-input';

/** A plan: its entries, what the identity store could not answer (errors at their line), and notes to print after the table. */
export interface Plan {
  entries: PlanEntry[];
  problems: Diagnostic[];
  notes: string[];
}

/**
 * Desired (the YAML) against live (running grants, early revocations, IAM, and for Identity Center
 * grants the identity store and the instance): shared by plan and submit --dry-run.
 */
export async function computePlan(io: Io, valid: ValidTeam, timeoutMs: number, identityCenter?: IdentityCenterSettings): Promise<Plan> {
  const ssoGrants = valid.expansion.grants.filter((g) => g.permissionSet);
  if (ssoGrants.length > 0 && !identityCenter) {
    const first = ssoGrants[0]!;
    return {
      entries: [],
      problems: [
        error(
          { file: first.source.file, line: first.source.line, col: 1 },
          'the team grants to IAM Identity Center users or groups: pass --worker-config FILE (its identity_center names the instance), so that plan can find them in the identity store',
        ),
      ],
      notes: [],
    };
  }
  const { client, connection } = await connectClient();
  const accounts = new AccountClients({ iamCallsPerSecond: valid.config.settings.iamCallsPerSecond });
  const ic = ssoGrants.length > 0 && identityCenter ? createIdentityCenter(identityCenter) : undefined;
  try {
    write(
      io.stderr,
      `plan: reading running grants from Temporal and ${count(new Set(valid.expansion.grants.map((g) => g.principal)).size, 'principal')} from IAM` +
        (ic ? ' and IAM Identity Center' : ''),
    );
    const live = await withTimeout(client, timeoutMs, `the running grants of ${valid.config.team} from Temporal's visibility`, () =>
      readLiveView(client, accounts, valid.config.team, valid.expansion, (message) => write(io.stderr, `warning: ${message}`)),
    );
    const found = ic ? await readIdentityCenterView(ic, valid.expansion, live) : [];
    const entries = planTeam(valid.expansion, live, {
      nowMs: Date.now(),
      maxTemporaryDays: valid.config.settings.maxTemporaryDays,
      ...(valid.config.breakGlass ? { breakGlass: valid.config.breakGlass } : {}),
    });
    return {
      entries,
      problems: found.map((p) => error(ssoLocation(valid, p.grant), p.message, 'identity-center')),
      notes: ic ? [sessionNote(ic.clients.settings)] : [],
    };
  } finally {
    accounts.destroy();
    ic?.clients.destroy();
    await connection.close();
  }
}

/** Where the grant's Identity Center principal is written: the sso_users or sso_groups item, or the temporary entry's key. */
function ssoLocation(valid: ValidTeam, grant: GrantSpec): Position {
  const index = grant.source.index ?? 0;
  if (grant.kind === 'temporary')
    return valid.locate('temporary-access', ['temporary-access', index, grant.principalType === 'sso-user' ? 'sso_user' : 'sso_group']);
  const entry = valid.config.permanent[index];
  const key = grant.principalType === 'sso-user' ? 'sso_users' : 'sso_groups';
  const list = (grant.principalType === 'sso-user' ? entry?.ssoUsers : entry?.ssoGroups) ?? [];
  const at = list.findIndex((written) => written.toLowerCase() === grant.principal.toLowerCase());
  return valid.locate('permanent-access', ['permanent-access', index, key, ...(at >= 0 ? [at] : [])]);
}

/** What the workflow can and cannot promise for Identity Center grants, said where a reviewer reads the plan. */
function sessionNote(settings: IdentityCenterSettings): string {
  return (
    'IAM Identity Center grants: an assignment carries no expiry condition, so only the workflow ends it (at expiry, at a revoke, when the entry leaves the YAML); ' +
    `a session opened before then keeps working until it ends, up to the permission set's session duration (${settings.sessionDuration}) later.`
  );
}

/** Prints the plan; the exit code is 1 when a grant could not land as planned (over a quota, a user the identity store does not know). */
export async function printPlan(io: Io, team: string, plan: Plan, json: boolean): Promise<number> {
  const { entries } = plan;
  for (const problem of plan.problems) write(io.stderr, formatDiagnostic(problem));
  const problems = [...new Set(entries.flatMap((e) => (e.problem ? [e.problem] : [])))];
  for (const problem of problems) write(io.stderr, `error: ${problem}`);
  if (plan.problems.length > 0) {
    write(io.stderr, `${team}: ${count(plan.problems.length, 'error')} in IAM Identity Center; nothing was sent`);
    return EXIT.failed;
  }
  if (json) {
    write(io.stdout, JSON.stringify({ team, entries, ...(plan.notes.length ? { notes: plan.notes } : {}) }, null, 2));
  } else {
    write(io.stdout, planTable(entries));
    const notes = [expiryNotes(entries), ...plan.notes].filter(Boolean).join('\n\n');
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
    const { validation, identityCenter } = await loadValidTeam(io, team, { config: values.config, workerConfig: values['worker-config'] });
    if (!validation.ok) return EXIT.failed;
    return printPlan(io, team, await computePlan(io, validation.team, values.timeout, identityCenter), values.json);
  },
});
