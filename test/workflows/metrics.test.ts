// The worker's Prometheus endpoint, with `grantflow worker` as a child process (the SDK runtime is
// one per process) on a real dev server and moto: while it runs, /metrics answers with the SDK's
// series and grantflow's own.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TeamConfig } from '../../src/core/team-config';
import { freePort, startProcess, type Managed } from '../../src/local/processes';
import { revokeGrantNow } from '../../src/temporal/grant-operations';
import { eventually } from '../harness/stack';
import { grantsOf, policy, READ_ONLY, revisionSequence, team } from '../harness/team';
import { workflowSuite } from '../harness/workflow-suite';

const BIN = path.resolve(__dirname, '../../../bin/grantflow.js');
const revision = revisionSequence('metrics', '2026-05-01T00:00:00Z');

/** The value of the first sample of `name` whose labels include every one of `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('metrics: the worker serves Prometheus metrics (dev server + moto, worker as a process)', function () {
  let worker: Managed;
  let address: string;
  let configDir: string;

  // Registered before the suite's hooks: the worker process stops before the stack does.
  after(async () => {
    await worker?.stop();
  });
  const { stack, submit, waitState } = workflowSuite({ revision, stack: { worker: false }, users: ['alice', 'bob'], reset: 'once' });
  before(async () => {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-metrics-'));
    address = `127.0.0.1:${await freePort()}`;
    worker = startProcess(process.execPath, [BIN, 'worker', '--config', configDir, '--metrics-address', address], { env: { ...process.env, ...stack.env } });
    await eventually('worker polling', async () => (worker.output().includes('polling task queue') ? true : undefined), 60_000);
  });
  after(() => {
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  const metrics = async () => {
    const response = await fetch(`http://${address}/metrics`);
    assert.equal(response.status, 200);
    return response.text();
  };

  it('answers with grantflow series (grants by state, IAM calls by operation and outcome, revokes) and the SDK runtime series', async () => {
    const config: TeamConfig = team({
      name: 'metrics',
      policies: { reader: policy([READ_ONLY]) },
      permanent: [{ users: ['alice', 'bob'], environments: ['nonprod'], grants: ['reader'] }],
    });
    const [alice, bob] = grantsOf(config).sort((a, b) => a.principal.localeCompare(b.principal));
    await submit(config);
    for (const g of [alice!, bob!]) await waitState(g.id, 'active');
    // The revoke first meets an IAM that answers 500, then one that works.
    stack.proxy.setFaults({ rate: 1, kinds: ['server-error'] });
    const revoked = revokeGrantNow(stack.client, bob!.id, { reason: 'metrics test', by: 'test' });
    await eventually(
      'a failed revoke try is counted',
      async () => {
        const body = await metrics();
        const failures = sample(body, 'grantflow_revoke_failures_total') ?? 0;
        const errors = sample(body, 'grantflow_iam_calls_total', { service: 'iam', outcome: 'error' }) ?? 0;
        return failures >= 1 && errors >= 1 ? true : undefined;
      },
      60_000,
      500,
    );
    stack.proxy.setFaults(undefined);
    assert.equal(await revoked, 'revoked');

    const text = await eventually(
      'the grant gauge shows one active grant',
      async () => {
        const body = await metrics();
        return sample(body, 'grantflow_grants', { state: 'active' }) === 1 ? body : undefined;
      },
      60_000,
      500,
    );
    assert.equal(sample(text, 'grantflow_grants', { state: 'pending' }), 0);
    assert.ok((sample(text, 'grantflow_iam_calls_total', { service: 'iam', operation: 'AttachUserPolicy', outcome: 'ok' }) ?? 0) >= 2, 'two attaches counted');
    assert.ok((sample(text, 'grantflow_iam_calls_total', { service: 'iam', operation: 'DetachUserPolicy', outcome: 'ok' }) ?? 0) >= 1, 'the revoke detached');
    assert.ok((sample(text, 'grantflow_revoke_attempts_total') ?? 0) >= 1, 'revoke attempts counted');
    assert.ok((sample(text, 'grantflow_revoke_attempts_total') ?? 0) > (sample(text, 'grantflow_revoke_failures_total') ?? 0), 'the last try succeeded');
    // The SDK's own telemetry is served at the same address.
    const sdkSeries = new Set([...text.matchAll(/^(temporal_\w+)\{[^}]*service_name="temporal-core-sdk"/gm)].map((m) => m[1]));
    assert.ok(sdkSeries.has('temporal_activity_execution_latency_count'), [...sdkSeries].join(' '));
    assert.ok(
      [...sdkSeries].some((name) => name.startsWith('temporal_workflow_task_')),
      [...sdkSeries].join(' '),
    );
  });

  it('refuses an address that is not HOST:PORT as a usage error', async () => {
    const { runBin } = await import('../harness/cli');
    const bad = await runBin(['worker', '--metrics-address', 'nowhere'], stack.env, 60_000);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--metrics-address must be HOST:PORT/);
  });
});
