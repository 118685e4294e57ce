import fs from 'node:fs';
import path from 'node:path';
import { loadSettings } from '../../config/load';
import { formatDiagnostic } from '../../core/diagnostics';
import { parseDuration } from '../../core/time';
import { connectClient, withTimeout } from '../../temporal/connection';
import { catalogsAbout } from '../../validate';
import {
  checkAccounts,
  checkIdentityCenter,
  checkNotifications,
  checkRefusals,
  checkRetention,
  checkSearchAttributes,
  checkWorkers,
  type Outcome,
} from '../doctor-checks';
import { CONFIG_OPTION, defineCommand, EXIT, JSON_OPTION, timeoutOption, UsageError, write } from '../command';
import { loadWorkerAuthority, WORKER_CONFIG_OPTION } from '../worker-authority';

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
    'worker-config': WORKER_CONFIG_OPTION,
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
    the config folder), and its quotas can be read;
  - with --worker-config naming an IAM Identity Center instance (identity_center): the instance is
    reachable through its role and uses the configured identity store, the organisation's
    management account is named (and is the instance's owner), and its permission sets are within
    Identity Center's quota.`,
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
          await checkRetention(client, target.namespace, settings, report);
          await checkSearchAttributes(client, target.namespace, report);
          await checkWorkers(client, target.namespace, settings, report);
          await checkRefusals(client, values['refused-since'], report);
          await checkNotifications(client, values['stuck-after'], report);
        },
        'No worker is involved: Temporal answers slowly. Check the server (`temporal operator cluster health`) or raise --timeout',
      );
      await checkAccounts({ dir, teams: positionals.length > 0 ? positionals : teamsIn(dir), settings, env: io.env }, report);
      if (values['worker-config']) {
        const worker = loadWorkerAuthority({ file: values['worker-config'] });
        for (const d of worker.diagnostics) write(io.stderr, formatDiagnostic(d));
        if (worker.diagnostics.some((d) => d.severity === 'error')) report('worker configuration', 'FAIL', `errors in ${values['worker-config']} (above)`);
        if (worker.identityCenter) await checkIdentityCenter(worker.identityCenter, report);
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
