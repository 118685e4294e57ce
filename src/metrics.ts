// The worker's Prometheus endpoint: the Temporal SDK's own runtime telemetry (workflow and activity
// task latencies, schedule-to-start, sticky cache, poller counts, ...) and grantflow's series, all
// served by the SDK's exporter at one address. grantflow's series:
//   grantflow_grants{state}                       running grant workflows by GrantState (from visibility)
//   grantflow_iam_calls_total{service,operation,outcome}   AWS calls once answered, outcome ok|error
//   grantflow_revoke_attempts_total / grantflow_revoke_failures_total   revoke activity tries
// The counters of the activities are recorded through the activity context's meter (activities/),
// which reaches this exporter once the runtime is installed.
import type { Client } from '@temporalio/client';
import type { MetricGauge, MetricMeter } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { CallOutcomeObserver } from './aws/accounts';
import { countGrants } from './temporal/grant-rows';

/** The states a running grant workflow shows. */
const RUNNING_STATES = ['pending', 'active', 'revoking'] as const;

export interface WorkerMetrics {
  /** Counts each AWS call by operation and outcome; give it to AccountClients. */
  outcomes: CallOutcomeObserver;
  /** Keeps grantflow_grants current from visibility until the returned function is called. */
  watchGrants(client: Client, everyMs?: number): () => void;
}

/** `host:port`, as the exporter binds it; a bare port means every interface. */
export function metricsBindAddress(raw: string): string | undefined {
  const value = raw.trim();
  if (/^\d{1,5}$/.test(value)) return Number(value) <= 65535 ? `0.0.0.0:${value}` : undefined;
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  return match && Number(match[2]) <= 65535 ? value : undefined;
}

/**
 * Installs the SDK runtime with a Prometheus exporter at `bindAddress`. It must run before the
 * process opens its first worker connection (the runtime is one per process).
 */
export function installWorkerMetrics(bindAddress: string): WorkerMetrics {
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
  return workerMetrics(Runtime.instance().metricMeter);
}

export function workerMetrics(meter: MetricMeter): WorkerMetrics {
  const calls = meter.createCounter(
    'grantflow_iam_calls_total',
    undefined,
    'AWS calls (IAM, STS, IAM Identity Center) by service, operation and outcome (after the SDK retries)',
  );
  const grants: MetricGauge = meter.createGauge('grantflow_grants', 'int', undefined, 'running grant workflows by state, from Temporal visibility');
  return {
    outcomes: (call) => calls.add(1, { service: call.service, operation: call.operation, outcome: call.outcome, ...(call.error ? { error: call.error } : {}) }),
    watchGrants(client, everyMs = 15_000) {
      let stopped = false;
      const refresh = async () => {
        for (const state of RUNNING_STATES) {
          const count = await countGrants(client, { running: true, state });
          if (!stopped) grants.set(count, { state });
        }
      };
      // A visibility hiccup leaves the last values in place until the next round.
      const tick = () => void refresh().catch(() => undefined);
      tick();
      const timer = setInterval(tick, everyMs);
      timer.unref();
      return () => {
        stopped = true;
        clearInterval(timer);
      };
    },
  };
}
