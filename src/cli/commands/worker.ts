import { loadNotifications, loadSettings } from '../../config/load';
import { connectClient, connectWorker } from '../../temporal/connection';
import { registerSearchAttributes } from '../../temporal/namespace-setup';
import { installWorkerMetrics, metricsBindAddress } from '../../metrics';
import { createWorker, DEFAULT_AUTHORITY } from '../../worker';
import { CONFIG_OPTION, defineCommand, EXIT, UsageError, write, type Io } from '../command';
import { formatDiagnostic, type Diagnostic } from '../../core/diagnostics';
import { loadWorkerAuthority, WORKER_CONFIG_OPTION } from '../worker-authority';

export const workerCommand = defineCommand({
  name: 'worker',
  summary: 'Run a grantflow worker: the grant and reconcile workflows and the IAM activities.',
  arguments: [],
  options: {
    config: { ...CONFIG_OPTION, description: 'folder holding grantflow.yaml: settings only, teams are not read' },
    'task-queue': { type: 'string', value: 'Q', description: 'override the task queue', defaultText: 'the task_queue setting' },
    'max-cached-workflows': { type: 'string', value: 'N', description: 'workflows kept in memory; others replay on wake-up', default: '100' },
    'worker-config': WORKER_CONFIG_OPTION,
    'trusted-key': {
      type: 'string',
      value: 'KEY|FILE',
      env: 'GRANTFLOW_TRUSTED_KEYS',
      multiple: true,
      description:
        "a public key (ssh-ed25519 line or PEM) whose signed submissions the worker applies, or a file of such keys, one per line; adds to the worker configuration's trusted_submitters",
    },
    'insecure-accept-unsigned': {
      type: 'boolean',
      description:
        'apply submissions that carry no signature (anyone who can reach Temporal can then grant anything); for a local test stack only. Also GRANTFLOW_INSECURE_ACCEPT_UNSIGNED=true',
    },
    'max-temporary-days': {
      type: 'string',
      value: 'N',
      env: 'GRANTFLOW_WORKER_MAX_TEMPORARY_DAYS',
      default: String(DEFAULT_AUTHORITY.guardrails.maxTemporaryDays),
      description:
        "ceiling on every team's max_temporary_days (the lower of this and the worker configuration's): a team's own setting applies only below it, submissions cannot raise it, and running grants beyond a lowered ceiling are revoked at the next pass",
      parse: (raw: string): number => {
        const days = Number(raw);
        if (!Number.isInteger(days) || days < 1 || days > 365) throw new UsageError(`--max-temporary-days must be a whole number from 1 to 365, got "${raw}"`);
        return days;
      },
    },
    'metrics-address': {
      type: 'string',
      value: 'HOST:PORT',
      env: 'GRANTFLOW_METRICS_ADDRESS',
      description: 'serve Prometheus metrics at http://HOST:PORT/metrics (the Temporal SDK runtime and grantflow_* series); off unless given',
      parse: (raw: string): string => {
        const address = metricsBindAddress(raw);
        if (!address) throw new UsageError(`--metrics-address must be HOST:PORT or a port, such as 127.0.0.1:9464, got "${raw}"`);
        return address;
      },
    },
  },
  description: `
Connects to Temporal with the TEMPORAL_* environment (or a temporal.toml profile), registers
grantflow's search attributes if the namespace lacks them, and polls the task queue (setting
task_queue, default "grantflow"). AWS credentials come from the SDK's default chain; the worker
assumes the deployer role in each account. With --metrics-address it serves Prometheus metrics
(docs/OPERATIONS.md lists the series). SIGTERM or SIGINT stops it gracefully: it finishes the
tasks in hand and exits. Run several workers for capacity; they share the work.

The worker applies only submissions signed by a key it trusts (--worker-config's
trusted_submitters, --trusted-key), and only configs within its guardrails (--worker-config).
A worker that trusts no key refuses every submission, unless started with
--insecure-accept-unsigned, which it then announces at start and to \`grantflow doctor\`.`,
  exitCodes: 'Exit codes: 0 stopped cleanly, 1 failed, 3 Temporal unreachable.',
  async run({ values, io }) {
    const { settings, diagnostics } = loadSettings(values.config, io.env);
    if (reportErrors(io, diagnostics)) return EXIT.failed;
    const notifications = loadNotifications(values.config, io.env);
    if (reportErrors(io, notifications.diagnostics)) return EXIT.failed;
    const insecure = values['insecure-accept-unsigned'] || io.env.GRANTFLOW_INSECURE_ACCEPT_UNSIGNED === 'true';
    const authority = loadWorkerAuthority({
      file: values['worker-config'],
      trustedKeys: values['trusted-key'],
      insecureAcceptUnsigned: insecure,
      maxTemporaryDays: values['max-temporary-days'],
    });
    if (reportErrors(io, authority.diagnostics)) return EXIT.failed;
    const { trust, guardrails } = authority.authority;
    if (trust.keys.length === 0 && !trust.insecureAcceptUnsigned) {
      write(
        io.stderr,
        'error: the worker trusts no submitter, so it would refuse every submission; list trusted_submitters in --worker-config, pass --trusted-key, ' +
          'or (a local test stack only) --insecure-accept-unsigned',
      );
      return EXIT.failed;
    }
    for (const key of trust.keys) write(io.stderr, `worker: applies submissions signed by ${key.name} (${key.id})`);
    const ic = authority.identityCenter;
    if (ic) {
      write(
        io.stderr,
        `worker: assigns IAM Identity Center permission sets in ${ic.instanceArn} (${ic.region}) as ${ic.roleName} in account ${ic.account}; ` +
          `sessions last up to ${ic.sessionDuration} after a revoke; ${ic.callsPerSecond} calls/s and ${ic.maxCreationsInFlight} creations in flight for all workers`,
      );
    }
    if (trust.insecureAcceptUnsigned) {
      write(
        io.stderr,
        'WARNING: this worker accepts UNSIGNED submissions (--insecure-accept-unsigned): anyone who can start a workflow in this namespace can grant any access ' +
          'in every account the deployer role reaches. Use it on a local test stack only.',
      );
    }
    const taskQueue = values['task-queue'] ?? settings.taskQueue;
    // The SDK runtime is one per process and must be set up before the worker's connection opens.
    const metrics = values['metrics-address'] ? installWorkerMetrics(values['metrics-address']) : undefined;
    const { client, connection, target } = await connectClient();
    try {
      try {
        const added = await registerSearchAttributes(client, target.namespace);
        if (added.length) write(io.stderr, `worker: registered search attributes ${added.join(', ')} in namespace ${target.namespace}`);
      } catch (error) {
        write(
          io.stderr,
          `warning: could not check or register search attributes (${(error as Error).message}); on Temporal Cloud add them with tcld or the Cloud UI; \`grantflow doctor\` checks them`,
        );
      }
      const native = await connectWorker(target);
      const { worker, accounts } = await createWorker({
        connection: native,
        client,
        namespace: target.namespace,
        taskQueue,
        iamCallsPerSecond: settings.iamCallsPerSecond,
        maxCachedWorkflows: Number(values['max-cached-workflows']),
        authority: authority.authority,
        ...(authority.identityCenter ? { identityCenter: authority.identityCenter } : {}),
        onReconcilesStarted: (teams) =>
          write(
            io.stderr,
            `worker: started again the reconcile workflow of ${teams.join(', ')} (it was not running; its passes go on without waiting for a submission)`,
          ),
        ...(metrics ? { outcomes: metrics.outcomes } : {}),
        onShareChange: (workers) =>
          write(
            io.stderr,
            `worker: ${workers} worker(s) serve task queue "${taskQueue}"; this one sends up to ${Math.round((settings.iamCallsPerSecond / workers) * 100) / 100} of the ${settings.iamCallsPerSecond} IAM calls/s per account`,
          ),
        notifications: { sinks: notifications.sinks, ...(notifications.webUiUrl ? { webUiUrl: notifications.webUiUrl } : {}) },
      });
      for (const sink of notifications.sinks) write(io.stderr, `worker: notifying sink "${sink.name}" (${sink.format}) of ${sink.events.join(', ')}`);
      const stopWatching = metrics?.watchGrants(client);
      if (metrics) write(io.stderr, `worker: Prometheus metrics at http://${values['metrics-address']}/metrics`);
      const stop = (signal: string) => {
        write(io.stderr, `worker: ${signal} received; finishing tasks in hand and stopping`);
        worker.shutdown();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      write(
        io.stderr,
        `worker: polling task queue "${taskQueue}" in namespace ${target.namespace} at ${target.address} (max_temporary_days ceiling ${guardrails.maxTemporaryDays})`,
      );
      try {
        await worker.run();
      } finally {
        stopWatching?.();
        accounts.destroy();
        await native.close();
      }
      write(io.stderr, 'worker: stopped');
      return EXIT.ok;
    } finally {
      await connection.close();
    }
  },
});

/** Prints the diagnostics; true when one is an error (the worker does not start). */
function reportErrors(io: Io, diagnostics: readonly Diagnostic[]): boolean {
  for (const d of diagnostics) write(io.stderr, formatDiagnostic(d));
  return diagnostics.some((d) => d.severity === 'error');
}
