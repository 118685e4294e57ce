// `npm run bench -- --rate 10 [--grants 200] [--accounts 20] [--workers 2]`: grantflow at AWS's pace.
// The worker(s) at `iam_calls_per_second = rate`, a limit each account has on its own: N new permanent
// grants spread over the accounts against the floor of their necessary writes (the slowest account's,
// at that rate), the revoke lag of temporary grants expiring during that burst, the IAM calls and the
// server's and worker's CPU each grant cost, a re-submission's writes, and the rate the IAM proxy saw.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IAM_WRITES } from '../src/aws/operations';
import { startProcess, stopAll, type Managed } from '../src/local/processes';
import { countTeamGrants } from '../src/temporal/grant-operations';
import { submitTeam } from '../src/temporal/reconcile-operations';
import { validateTeam } from '../src/validate';
import { startStack, type Stack } from '../test/harness/stack';
import { cpuSeconds, cpuSpent } from './cpu';
import { BENCH_ACCOUNTS, benchAccounts, permanentTeam, type GeneratedTeam } from './generate';
import { iso, log, percentile, until } from './helpers';

const BIN = path.join(__dirname, '..', '..', 'bin', 'grantflow.js');
/** What a new permanent grant of the bench's policy must write: the ownership mark and its two attachments. */
const NECESSARY_WRITES_PER_GRANT = 3;
/** The IAM calls the proxy records, by user, to count calls per grant and find when a revoke landed. */
const RECORDED = [
  'ListAttachedUserPolicies',
  'ListUserTags',
  'TagUser',
  'UntagUser',
  'AttachUserPolicy',
  'DetachUserPolicy',
  'GetUserPolicy',
  'PutUserPolicy',
  'DeleteUserPolicy',
  'ListUserPolicies',
  'GetPolicy',
  'GetPolicyVersion',
  'CreatePolicy',
  'CreatePolicyVersion',
  'ListPolicies',
  'ListPolicyVersions',
  'GetAccountSummary',
  'GetAccountAuthorizationDetails',
];

export interface PaceOptions {
  rate: number;
  grants: number;
  /** How many accounts the burst's grants are spread over, each at `rate`. */
  accounts: number;
  workers: number;
  expiring: number;
  /** Passed to the worker(s) as --max-cached-workflows. */
  maxCachedWorkflows?: number;
}

/** Temporary grants in the first account, one user each, expiring at the given moments. */
function expiringTeam(dir: string, team: string, expiries: number[]): GeneratedTeam {
  const names = expiries.map((_, j) => `t${j}`);
  const write = (kind: string, text: string) => {
    fs.mkdirSync(path.join(dir, kind), { recursive: true });
    fs.writeFileSync(path.join(dir, kind, `${team}.yaml`), text);
  };
  write('aws-accounts', `aws-accounts:\n  env0: "${BENCH_ACCOUNTS[0]}"\n`);
  write(
    'aws-policies',
    `aws-policies:\n  reader:\n    description: "Read only"\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]\n    custom_statements:\n      - effect: Allow\n        actions: ["s3:ListBucket"]\n        resources: ["*"]\n`,
  );
  write(
    'temporary-access',
    `temporary-access:\n${names.map((n, j) => `  - description: "tmp ${n}"\n    user: ${n}@example.com\n    environment: env0\n    grant: reader\n    expiration_date: "${iso(expiries[j]!)}"`).join('\n')}\n`,
  );
  return { dir, team, users: { [BENCH_ACCOUNTS[0]!]: names }, grants: names.length };
}

async function submit(stack: Stack, team: GeneratedTeam): Promise<void> {
  const validation = await validateTeam({ dir: team.dir, team: team.team, env: { GRANTFLOW_TASK_QUEUE: stack.taskQueue }, nowMs: Date.now() });
  if (!validation.ok) throw new Error(`${team.team}: ${validation.diagnostics.map((d) => d.message).join('; ')}`);
  await submitTeam(stack.client, {
    config: validation.team.config,
    revision: { submittedAt: new Date().toISOString(), submittedBy: 'bench' },
    taskQueue: stack.taskQueue,
    sign: stack.signer,
  });
}

