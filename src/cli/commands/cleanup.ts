import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { AccountClients } from '../../aws/accounts';
import { needsKey, sweepPrincipals, type SweepFinding } from '../../aws/sweep';
import { VisibilityHolderDirectory } from '../../temporal/holders';
import { withTemporal } from '../../temporal/connection';
import { listLiveGrants } from '../../temporal/grant-operations';
import { sweepTeam } from '../../temporal/reconcile-operations';
import { currentRevision } from '../revision';
import { CONFIG_OPTION, defineCommand, EXIT, write, timeoutOption } from '../command';
import { table } from '../table';
import { loadValidTeam } from '../team-input';
import type { ValidTeam } from '../../validate';
import type { SweepSummary } from '../../../workflows/messages';
import { plural } from '../../core/grant-outcomes';
import { iamPrincipalType, isIamPrincipal } from '../../core/ids';

export const cleanupCommand = defineCommand({
  name: 'cleanup',
  summary: 'Remove expired or out-of-policy grantflow access now.',
  arguments: [{ name: 'team', required: true }],
  options: {
    config: { ...CONFIG_OPTION, description: 'config folder, read when the team has no reconcile workflow' },
    'dry-run': { type: 'boolean', description: 'list what would be removed, change nothing' },
    timeout: timeoutOption('10m'),
  },
  description: `
Runs the reconcile workflow's sweep at once instead of waiting for its interval: revokes grants
beyond max_temporary_days, removes what grant workflows terminated from outside left behind, and
deletes the team's grantflow inline policies that are past expiry, beyond the limit or held by no
live grant, and grantflow-made attachments no live grant needs. It never touches IAM objects
grantflow did not create. Without a reconcile workflow (the team was never submitted), it sweeps
the principals of the team's YAML directly.`,
  exitCodes: 'Exit codes: 0 done, 1 invalid config or a part that could not be swept, 2 usage error, 3 Temporal or AWS unreachable.',
  async run({ values, positionals, io }) {
    const team = positionals[0]!;
    const dryRun = values['dry-run'];
    const by = currentRevision('.', io.env).submittedBy;
    return withTemporal({ timeoutMs: values.timeout, waitingFor: `the reconcile workflow of ${team} to sweep` }, async (client) => {
      let findings: SweepFinding[];
      let terminated: string[] = [];
      let revoked: string[] = [];
      let errors: string[] = [];
      let counts: SweepSummary['counts'] | undefined;
      try {
        write(io.stderr, `cleanup: asking ${team}'s reconcile workflow to sweep${dryRun ? ' (dry run)' : ''}`);
        ({ findings, terminated, revoked, errors = [], counts } = await sweepTeam(client, team, dryRun, by, (line) => write(io.stderr, `cleanup: ${line}`)));
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        write(io.stderr, `cleanup: ${team} has no reconcile workflow; sweeping the principals in its YAML directly`);
        const { validation } = await loadValidTeam(io, team, { config: values.config });
        if (!validation.ok) return EXIT.failed;
        findings = await sweepDirectly(client, validation.team.config.settings.iamCallsPerSecond, validation.team, dryRun);
      }
      const verb = dryRun ? 'would remove' : 'removed';
      if (findings.length > 0) {
        write(
          io.stdout,
          table(
            ['ACCOUNT', 'PRINCIPAL', verb.toUpperCase(), 'WHY'],
            findings.map((f) => [f.account, f.principal, f.object, f.why]),
          ),
        );
      }
      for (const id of terminated) write(io.stdout, `${dryRun ? 'would clean up' : 'cleaned up'} terminated grant ${id}`);
      for (const id of revoked) write(io.stdout, `${dryRun ? 'would revoke' : 'revoked'} ${id} (beyond max_temporary_days)`);
      const cleanedObjects = dryRun ? 0 : (counts?.cleanedObjects ?? 0);
      const total = findings.length + cleanedObjects;
      const left = terminated.length
        ? dryRun
          ? `, and what ${plural(terminated.length, 'terminated grant')} left`
          : ` (${cleanedObjects} of them left by ${plural(terminated.length, 'terminated grant')})`
        : '';
      write(io.stdout, `${team}: ${verb} ${plural(total, 'IAM object')}${left}`);
      for (const error of errors) write(io.stderr, `error: ${error}`);
      if (errors.length > 0) {
        write(
          io.stderr,
          `cleanup: ${errors.length} part${errors.length === 1 ? ' was' : 's were'} not swept; fix the cause (\`grantflow doctor\`) and run cleanup again`,
        );
        return EXIT.failed;
      }
      return EXIT.ok;
    });
  },
});

async function sweepDirectly(client: Client, iamCallsPerSecond: number, valid: ValidTeam, dryRun: boolean): Promise<SweepFinding[]> {
  const accounts = new AccountClients({ iamCallsPerSecond });
  try {
    const holders = new VisibilityHolderDirectory(client);
    const liveGrantIds = new Set((await listLiveGrants(client, { team: valid.config.team })).map((g) => g.id));
    const byAccount = new Map<string, (typeof valid.expansion.grants)[number][]>();
    // Identity Center grants are swept by the worker's own pass (`grantflow cleanup` through the reconcile workflow).
    for (const grant of valid.expansion.grants.filter((g) => isIamPrincipal(g.principalType))) {
      byAccount.set(grant.account, [...(byAccount.get(grant.account) ?? []), grant]);
    }
    const findings: SweepFinding[] = [];
    for (const grants of byAccount.values()) {
      const first = grants[0]!;
      const principals = [
        ...new Map(grants.map((g) => [needsKey(g.principalType, g.principal), { type: iamPrincipalType(g.principalType), name: g.principal }])).values(),
      ];
      findings.push(
        ...(await sweepPrincipals(accounts, holders, {
          team: valid.config.team,
          ref: { account: first.account, environment: first.environment, deployer: first.deployer },
          principals,
          liveGrantIds,
          ownNeeds: new Map(),
          nowMs: Date.now(),
          maxTemporaryDays: valid.config.settings.maxTemporaryDays,
          dryRun,
        })),
      );
    }
    return findings;
  } finally {
    accounts.destroy();
  }
}
