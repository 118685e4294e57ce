import fs from 'node:fs';
import path from 'node:path';
import { AccountClients } from '../../aws/accounts';
import { readQuotas } from '../../aws/account-quotas';
import { loadSettings, loadTeam } from '../../config/load';
import { formatDiagnostic } from '../../core/diagnostics';
import { deployerFor } from '../../core/grant-derived';
import { DAY_MS, formatDuration, parseDuration } from '../../core/time';
import { connectClient, withTimeout } from '../../temporal/connection';
import { catalogsAbout } from '../../validate';
import { missingSearchAttributes, namespaceRetentionMs } from '../../temporal/namespace-setup';
import { troubledSinks } from '../../temporal/notification-status';
import { recentRefusals } from '../../temporal/refusals';
import { isInsecureIdentity, taskQueuePollers } from '../../temporal/worker-share';
import { CONFIG_OPTION, defineCommand, EXIT, JSON_OPTION, timeoutOption, UsageError, write } from '../command';

type Outcome = 'ok' | 'FAIL' | 'warn';

export const doctorCommand = defineCommand({
  name: 'doctor',
  summary: 'Check the connection, namespace retention, search attributes and the deployer role in each account.',
  arguments: [{ name: 'team', variadic: true }],
  options: {
    config: CONFIG_OPTION,
    json: { ...JSON_OPTION, description: 'print the checks as JSON' },
    'stuck-after': {
      type: 'string',
      value: 'D',
      default: '10m',
      description: 'a notification still retrying after this long counts as a stuck sink',
      parse: (raw: string): number => {
        const ms = parseDuration(raw);
        if (ms === undefined || ms <= 0) throw new UsageError(`--stuck-after must be a duration such as 10m or 1h, got "${raw}"`);
        return ms;
      },
    },
    'refused-since': {
      type: 'string',
      value: 'D',
      default: '7d',
      description: 'list submissions and grant starts refused within this long',
      parse: (raw: string): number => {
        const ms = parseDuration(raw);
        if (ms === undefined || ms <= 0) throw new UsageError(`--refused-since must be a duration such as 1d or 7d, got "${raw}"`);
        return ms;
      },
    },
    timeout: timeoutOption('1m', 'how long the checks of Temporal may take'),
  },
  description: `
Checks that:
  - Node.js is 22 or later (a warning only: the AWS SDK's releases from 2027 on need it);
  - Temporal answers at TEMPORAL_ADDRESS (exit 3 if not);
  - the namespace keeps closed workflows longer than max_temporary_days + 1 day, so an early
    revocation is remembered for as long as the grant could have lived;
  - grantflow's search attributes are registered;
  - a worker polls the task queue (a warning only), and none accepts unsigned submissions
    (--insecure-accept-unsigned);
  - nothing was refused for lack of a verified submission within --refused-since: submissions
    (unsigned, tampered, below a guardrail) and grant workflows started by hand (a warning each);
  - no notification sink is stuck: messages still retrying after --stuck-after, or given up (a
    warning only, naming the sink and its last error);
  - the deployer role can be assumed in every account of the given teams (default: every team in
    the config folder), and its quotas can be read.`,
  exitCodes: 'Exit codes: 0 all good, 1 a check failed, 3 Temporal unreachable.',
  async run({ values, positionals, io }) {
    const dir = values.config;
    const { settings, diagnostics } = loadSettings(dir, io.env);
    for (const d of diagnostics) write(io.stderr, formatDiagnostic(d));
    const checks: { check: string; outcome: Outcome; detail: string }[] = [];
    const report = (check: string, outcome: Outcome, detail: string) => {
      checks.push({ check, outcome, detail });
      if (!values.json) write(io.stdout, `[${outcome}] ${check}: ${detail}`);
    };
    // The AWS SDK's own warning about this is switched off (bin/grantflow.js): this is the one place that says it.
    const nodeMajor = Number(process.versions.node.split('.')[0]);
    if (nodeMajor < 22) report('node', 'warn', `Node ${process.version}: AWS SDK releases from January 2027 on need Node 22 or later; upgrade to Node 22 LTS`);
    else report('node', 'ok', `Node ${process.version}`);
    const settingsErrors = diagnostics.filter((d) => d.severity === 'error');
    if (settingsErrors.length > 0) {
      report(
        'settings',
        'FAIL',
        `${settingsErrors.length} error(s) in ${settingsErrors[0]!.file} (above); the checks below use the defaults instead. Fix them: grantflow validate <team>`,
      );
    }

    const { actions, awsManagedPolicies: managed } = await catalogsAbout();
    report(
      'catalogues',
      'ok',
      `actions: ${actions.source} ${actions.version}, data of ${actions.date}; AWS managed policies: ${managed.count} from ${managed.source}, as of ${managed.dataAsOf}`,
    );

    const { client, connection, target } = await connectClient();
    try {
      await withTimeout(
        client,
        values.timeout,
        'the checks of Temporal (connection, namespace, search attributes, task queue, notifications)',
        async () => {
          await client.workflowService.getSystemInfo({});
          report('temporal', 'ok', `reachable at ${target.address}, namespace ${target.namespace}`);

          const needMs = (settings.maxTemporaryDays + 1) * DAY_MS;
          const retention = await namespaceRetentionMs(client, target.namespace);
          if (retention === undefined || retention <= needMs) {
            report(
              'retention',
              'FAIL',
              `namespace ${target.namespace} keeps closed workflows ${retention === undefined ? 'for an unknown time' : formatDuration(retention)}; ` +
                `grantflow needs more than ${formatDuration(needMs)} (max_temporary_days + 1 day) so early revocations are remembered. ` +
                `Fix: temporal operator namespace update --namespace ${target.namespace} --retention ${settings.maxTemporaryDays + 2}d`,
            );
          } else report('retention', 'ok', `${formatDuration(retention)} (needs more than ${formatDuration(needMs)})`);

          try {
            const missing = await missingSearchAttributes(client, target.namespace);
            if (missing.length)
              report(
                'search attributes',
                'FAIL',
                `missing ${missing.join(', ')}; start \`grantflow worker\` (it registers them) or add them with the temporal CLI / tcld`,
              );
            else report('search attributes', 'ok', 'all registered');
          } catch (error) {
            report('search attributes', 'warn', `could not list them: ${(error as Error).message}`);
          }

          try {
            const pollers = await taskQueuePollers(client, target.namespace, settings.taskQueue);
            const identities = [...new Set(pollers.map((p) => p.identity))];
            if (identities.length === 0) report('worker', 'warn', `no worker polls task queue "${settings.taskQueue}"; run \`grantflow worker\``);
            else report('worker', 'ok', `${identities.length} worker(s) on task queue "${settings.taskQueue}"`);
            const insecure = identities.filter(isInsecureIdentity);
            if (insecure.length > 0) {
              report(
                'trust',
                'FAIL',
                `${insecure.length} worker(s) accept UNSIGNED submissions (${insecure.join(', ')}): anyone who can start a workflow in namespace ${target.namespace} can grant any access; ` +
                  "restart them without --insecure-accept-unsigned (and GRANTFLOW_INSECURE_ACCEPT_UNSIGNED), trusting CI's key",
              );
            } else if (identities.length > 0) report('trust', 'ok', 'every worker polling the task queue applies signed submissions only');
          } catch (error) {
            report('worker', 'warn', `could not describe task queue "${settings.taskQueue}": ${(error as Error).message}`);
          }

          try {
            const since = new Date(Date.now() - values['refused-since']);
            const refused = await recentRefusals(client, since);
            if (refused.submissions.length + refused.grants.length === 0) report('refusals', 'ok', `nothing refused since ${since.toISOString()}`);
            for (const r of refused.submissions) report(`refused submission of ${r.team}`, 'warn', `${r.at}: ${r.reason}`);
            for (const r of refused.grants) report(`refused grant ${r.id}`, 'warn', `${r.at}: ${r.reason} (a grant workflow started outside a submission)`);
          } catch (error) {
            report('refusals', 'warn', `could not list refusals: ${(error as Error).message}`);
          }

          try {
            const troubled = await troubledSinks(client, new Date(Date.now() - values['stuck-after']));
            if (troubled.length === 0)
              report('notifications', 'ok', `no message retrying for more than ${formatDuration(values['stuck-after'])}, none given up`);
            for (const t of troubled) {
              const parts = [
                ...(t.retrying
                  ? [`${t.retrying} message(s) still retrying after more than ${formatDuration(values['stuck-after'])} (oldest since ${t.oldestSince})`]
                  : []),
                ...(t.gaveUp ? [`${t.gaveUp} message(s) given up`] : []),
                ...(t.lastError ? [`last error: ${t.lastError}`] : []),
              ];
              report(
                `notification sink ${t.sink}`,
                'warn',
                `${parts.join('; ')}. Check the receiver behind the sink's url_env; grants and revokes do not wait for it`,
              );
            }
          } catch (error) {
            report('notifications', 'warn', `could not list notification deliveries: ${(error as Error).message}`);
          }
        },
        'No worker is involved: Temporal answers slowly. Check the server (`temporal operator cluster health`) or raise --timeout',
      );

      const teams = positionals.length > 0 ? positionals : teamsIn(dir);
      const accounts = new AccountClients({ iamCallsPerSecond: settings.iamCallsPerSecond });
      try {
        const seen = new Set<string>();
        for (const team of teams) {
          const loaded = loadTeam(dir, team, io.env);
          if (!loaded.loaded) {
            report(`team ${team}`, 'FAIL', `config does not load; run \`grantflow validate ${team}\``);
            continue;
          }
          for (const [environment, account] of Object.entries(loaded.loaded.config.accounts)) {
            if (seen.has(account)) continue;
            seen.add(account);
            const ref = { account, environment, deployer: deployerFor(settings) };
            try {
              const quotas = await readQuotas({ client: accounts.iam(ref), account, environment });
              const quota = Math.min(quotas.attachedPerUser, quotas.attachedPerRole);
              if (settings.maxManagedPoliciesPerPrincipal > quota) {
                report(
                  `account ${environment} (${account})`,
                  'FAIL',
                  `max_managed_policies_per_principal is ${settings.maxManagedPoliciesPerPrincipal}, but the account's quota is ${quotas.attachedPerUser} per user and ${quotas.attachedPerRole} per role, so validate would pass grants IAM refuses; lower the setting to ${quota}`,
                );
              } else {
                report(
                  `account ${environment} (${account})`,
                  'ok',
                  `assumed ${settings.deployerRole}; managed policies per user ${quotas.attachedPerUser}, per role ${quotas.attachedPerRole}`,
                );
              }
            } catch (error) {
              report(`account ${environment} (${account})`, 'FAIL', (error as Error).message);
            }
          }
        }
      } finally {
        accounts.destroy();
      }
    } finally {
      await connection.close();
    }
    if (values.json) write(io.stdout, JSON.stringify(checks, null, 2));
    return checks.some((c) => c.outcome === 'FAIL') ? EXIT.failed : EXIT.ok;
  },
});

function teamsIn(dir: string): string[] {
  try {
    return fs
      .readdirSync(path.join(dir, 'aws-accounts'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
  } catch {
    return [];
  }
}