async function quiesce(stack: Stack, quietMs: number, timeoutMs: number): Promise<void> {
  let last = JSON.stringify(stack.proxy.counts());
  let since = Date.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error('IAM traffic did not settle');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = JSON.stringify(stack.proxy.counts());
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** The most calls the proxy answered in any `windowMs` window, as calls per second. */
function peakRate(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best / (windowMs / 1000);
}

export async function paceBench(options: PaceOptions): Promise<Record<string, number>> {
  const results: Record<string, number> = {
    rate: options.rate,
    grants: options.grants,
    accounts: options.accounts,
    workers: options.workers,
    ...(options.maxCachedWorkflows ? { max_cached_workflows: options.maxCachedWorkflows } : {}),
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-pace-'));
  log(
    `at AWS's pace: ${options.grants} new grants in ${options.accounts} account(s) at ${options.rate} calls/s each, ${options.workers} worker(s), ${options.expiring} grants expiring during the burst`,
  );
  const stack = await startStack({ worker: false });
  const workers: Managed[] = [];
  try {
    for (let i = 0; i < options.workers; i++) {
      const cache = options.maxCachedWorkflows ? ['--max-cached-workflows', String(options.maxCachedWorkflows)] : [];
      const worker = startProcess(process.execPath, [BIN, 'worker', ...cache], {
        env: { ...process.env, ...stack.env, GRANTFLOW_IAM_CALLS_PER_SECOND: String(options.rate), GRANTFLOW_CONFIG: work },
      });
      workers.push(worker);
    }
    for (const worker of workers) {
      await until('worker polling', async () => worker.output().includes('polling task queue'), 60_000).catch((error: Error) => {
        throw new Error(`${error.message}; worker output:\n${worker.output()}`);
      });
    }
    // Each worker spends its share of the setting once it has counted the others (src/temporal/worker-share.ts).
    if (options.workers > 1) {
      for (const worker of workers) {
        await until('workers counted each other', async () => worker.output().includes(`${options.workers} worker(s) serve`), 60_000).catch((error: Error) => {
          throw new Error(`${error.message}; worker output:\n${worker.output()}`);
        });
      }
    }
    // A worker that stopped counting another (too long without a poll from it) would send more than
    // its share: each worker's latest count, sampled from its log (which keeps only its tail).
    const shares =
      options.workers > 1
        ? {
            seen: workers.map(() => [] as number[]),
            timer: setInterval(() => {
              workers.forEach((worker, i) => {
                const latest = [...worker.output().matchAll(/worker: (\d+) worker\(s\) serve/g)].at(-1);
                const seen = shares!.seen[i]!;
                if (latest && Number(latest[1]) !== seen.at(-1)) seen.push(Number(latest[1]));
              });
            }, 500).unref(),
          }
        : undefined;
    const account = BENCH_ACCOUNTS[0]!;
    const accounts = benchAccounts(options.accounts);
    for (const each of accounts) await stack.moto.createRoles(each, ['AWSSelfServeDeployer']);

    // Temporary grants that expire while the burst is under way, spread over its expected length.
    // The floor: the busiest account's necessary writes at its own rate (the others finish sooner).
    const floorMs = ((Math.ceil(options.grants / accounts.length) * NECESSARY_WRITES_PER_GRANT) / options.rate) * 1000;
    const burstStart = Date.now() + 30_000 + options.expiring * 1000;
    const spread = Math.max(10_000, floorMs * 0.8);
    const expiries = Array.from(
      { length: options.expiring },
      (_, i) => Math.ceil((burstStart + 5000 + (spread * i) / Math.max(1, options.expiring)) / 1000) * 1000,
    );
    const expiring = expiringTeam(path.join(work, 'expiry'), 'pace-expiry', expiries);
    await stack.moto.createUsers(account, expiring.users[account]!);
    await submit(stack, expiring);
    await until('expiring grants active', async () => (await countTeamGrants(stack.client, expiring.team)).active >= expiring.grants, 10 * 60_000);
    if (Date.now() > burstStart) throw new Error('the expiring grants took longer than their lead to become active; raise the lead');
    // From here on (creating the burst's users can take a while on a loaded machine): every revoke is seen.
    stack.proxy.record(RECORDED);

    const burst = permanentTeam(path.join(work, 'burst'), 'pace-burst', options.grants, 'b', accounts);
    for (const [each, users] of Object.entries(burst.users)) {
      for (let i = 0; i < users.length; i += 500) await stack.moto.createUsers(each, users.slice(i, i + 500));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, burstStart - Date.now())));
    await quiesce(stack, 1000, 60_000);
    stack.proxy.resetCounts();
    const cpuBefore = cpuSeconds();
    const t0 = Date.now();
    await submit(stack, burst);
    await until('all burst grants active', async () => (await countTeamGrants(stack.client, burst.team)).active >= burst.grants, 60 * 60_000, 500);
    results.converge_ms = Date.now() - t0;
    const cpu = cpuSpent(cpuBefore, cpuSeconds());
    results.server_cpu_s = cpu['temporal server'] ?? 0;
    results.worker_cpu_s = cpu.worker ?? 0;
    results.cpu_ms_per_grant = Math.round(((results.server_cpu_s + results.worker_cpu_s) * 1000) / options.grants);
    results.floor_ms = Math.round(floorMs);
    // Every part of the stack shares this machine: the cores it would take to do the burst's CPU work within 1.5 times the floor.
    const stackCpuS = Object.values(cpu).reduce((sum, seconds) => sum + seconds, 0);
    results.stack_cpu_s = Math.round(stackCpuS * 10) / 10;
    results.cores_for_1_5x_floor = Math.round((stackCpuS / ((1.5 * floorMs) / 1000)) * 10) / 10;
    results.converge_ratio = Math.round((results.converge_ms / floorMs) * 100) / 100;
    const events = stack.proxy.events();
    // A listing of the account answers many grants' reads at once: the burst pays for every one sent during it.
    const burstCalls = events.filter(
      (e) => e.at >= t0 && (e.user?.startsWith('b') || (e.action === 'GetAccountAuthorizationDetails' && e.at <= t0 + results.converge_ms)),
    );
    results.calls_per_grant = Math.round((burstCalls.length / options.grants) * 100) / 100;
    results.writes_per_grant = Math.round((burstCalls.filter((e) => IAM_WRITES.has(e.action)).length / options.grants) * 100) / 100;
    results.reads_per_grant = Math.round((results.calls_per_grant - results.writes_per_grant) * 100) / 100;
    const perAction: Record<string, number> = {};
    for (const e of burstCalls) perAction[e.action] = (perAction[e.action] ?? 0) + 1;
    log(
      `converged ${options.grants} grants in ${results.converge_ms} ms; floor (${NECESSARY_WRITES_PER_GRANT} writes a grant, the busiest account's at ${options.rate}/s) ${results.floor_ms} ms; ratio ${results.converge_ratio}`,
    );
    log(
      `  CPU during the burst: Temporal server ${results.server_cpu_s} s, worker(s) ${results.worker_cpu_s} s; ${results.cpu_ms_per_grant} ms a grant (${os.cpus().length} cores); ` +
        `the whole stack ${results.stack_cpu_s} s, ${results.cores_for_1_5x_floor} cores' worth within 1.5 times the floor`,
    );
    log(`  calls per grant ${results.calls_per_grant} (${results.writes_per_grant} writes, ${results.reads_per_grant} reads): ${JSON.stringify(perAction)}`);

    // Revoke lag: expiry until the proxy answered both the inline delete and the detach.
    await until('the last grant expired', async () => Date.now() > Math.max(...expiries), 60 * 60_000, 500);
    const done = new Map<string, { actions: Set<string>; at: number }>();
    await until(
      'every expired grant revoked',
      async () => {
        for (const e of stack.proxy.events()) {
          if (!e.user?.startsWith('t') || e.status !== 200 || (e.action !== 'DeleteUserPolicy' && e.action !== 'DetachUserPolicy')) continue;
          const entry = done.get(e.user) ?? { actions: new Set<string>(), at: 0 };
          entry.actions.add(e.action);
          entry.at = Math.max(entry.at, e.at);
          done.set(e.user, entry);
        }
        return [...done.values()].filter((d) => d.actions.size === 2).length >= options.expiring;
      },
      10 * 60_000,
      500,
    );
    const lags = expiring.users[account]!.map((user, j) => done.get(user)!.at - expiries[j]!);
    const duringBurst = lags.filter((_, j) => expiries[j]! < t0 + results.converge_ms);
    results.revoke_lag_p50_ms = Math.round(percentile(lags, 50));
    results.revoke_lag_p99_ms = Math.round(percentile(lags, 99));
    results.revoke_lag_max_ms = Math.round(Math.max(...lags));
    results.revokes_during_burst = duringBurst.length;
    log(
      `revoke lag of ${lags.length} grants expiring during the burst (${duringBurst.length} before it ended): p50 ${results.revoke_lag_p50_ms} ms, p99 ${results.revoke_lag_p99_ms} ms, max ${results.revoke_lag_max_ms} ms`,
    );

    // The rate the account saw: every call answered during the burst, over 5 s windows and on average.
    const times = stack.proxy
      .events()
      .filter((e) => e.sentAt >= t0 && e.sentAt <= t0 + results.converge_ms)
      .map((e) => e.sentAt);
    results.observed_rate = Math.round((times.length / (results.converge_ms / 1000)) * 100) / 100;
    results.peak_rate_5s = Math.round(peakRate(times, 5000) * 100) / 100;
    log(
      `calls at the proxy during the burst, all ${options.workers} worker(s) and ${accounts.length} account(s) together: ${results.observed_rate}/s on average, at most ${results.peak_rate_5s}/s over any 5 s (setting ${options.rate}/s per account, ${Math.round((options.rate / options.workers) * 100) / 100}/s a worker)`,
    );

    if (shares) {
      clearInterval(shares.timer);
      results.share_changes = shares.seen.reduce((sum, seen) => sum + Math.max(0, seen.length - 1), 0);
      log(`workers counted by each worker during the run, in order: ${shares.seen.map((seen) => seen.join(' → ')).join('; ')}`);
    }

    // A second run writes nothing.
    await quiesce(stack, 2000, 10 * 60_000);
    stack.proxy.resetCounts();
    await submit(stack, burst);
    await quiesce(stack, 3000, 30 * 60_000);
    const noop = stack.proxy.counts();
    results.noop_writes = Object.entries(noop)
      .filter(([action]) => IAM_WRITES.has(action))
      .reduce((sum, [, n]) => sum + n, 0);
    log(`re-submission: ${results.noop_writes} writes (${JSON.stringify(noop)})`);
  } finally {
    for (const worker of workers) await worker.stop(30_000);
    await stack.stop();
    await stopAll();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return results;
}
