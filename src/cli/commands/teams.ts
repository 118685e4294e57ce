import { WorkflowNotFoundError } from '@temporalio/client';
import { teamsInFolder } from '../../config/load';
import { plural } from '../../core/grant-outcomes';
import { shortCommit, type Revision } from '../../core/revision';
import { withTemporal } from '../../temporal/connection';
import { teamGrantsQuery } from '../../temporal/grant-query';
import { CONFIG_OPTION, defineCommand, EXIT, JSON_OPTION, timeoutOption, write } from '../command';
import { table } from '../table';

const RECONCILE_PREFIX = 'grantflow-reconcile/';

interface TeamRow {
  team: string;
  inConfig: boolean;
  /** The reconcile workflow's status (RUNNING, TERMINATED, ...), or none. */
  reconcile: string;
  liveGrants: number;
  revision?: Revision;
}

export const teamsCommand = defineCommand({
  name: 'teams',
  summary: 'List the teams: in the config folder, and those Temporal has a reconcile workflow for.',
  arguments: [],
  options: {
    config: CONFIG_OPTION,
    json: { ...JSON_OPTION, description: 'print the teams as JSON on stdout' },
    timeout: timeoutOption('1m'),
  },
  description: `
Each team found in the config folder (a file in any of aws-accounts/, aws-policies/,
permanent-access/, temporary-access/) or with a reconcile workflow in Temporal (the workflow that
keeps the team's IAM equal to its last submitted YAML): whether its YAML is here, the reconcile
workflow's status (none: never submitted), its running grants, and the last revision applied.
A team in Temporal but not in the folder was submitted from elsewhere or its files were deleted
(deleting files revokes nothing: \`grantflow retire\`).`,
  exitCodes: 'Exit codes: 0 listed, 2 usage error, 3 Temporal unreachable.',
  async run({ values, io }) {
    const inFolder = new Set(teamsInFolder(values.config));
    return withTemporal({ timeoutMs: values.timeout, waitingFor: "the teams' reconcile workflows from Temporal's visibility" }, async (client) => {
      const reconciles = new Map<string, string>();
      for await (const run of client.workflow.list({ query: `WorkflowType = 'reconcileWorkflow'` })) {
        if (!run.workflowId.startsWith(RECONCILE_PREFIX)) continue;
        const team = run.workflowId.slice(RECONCILE_PREFIX.length);
        if (!reconciles.has(team) || run.status.name === 'RUNNING') reconciles.set(team, run.status.name);
      }
      const names = [...new Set([...inFolder, ...reconciles.keys()])].sort();
      const rows: TeamRow[] = [];
      for (const team of names) {
        const { count } = await client.workflow.count(teamGrantsQuery(team, `ExecutionStatus = 'Running'`));
        let revision: Revision | undefined;
        if (reconciles.has(team)) {
          try {
            const memo = (await client.workflow.getHandle(`${RECONCILE_PREFIX}${team}`).describe()).memo as { state?: { revision?: Revision } } | undefined;
            revision = memo?.state?.revision;
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          }
        }
        rows.push({ team, inConfig: inFolder.has(team), reconcile: reconciles.get(team) ?? 'none', liveGrants: count, ...(revision ? { revision } : {}) });
      }
      if (values.json) {
        write(io.stdout, JSON.stringify(rows, null, 2));
        return EXIT.ok;
      }
      const revisionText = (r?: Revision) => (r ? `${r.commit ? shortCommit(r.commit) : r.submittedAt} by ${r.submittedBy}` : '-');
      write(
        io.stdout,
        table(
          ['TEAM', 'YAML', 'RECONCILE WORKFLOW', 'LIVE GRANTS', 'LAST REVISION'],
          rows.map((r) => [r.team, r.inConfig ? 'yes' : 'no', r.reconcile.toLowerCase(), String(r.liveGrants), revisionText(r.revision)]),
        ),
      );
      write(
        io.stdout,
        `\n${plural(rows.length, 'team')}: ${rows.filter((r) => r.inConfig).length} in ${values.config}, ${rows.filter((r) => r.reconcile === 'RUNNING').length} with a running reconcile workflow`,
      );
      return EXIT.ok;
    });
  },
});
