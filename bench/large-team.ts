// `npm run bench:large [-- --grants N]`: one team of 20,000 grants (permanent and temporary, three
// accounts) through its whole life on the dev server and moto: validate, submit, converge, a no-op
// re-submission, a sweep, continue-as-new of its reconcile workflow and a pass after it. Prints the
// figures and the largest payload and history event grantflow wrote (Temporal warns at 512 KB and
// refuses 2 MB), read back from the histories.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { IAM_WRITES } from '../src/aws/operations';
import { reconcileWorkflowId } from '../src/core/ids';
import { startProcess, stopAll, type Managed } from '../src/local/processes';
import { splitConfig } from '../src/temporal/submissions';
import { countTeamGrants } from '../src/temporal/grant-operations';
import { grantQuery } from '../src/temporal/grant-query';
import { submitTeam, sweepTeam } from '../src/temporal/reconcile-operations';
import { validateTeam } from '../src/validate';
import { startStack, type Stack } from '../test/harness/stack';
import { BENCH_ACCOUNTS } from './generate';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'grantflow.js');
const WARN_BYTES = 512 * 1024;

function log(message: string): void {
  process.stderr.write(`bench-large: ${message}\n`);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The team's YAML: three fifths permanent (one entry per account listing its users), the rest temporary. */
function writeTeam(dir: string, team: string, grants: number): { users: Record<string, string[]>; permanent: number; temporary: number } {
  const perAccount = Math.ceil((grants * 0.75) / BENCH_ACCOUNTS.length);
  const temporaryCount = grants - perAccount * BENCH_ACCOUNTS.length;
  const users: Record<string, string[]> = {};
  BENCH_ACCOUNTS.forEach((account, i) => (users[account] = Array.from({ length: perAccount }, (_, j) => `l${i}-${j}`)));
  const write = (kind: string, text: string) => {
    fs.mkdirSync(path.join(dir, kind), { recursive: true });
    fs.writeFileSync(path.join(dir, kind, `${team}.yaml`), text);
  };
  write('aws-accounts', `aws-accounts:\n${BENCH_ACCOUNTS.map((a, i) => `  env${i}: "${a}"`).join('\n')}\n`);
  write(
    'aws-policies',
    `aws-policies:\n  reader:\n    description: "Read only"\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]\n    custom_statements:\n      - effect: Allow\n        actions: ["s3:ListBucket", "s3:GetObject"]\n        resources: ["*"]\n  auditor:\n    description: "Audit"\n    managed_policies: ["arn:aws:iam::aws:policy/SecurityAudit"]\n    custom_statements:\n      - effect: Allow\n        actions: ["cloudtrail:LookupEvents"]\n        resources: ["*"]\n`,
  );
  write(
    'permanent-access',
    `permanent-access:\n${BENCH_ACCOUNTS.map((account, i) => `  - description: "readers in env${i}"\n    users:\n${users[account]!.map((u) => `      - ${u}@example.com`).join('\n')}\n    environments: [env${i}]\n    grants: [reader]`).join('\n')}\n`,
  );
  const now = Date.now();
  write(
    'temporary-access',
    `temporary-access:\n${Array.from({ length: temporaryCount }, (_, k) => {
      const i = k % BENCH_ACCOUNTS.length;
      const user = users[BENCH_ACCOUNTS[i]!]![Math.floor(k / BENCH_ACCOUNTS.length) % perAccount]!;
      const expiry = new Date(now + (2 + (k % 3)) * 86_400_000 + k * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      return `  - description: "audit ${k}"\n    user: ${user}@example.com\n    environment: env${i}\n    grant: auditor\n    expiration_date: "${expiry}"\n    reason: "bench ${k}"\n    ticket: T-${k}`;
    }).join('\n')}\n`,
  );
  return { users, permanent: perAccount * BENCH_ACCOUNTS.length, temporary: temporaryCount };
}

interface Largest {
  eventBytes: number;
  eventWhere: string;
  payloadBytes: number;
  payloadWhere: string;
  events: number;
  histories: number;
}

/** Every payload inside a history event (inputs, results, memos, update arguments). */
function payloadsOf(value: unknown, out: Uint8Array[] = []): Uint8Array[] {
  if (!value || typeof value !== 'object') return out;
  if ((value as { data?: unknown }).data instanceof Uint8Array && 'metadata' in (value as object)) out.push((value as { data: Uint8Array }).data);
  for (const inner of Object.values(value as object)) if (inner && typeof inner === 'object' && !(inner instanceof Uint8Array)) payloadsOf(inner, out);
  return out;
}

async function scanHistories(stack: Stack, query: string, sample: number, largest: Largest): Promise<void> {
  const runs: { workflowId: string; runId: string }[] = [];
  for await (const run of stack.client.workflow.list({ query })) runs.push({ workflowId: run.workflowId, runId: run.runId });
  const chosen = runs.length <= sample ? runs : Array.from({ length: sample }, (_, i) => runs[Math.floor((i * runs.length) / sample)]!);
  for (const { workflowId, runId } of chosen) {
    const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
    largest.histories++;
    for (const event of history.events ?? []) {
      largest.events++;
      const bytes = temporal.api.history.v1.HistoryEvent.encode(event as temporal.api.history.v1.IHistoryEvent).finish().length;
      if (bytes > largest.eventBytes) Object.assign(largest, { eventBytes: bytes, eventWhere: `${workflowId} event ${event.eventId} (${event.eventType})` });
      for (const payload of payloadsOf(event)) {
        if (payload.length > largest.payloadBytes)
          Object.assign(largest, { payloadBytes: payload.length, payloadWhere: `${workflowId} event ${event.eventId}` });
      }
    }
  }
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

async function main(): Promise<void> {
  const grantsFlag = process.argv.indexOf('--grants');
  const target = grantsFlag > 0 ? Number(process.argv[grantsFlag + 1]) : 20_000;
  const results: Record<string, number | string> = {};
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-bench-large-'));
  const team = 'bench-large';
  const shape = writeTeam(work, team, target);
  log(`${target} grants: ${shape.permanent} permanent, ${shape.temporary} temporary, in ${BENCH_ACCOUNTS.length} accounts`);

  let t0 = Date.now();
  const validation = await validateTeam({ dir: work, team, env: {}, nowMs: Date.now() });
  results.validate_ms = Date.now() - t0;
  if (!validation.ok)
    throw new Error(
      validation.diagnostics
        .map((d) => d.message)
        .slice(0, 5)
        .join('; '),
    );
  const staged = splitConfig(validation.team.config);
  results.config_kb = Math.round(staged.text.length / 1024);
  results.config_parts = staged.parts.length;
  log(`validated in ${results.validate_ms} ms; the config is ${results.config_kb} KB, staged in ${results.config_parts} parts`);

  const stack = await startStack({ worker: false });
  let worker: Managed | undefined;
  const largest: Largest = { eventBytes: 0, eventWhere: '', payloadBytes: 0, payloadWhere: '', events: 0, histories: 0 };
  try {
    worker = startProcess(process.execPath, [BIN, 'worker'], {
      env: { ...process.env, ...stack.env, GRANTFLOW_IAM_CALLS_PER_SECOND: '1000', GRANTFLOW_CONFIG: work },
    });
    await until('worker polling', async () => worker!.output().includes('polling task queue'), 60_000, 200);
    for (const account of BENCH_ACCOUNTS) {
      await stack.moto.createRoles(account, ['AWSSelfServeDeployer']);
      const users = shape.users[account]!;
      for (let i = 0; i < users.length; i += 500) await stack.moto.createUsers(account, users.slice(i, i + 500));
    }
    log('users created');
    const config = { ...validation.team.config, settings: { ...validation.team.config.settings, taskQueue: stack.taskQueue } };
    // A low history limit, so the reconcile workflow continues as new during the run.
    await stack.client.workflow.start('reconcileWorkflow', {
      workflowId: reconcileWorkflowId(team),
      taskQueue: stack.taskQueue,
      args: [{ team, historyLimit: 30 }],
      memo: { generation: 2 },
    });
    const revision = (n: number) => ({
      commit: `large-${n}`,
      committedAt: new Date(Date.now() - 60_000 + n).toISOString(),
      submittedAt: new Date().toISOString(),
      submittedBy: 'bench',
    });

    stack.proxy.resetCounts();
    t0 = Date.now();
    const first = await submitTeam(stack.client, { config, revision: revision(1), taskQueue: stack.taskQueue, sign: stack.signer });
    results.submit_ms = Date.now() - t0;
    log(`submitted in ${results.submit_ms} ms: ${first.counts.added} added, ${first.errors.length} errors`);
    await until('all grants active', async () => (await countTeamGrants(stack.client, team)).active >= target, 3 * 60 * 60_000, 5000);
    results.converge_ms = Date.now() - t0;
    log(`all ${target} active after ${results.converge_ms} ms`);

    const quiet = async () => {
      let last = JSON.stringify(stack.proxy.counts());
      let since = Date.now();
      while (Date.now() - since < 5000) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const now = JSON.stringify(stack.proxy.counts());
        if (now !== last) [last, since] = [now, Date.now()];
      }
    };
    await quiet();
    stack.proxy.resetCounts();
    t0 = Date.now();
    const again = await submitTeam(stack.client, { config, revision: revision(2), taskQueue: stack.taskQueue, sign: stack.signer });
    results.resubmit_pass_ms = Date.now() - t0;
    await quiet();
    const counts = stack.proxy.counts();
    results.resubmit_writes = Object.entries(counts)
      .filter(([op]) => IAM_WRITES.has(op))
      .reduce((sum, [, n]) => sum + n, 0);
    log(`re-submitted (no-op) in ${results.resubmit_pass_ms} ms: ${again.counts.kept} kept, ${results.resubmit_writes} IAM writes`);

    t0 = Date.now();
    const sweep = await sweepTeam(stack.client, team, false, 'bench');
    results.sweep_pass_ms = Date.now() - t0;
    log(`sweep pass in ${results.sweep_pass_ms} ms: ${sweep.findings.length} findings, ${sweep.errors.length} errors`);

    let runs = 0;
    await until(
      'the reconcile workflow continued as new',
      async () => {
        runs = 0;
        for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${reconcileWorkflowId(team)}'` })) runs++;
        if (runs < 2) await sweepTeam(stack.client, team, true, 'bench');
        return runs >= 2;
      },
      30 * 60_000,
      0,
    );
    results.reconcile_runs = runs;
    t0 = Date.now();
    const after = await submitTeam(stack.client, { config, revision: revision(3), taskQueue: stack.taskQueue, sign: stack.signer });
    results.pass_after_continue_as_new_ms = Date.now() - t0;
    log(`after continue-as-new (${runs} runs): a pass in ${results.pass_after_continue_as_new_ms} ms, ${after.counts.kept} kept, ${after.counts.added} added`);
    results.worker_rss_mb = Math.round(rssMb(worker.child.pid!));

    await scanHistories(stack, `WorkflowId = '${reconcileWorkflowId(team)}'`, 1000, largest);
    await scanHistories(stack, `WorkflowType = 'submissionWorkflow' AND GrantTeam = '${team}'`, 100, largest);
    await scanHistories(stack, grantQuery({ team }), 300, largest);
    results.largest_event_kb = Math.round((largest.eventBytes / 1024) * 10) / 10;
    results.largest_payload_kb = Math.round((largest.payloadBytes / 1024) * 10) / 10;
    log(
      `largest history event ${results.largest_event_kb} KB (${largest.eventWhere}); largest payload ${results.largest_payload_kb} KB (${largest.payloadWhere}); ${largest.events} events in ${largest.histories} histories read`,
    );
    if (largest.eventBytes > WARN_BYTES || largest.payloadBytes > WARN_BYTES) throw new Error(`a payload or event passed 512 KB`);
  } finally {
    await worker?.stop(30_000);
    await stack.stop();
    await stopAll();
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(
    `bench-large: grants=${target} ${Object.entries(results)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench-large: failed: ${(error as Error).stack}\n`);
    process.exit(1);
  },
);
