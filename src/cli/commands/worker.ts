import { loadSettings } from '../../config/load';
import { connectClient, connectWorker } from '../../temporal/connection';
import { registerSearchAttributes } from '../../temporal/namespace-setup';
import { createWorker } from '../../worker';
import { CONFIG_OPTION, EXIT, UsageError, write, type Command } from '../command';
import { DEFAULT_WORKER_LIMITS } from '../../../activities';
import { configDirFrom } from '../team-input';
import { formatDiagnostic } from '../../core/diagnostics';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run a grantflow worker: the grant and reconcile workflows and the IAM activities.',
  usage: 'grantflow worker [--config DIR] [--task-queue Q] [--max-cached-workflows N] [--max-temporary-days N]',
  details: `
Connects to Temporal with the TEMPORAL_* environment (or a temporal.toml profile), registers
grantflow's search attributes if the namespace lacks them, and polls the task queue (setting
task_queue, default "grantflow"). AWS credentials come from the SDK's default chain; the worker
assumes the deployer role in each account. SIGTERM or SIGINT stops it gracefully: it finishes the
tasks in hand and exits. Run several workers for capacity; they share the work.

Options:
  -c, --config DIR             folder holding grantflow.yaml (settings; teams are not read)
      --task-queue Q           override the task queue
      --max-cached-workflows N workflows kept in memory (default 100); others replay on wake-up
      --max-temporary-days N   ceiling on every team's max_temporary_days (default 6, or
                               $GRANTFLOW_WORKER_MAX_TEMPORARY_DAYS). A team's own setting applies only
                               below it: submissions cannot raise it, and running grants beyond a
                               lowered ceiling are revoked at the next pass.

Exit codes: 0 stopped cleanly, 1 failed, 3 Temporal unreachable.`,
  options: { ...CONFIG_OPTION, 'task-queue': { type: 'string' }, 'max-cached-workflows': { type: 'string' }, 'max-temporary-days': { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const { settings, diagnostics } = loadSettings(configDirFrom(io, values), io.env);
    for (const d of diagnostics) write(io.stderr, formatDiagnostic(d));
    if (diagnostics.some((d) => d.severity === 'error')) return EXIT.failed;
    const taskQueue = typeof values['task-queue'] === 'string' ? values['task-queue'] : settings.taskQueue;
    const ceilingText = typeof values['max-temporary-days'] === 'string' ? values['max-temporary-days'] : io.env.GRANTFLOW_WORKER_MAX_TEMPORARY_DAYS;
    const ceiling = ceilingText === undefined || ceilingText === '' ? DEFAULT_WORKER_LIMITS.maxTemporaryDays : Number(ceilingText);
    if (!Number.isInteger(ceiling) || ceiling < 1 || ceiling > 365) throw new UsageError(`--max-temporary-days must be a whole number from 1 to 365, got "${ceilingText}"`);
    const { client, connection, target } = await connectClient();
    try {
      try {
        const added = await registerSearchAttributes(client, target.namespace);
        if (added.length) write(io.stderr, `worker: registered search attributes ${added.join(', ')} in namespace ${target.namespace}`);
      } catch (error) {
        write(io.stderr, `warning: could not check or register search attributes (${(error as Error).message}); on Temporal Cloud add them with tcld or the Cloud UI; \`grantflow doctor\` checks them`);
      }
      const native = await connectWorker(target);
      const { worker, accounts } = await createWorker({
        connection: native,
        client,
        namespace: target.namespace,
        taskQueue,
        iamCallsPerSecond: settings.iamCallsPerSecond,
        limits: { maxTemporaryDays: ceiling },
        ...(typeof values['max-cached-workflows'] === 'string' ? { maxCachedWorkflows: Number(values['max-cached-workflows']) } : {}),
      });
      const stop = (signal: string) => {
        write(io.stderr, `worker: ${signal} received; finishing tasks in hand and stopping`);
        worker.shutdown();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      write(io.stderr, `worker: polling task queue "${taskQueue}" in namespace ${target.namespace} at ${target.address} (max_temporary_days ceiling ${ceiling})`);
      try {
        await worker.run();
      } finally {
        accounts.destroy();
        await native.close();
      }
      write(io.stderr, 'worker: stopped');
      return EXIT.ok;
    } finally {
      await connection.close();
    }
  },
};
