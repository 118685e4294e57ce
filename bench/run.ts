// `npm run bench [-- --quick] [--max-cached-workflows N] [--worker-node-options "..."] [--converge N] [--revoke N] [--sleeping N]`:
// grantflow's claims as figures, against the Temporal dev server and
// moto (behind a counting proxy), with the worker as its own process. Prints a table, writes JSON
// to bench-results/, and ends with one `bench:` line. See docs/BENCHMARKS.md.
// `npm run bench -- --rate 10 [--grants N] [--accounts N] [--workers 2]` runs at AWS's pace instead (bench/pace.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AttachUserPolicyCommand, CreatePolicyCommand, IAMClient, TagUserCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { parseGrantWorkflowId } from '../src/core/ids';
import { customPolicyArn, customPolicyName, teamPolicyPath } from '../src/core/names';
import { IAM_WRITES } from '../src/aws/operations';
import { freePort, startProcess, stopAll, type Managed } from '../src/local/processes';
import { countTeamGrants, listLiveGrants } from '../src/temporal/grant-operations';
import { grantQuery } from '../src/temporal/grant-query';
import { submitTeam } from '../src/temporal/reconcile-operations';
import { protoMs } from '../src/temporal/proto-time';
import { validateTeam } from '../src/validate';
import { startStack, type Stack } from '../test/harness/stack';
import { cpuSeconds, cpuSpent, describeCpu } from './cpu';
import { paceBench } from './pace';
import { benchValidate } from './validate';
import { BENCH_ACCOUNTS, permanentTeam, temporaryTeam, type GeneratedTeam } from './generate';
import { iso, log, percentile, until } from './helpers';
import { describeWork, readWorkerMetrics, workPerGrant, type WorkerWork } from './worker-work';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'grantflow.js');
const CONCURRENCY = 100; // the worker's activity slots; the floor script uses as many

interface Sizes {
  converge: number;
  revoke: number;
  sleeping: number;
  revokeLeadMs: number;
}

const FULL: Sizes = { converge: 1000, revoke: 200, sleeping: 10_000, revokeLeadMs: 90_000 };
const QUICK: Sizes = { converge: 150, revoke: 50, sleeping: 1000, revokeLeadMs: 30_000 };

async function createUsers(stack: Stack, team: GeneratedTeam): Promise<void> {
  for (const [account, users] of Object.entries(team.users)) {
    for (let i = 0; i < users.length; i += 500) await stack.moto.createUsers(account, users.slice(i, i + 500));
  }
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

async function allActive(stack: Stack, team: string, count: number): Promise<boolean> {
  return (await countTeamGrants(stack.client, team)).active >= count;
}

function writes(counts: Record<string, number>): number {
  return Object.entries(counts)
    .filter(([action]) => IAM_WRITES.has(action))
    .reduce((sum, [, n]) => sum + n, 0);
}

function reads(counts: Record<string, number>): number {
  return Object.entries(counts)
    .filter(([action]) => !IAM_WRITES.has(action) && action !== 'AssumeRole' && action !== 'unknown')
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Waits until the proxy has seen no call for `quietMs`: the re-submission's re-applies are done. */
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

/** The floor: the same IAM writes grantflow makes for these grants, sent directly at the same concurrency. */
async function floor(stack: Stack, team: GeneratedTeam): Promise<number> {
  const config = { region: 'us-east-1', endpoint: stack.proxy.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const clients = new Map<string, IAMClient>();
  const sts = new STSClient(config);
  for (const account of BENCH_ACCOUNTS) {
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/AWSSelfServeDeployer`, RoleSessionName: 'floor' }))).Credentials!;
    clients.set(
      account,
      new IAMClient({ ...config, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } }),
    );
  }
  sts.destroy();
  const document = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject', 'ec2:DescribeInstances'], Resource: ['*'] }],
  });
  const jobs = Object.entries(team.users).flatMap(([account, users]) => users.map((user) => ({ account, user })));
  const started = Date.now();
  await Promise.all(
    BENCH_ACCOUNTS.map((account) =>
      clients.get(account)!.send(
        new CreatePolicyCommand({
          PolicyName: customPolicyName(team.team, 'reader'),
          Path: teamPolicyPath(team.team),
          PolicyDocument: document,
          Tags: [{ Key: 'managed-by', Value: 'grantflow' }],
        }),
      ),
    ),
  );
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { account, user } = jobs[next++]!;
      const iam = clients.get(account)!;
      const arns = [customPolicyArn('aws', account, team.team, 'reader'), 'arn:aws:iam::aws:policy/ReadOnlyAccess'];
      await iam.send(new TagUserCommand({ UserName: user, Tags: arns.map((arn, i) => ({ Key: `grantflow:attached:${i}`, Value: arn })) }));
      for (const arn of arns) await iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: arn }));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ms = Date.now() - started;
  for (const client of clients.values()) client.destroy();
  return ms;
}

/**
 * Splits each expired grant's revocation lag into stages, from its workflow history. A grant starts
 * its revoke ahead of the expiry, as an activity task that waits for it: `ready` is when that task
 * started, from the expiry (negative: before it), `iam` how long after the expiry (or the start,
 * if later) IAM stopped holding the grant. A revoke that had to go as a local activity counts from
 * the workflow task that ran it.
 */
async function revokeStages(stack: Stack, team: string, expiresMs: number, revokedAt: Map<string, number>): Promise<Record<'ready' | 'iam', number[]>> {
  const stages = { ready: [] as number[], iam: [] as number[] };
  for await (const execution of stack.client.workflow.list({ query: grantQuery({ team }) })) {
    const user = parseGrantWorkflowId(execution.workflowId)?.principal;
    const done = user ? revokedAt.get(user) : undefined;
    if (done === undefined) continue;
    const events = (await stack.client.workflow.getHandle(execution.workflowId).fetchHistory()).events ?? [];
    const fired = events.map((e) => Boolean(e.timerFiredEventAttributes)).lastIndexOf(true);
    const activity = events.findIndex((e, i) => i > fired && e.activityTaskStartedEventAttributes);
    const task = events.findIndex((e, i) => i > fired && e.workflowTaskStartedEventAttributes);
    const started = activity >= 0 ? activity : task;
    if (fired < 0 || started < 0) continue;
    const startedAt = protoMs(events[started]!.eventTime)!;
    stages.ready.push(startedAt - expiresMs);
    stages.iam.push(done - Math.max(expiresMs, startedAt));
  }
  return stages;
}

/** The Temporal server's and the worker's CPU milliseconds per grant. */
function cpuMsPerGrant(spent: Record<string, number>, grants: number): number {
  return Math.round((((spent['temporal server'] ?? 0) + (spent.worker ?? 0)) * 1000) / grants);
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

/** `--rate N`: the run at AWS's pace (bench/pace.ts) instead of the orchestration run. */
async function pace(): Promise<void> {
  const rate = Number(flag('--rate'));
  const grants = Number(flag('--grants') ?? 200);
  const accounts = Number(flag('--accounts') ?? 1);
  const workers = Number(flag('--workers') ?? 1);
  const expiring = Number(flag('--expiring') ?? 10);
  if (!(rate > 0) || !(grants > 0) || !Number.isInteger(accounts) || !(accounts >= 1) || !(workers >= 1) || !(expiring >= 1))
    throw new Error('--rate, --grants, --accounts, --workers and --expiring take positive numbers');
  const started = Date.now();
  const cache = flag('--max-cached-workflows');
  const results = await paceBench({ rate, grants, accounts, workers, expiring, ...(cache ? { maxCachedWorkflows: Number(cache) } : {}) });
  results.total_s = Math.round((Date.now() - started) / 1000);
  const outDir = path.join(ROOT, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `bench-pace-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadavg: os.loadavg(),
  };
  fs.writeFileSync(
    file,
    `${JSON.stringify({ pace: { rate, grants, accounts, workers, expiring }, results, machine, at: new Date().toISOString() }, null, 2)}\n`,
  );
  log(`wrote ${path.relative(ROOT, file)}`);
  process.stdout.write(
    `bench: rate=${rate} grants=${grants} accounts=${accounts} workers=${workers} converge_ms=${results.converge_ms} floor_ms=${results.floor_ms} converge_ratio=${results.converge_ratio} ` +
      `calls_per_grant=${results.calls_per_grant} cpu_ms_per_grant=${results.cpu_ms_per_grant} cores_for_1_5x_floor=${results.cores_for_1_5x_floor} revoke_lag_p50_ms=${results.revoke_lag_p50_ms} revoke_lag_p99_ms=${results.revoke_lag_p99_ms} ` +
      `observed_rate=${results.observed_rate} peak_rate_5s=${results.peak_rate_5s} noop_writes=${results.noop_writes}\n`,
  );
}

async function main(): Promise<void> {
  if (flag('--rate') !== undefined) return pace();
  const quick = process.argv.includes('--quick');
  // `--converge N`, `--revoke N`, `--sleeping N` change one phase's size (to look at one figure more closely).
  const sized = (name: keyof Sizes, base: number) => (flag(`--${name}`) !== undefined ? Number(flag(`--${name}`)) : base);
  const base = quick ? QUICK : FULL;
  const sizes: Sizes = {
    ...base,
    converge: sized('converge', base.converge),
    revoke: sized('revoke', base.revoke),
    sleeping: sized('sleeping', base.sleeping),
  };
  if (![sizes.converge, sizes.revoke, sizes.sleeping].every((n) => Number.isInteger(n) && n > 0))
    throw new Error('--converge, --revoke and --sleeping take positive whole numbers');
  const results: Record<string, number> = {};
  const cpu: Record<string, Record<string, number>> = {};
  const work: Record<string, WorkerWork> = {};
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-bench-'));
  log(`${quick ? 'quick' : 'full'} run: ${sizes.converge} grants to converge, ${sizes.revoke} expiring at once, ${sizes.sleeping} sleeping`);
  const stack = await startStack({ worker: false });
  let worker: Managed | undefined;
  try {
    const cacheFlag = process.argv.indexOf('--max-cached-workflows');
    const workerArgs = cacheFlag > 0 ? ['--max-cached-workflows', process.argv[cacheFlag + 1]!] : [];
    if (workerArgs.length) log(`worker started with ${workerArgs.join(' ')}`);
    // `--worker-node-options "--max-old-space-size=160"`: the worker's Node.js options (its heap, say), as NODE_OPTIONS gives them.
    const nodeOptions = flag('--worker-node-options');
    if (nodeOptions) log(`worker started with NODE_OPTIONS=${nodeOptions}`);
    // The worker's own counts (workflow tasks, replays, calls to the server) say where its work goes.
    const metrics = `127.0.0.1:${await freePort()}`;
    worker = startProcess(process.execPath, [BIN, 'worker', ...workerArgs, '--metrics-address', metrics], {
      env: {
        ...process.env,
        ...stack.env,
        GRANTFLOW_IAM_CALLS_PER_SECOND: '1000',
        GRANTFLOW_CONFIG: dir,
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      },
    });
    await until('worker polling', async () => worker!.output().includes('polling task queue'), 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; worker output:\n${worker!.output()}`);
    });
    for (const account of BENCH_ACCOUNTS) await stack.moto.createRoles(account, ['AWSSelfServeDeployer']);

    // 1. Convergence against the floor
    const converge = permanentTeam(path.join(dir, 'converge'), 'bench-converge', sizes.converge);
    await createUsers(stack, converge);
    stack.proxy.resetCounts();
    let t0 = Date.now();
    let cpu0 = cpuSeconds();
    let metrics0 = await readWorkerMetrics(metrics);
    await submit(stack, converge);
    await until('all grants active', () => allActive(stack, converge.team, converge.grants), 30 * 60_000);
    results.converge_ms = Date.now() - t0;
    cpu.converge = cpuSpent(cpu0, cpuSeconds());
    results.converge_cpu_ms_per_grant = cpuMsPerGrant(cpu.converge, converge.grants);
    work.converge = workPerGrant(metrics0, await readWorkerMetrics(metrics), converge.grants);
    results.converge_writes = writes(stack.proxy.counts());
    results.converge_reads = reads(stack.proxy.counts());
    log(`converged ${converge.grants} grants in ${results.converge_ms} ms (${results.converge_writes} writes, ${results.converge_reads} reads)`);
    log(`  CPU while converging: ${describeCpu(cpu.converge)}; server and worker ${results.converge_cpu_ms_per_grant} ms a grant`);
    log(`  per grant: ${describeWork(work.converge)}`);

    const floorTeam = permanentTeam(path.join(dir, 'floor'), 'bench-floor', sizes.converge, 'f');
    await createUsers(stack, floorTeam);
    cpu0 = cpuSeconds();
    results.floor_ms = await floor(stack, floorTeam);
    cpu.floor = cpuSpent(cpu0, cpuSeconds());
    results.converge_ratio = Math.round((results.converge_ms / results.floor_ms) * 100) / 100;
    log(`floor: the same writes sent directly at concurrency ${CONCURRENCY} took ${results.floor_ms} ms; ratio ${results.converge_ratio}`);
    log(`  CPU during the floor: ${describeCpu(cpu.floor)}`);

    // 2. A re-submission of unchanged YAML
    await quiesce(stack, 2000, 60_000);
    stack.proxy.resetCounts();
    t0 = Date.now();
    await submit(stack, converge);
    await quiesce(stack, 2000, 10 * 60_000);
    const noop = stack.proxy.counts();
    results.noop_ms = Date.now() - t0 - 2000;
    results.noop_writes = writes(noop);
    results.noop_reads_per_grant = Math.round((reads(noop) / converge.grants) * 100) / 100;
    log(`re-submission: ${results.noop_writes} writes, ${results.noop_reads_per_grant} reads per grant (${JSON.stringify(noop)})`);

    // 3. Revocation lag: grants expiring at the same second
    const expiresMs = Math.ceil((Date.now() + sizes.revokeLeadMs) / 1000) * 1000;
    const expiring = temporaryTeam(path.join(dir, 'expiry'), 'bench-expiry', sizes.revoke, iso(expiresMs));
    await createUsers(stack, expiring);
    await submit(stack, expiring);
    await until('expiring grants active', () => allActive(stack, expiring.team, expiring.grants), 10 * 60_000);
    if (Date.now() > expiresMs - 2000) throw new Error('the expiring grants were not all active before their expiry; raise revokeLeadMs');
    stack.proxy.record(['DeleteUserPolicy', 'DetachUserPolicy']);
    /** user -> when IAM stopped holding the grant (its inline policy deleted and its attachment detached). */
    const revokedAt = () => {
      const last = new Map<string, number>();
      const seen = new Map<string, Set<string>>();
      for (const event of stack.proxy.events()) {
        if (event.status !== 200 || !event.user?.startsWith('t')) continue;
        seen.set(event.user, (seen.get(event.user) ?? new Set()).add(event.action));
        last.set(event.user, Math.max(last.get(event.user) ?? 0, event.at));
      }
      return new Map([...last.entries()].filter(([user]) => seen.get(user)!.size === 2));
    };
    // The CPU the stack spends on the mass expiry: from the expiry until IAM holds none of the grants.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresMs - Date.now())));
    cpu0 = cpuSeconds();
    metrics0 = await readWorkerMetrics(metrics);
    await until('every expired grant revoked', async () => revokedAt().size >= expiring.grants, sizes.revokeLeadMs + 10 * 60_000, 200);
    cpu.revoke = cpuSpent(cpu0, cpuSeconds());
    const lags = [...revokedAt().values()].map((at) => at - expiresMs);
    results.revoke_lag_p50_ms = Math.round(percentile(lags, 50));
    results.revoke_lag_p99_ms = Math.round(percentile(lags, 99));
    results.revoke_lag_max_ms = Math.round(Math.max(...lags));
    log(`revocation lag over ${lags.length} grants: p50 ${results.revoke_lag_p50_ms} ms, p99 ${results.revoke_lag_p99_ms} ms`);
    log(`  CPU from the expiry until the last was revoked: ${describeCpu(cpu.revoke)}`);
    work.revoke = workPerGrant(metrics0, await readWorkerMetrics(metrics), sizes.revoke);
    log(`  per grant: ${describeWork(work.revoke)}`);
    const stages = await revokeStages(stack, expiring.team, expiresMs, revokedAt());
    for (const [stage, values] of Object.entries(stages)) {
      results[`revoke_${stage}_p50_ms`] = Math.round(percentile(values, 50));
      results[`revoke_${stage}_p99_ms`] = Math.round(percentile(values, 99));
    }
    log(
      `  where the lag goes (p50 / p99): each grant's revoke started ${results.revoke_ready_p50_ms} / ${results.revoke_ready_p99_ms} ms from the expiry ` +
        `(negative: before it); its IAM calls ended ${results.revoke_iam_p50_ms} / ${results.revoke_iam_p99_ms} ms after the expiry`,
    );

    // 4. Sleeping grants: worker memory and `status` time
    const teams: GeneratedTeam[] = [];
    for (let i = 0; i * 1000 < sizes.sleeping; i++) {
      const count = Math.min(1000, sizes.sleeping - i * 1000);
      teams.push(temporaryTeam(path.join(dir, `sleep${i}`), `bench-sleep-${i}`, count, iso(Date.now() + 5 * 86_400_000), `s${i}-`));
    }
    for (const team of teams) await createUsers(stack, team);
    t0 = Date.now();
    cpu0 = cpuSeconds();
    metrics0 = await readWorkerMetrics(metrics);
    for (const team of teams) await submit(stack, team);
    for (const team of teams) await until(`${team.team} active`, () => allActive(stack, team.team, team.grants), 60 * 60_000, 1000);
    results.sleeping_start_ms = Date.now() - t0;
    results.sleeping_per_s = Math.round((sizes.sleeping / results.sleeping_start_ms) * 10_000) / 10;
    cpu.sleeping_start = cpuSpent(cpu0, cpuSeconds());
    results.sleeping_cpu_ms_per_grant = cpuMsPerGrant(cpu.sleeping_start, sizes.sleeping);
    work.sleeping_start = workPerGrant(metrics0, await readWorkerMetrics(metrics), sizes.sleeping);
    log(
      `started ${sizes.sleeping} sleeping grants in ${results.sleeping_start_ms} ms (${results.sleeping_per_s} a second); CPU: ${describeCpu(cpu.sleeping_start)}; ` +
        `server and worker ${results.sleeping_cpu_ms_per_grant} ms a grant`,
    );
    log(`  per grant: ${describeWork(work.sleeping_start)}`);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    results.worker_rss_mb = Math.round(rssMb(worker.child.pid!));
    const live = (await listLiveGrants(stack.client)).length;
    const status = (...args: string[]) => {
      const started = Date.now();
      const run = spawnSync(process.execPath, [BIN, 'status', '--json', ...args], {
        env: { ...process.env, ...stack.env },
        encoding: 'utf8',
        maxBuffer: 1024 * 1024 * 1024,
      });
      if (run.status !== 0) throw new Error(`grantflow status ${args.join(' ')} failed: ${run.stderr}`);
      return { ms: Date.now() - started, grants: (JSON.parse(run.stdout) as unknown[]).length };
    };
    const all = status();
    results.status_ms = all.ms;
    results.status_grants = all.grants;
    log(`${live} live grants: worker RSS ${results.worker_rss_mb} MB, \`grantflow status\` listed ${results.status_grants} in ${results.status_ms} ms`);
    // Its filters: one team, one principal, one state.
    const filtered = { team: status(teams[0]!.team), user: status('--user', Object.values(teams[0]!.users)[0]![0]!), state: status('--state', 'failed') };
    results.status_team_ms = filtered.team.ms;
    results.status_user_ms = filtered.user.ms;
    results.status_state_ms = filtered.state.ms;
    log(
      `  filtered: a team (${filtered.team.grants} grants) ${filtered.team.ms} ms, a principal (${filtered.user.grants}) ${filtered.user.ms} ms, ` +
        `--state failed (${filtered.state.grants}) ${filtered.state.ms} ms`,
    );
  } finally {
    await worker?.stop(30_000);
    await stack.stop();
    await stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // 5. validate on 6,000 entries
  const validate = await benchValidate();
  results.validate_ms = Math.round(validate.ms);
  results.total_s = Math.round((Date.now() - started) / 1000);

  const rows: [string, string, string][] = [
    ['converge (submit -> all active)', `${results.converge_ms} ms for ${sizes.converge} grants / 3 accounts`, ''],
    ['floor (same writes, direct)', `${results.floor_ms} ms`, ''],
    ['converge_ratio', String(results.converge_ratio), 'goal <= 3'],
    [
      'server + worker CPU per new grant',
      `${results.converge_cpu_ms_per_grant} ms converging, ${results.sleeping_cpu_ms_per_grant} ms starting sleeping grants`,
      'goal <= 30 ms',
    ],
    ['sleeping grants started', `${results.sleeping_per_s} a second (${sizes.sleeping} in ${results.sleeping_start_ms} ms)`, 'goal >= 50 a second'],
    ['noop re-submission writes', String(results.noop_writes), 'goal 0'],
    ['noop reads per grant', String(results.noop_reads_per_grant), ''],
    ['revoke lag p50 / p99', `${results.revoke_lag_p50_ms} / ${results.revoke_lag_p99_ms} ms (${sizes.revoke} at once)`, 'goal p99 <= 2000'],
    ['worker RSS', `${results.worker_rss_mb} MB with ${sizes.sleeping} sleeping grants`, 'goal <= 250 MB at 10,000'],
    ['status', `${results.status_ms} ms for ${results.status_grants} grants`, 'goal <= 2000 at 11,000'],
    ['status of a team / a principal / a state', `${results.status_team_ms} / ${results.status_user_ms} / ${results.status_state_ms} ms`, ''],
    ['validate 6,000 entries', `${results.validate_ms} ms`, 'goal < 1000'],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`\n${rows.map(([k, v, g]) => `${k.padEnd(width)}  ${v}${g ? `   (${g})` : ''}`).join('\n')}\n\n`);
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version };
  const outDir = path.join(ROOT, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `bench-${quick ? 'quick' : 'full'}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const commit = (() => {
    try {
      return execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  })();
  fs.writeFileSync(file, `${JSON.stringify({ quick, sizes, results, cpu, work, machine, commit, at: new Date().toISOString() }, null, 2)}\n`);
  log(`wrote ${path.relative(ROOT, file)}`);
  process.stdout.write(
    `bench: converge_ratio=${results.converge_ratio} noop_writes=${results.noop_writes} noop_reads_per_grant=${results.noop_reads_per_grant} ` +
      `revoke_lag_p50_ms=${results.revoke_lag_p50_ms} revoke_lag_p99_ms=${results.revoke_lag_p99_ms} worker_rss_mb=${results.worker_rss_mb} ` +
      `cpu_ms_per_grant=${results.converge_cpu_ms_per_grant} sleeping_per_s=${results.sleeping_per_s} status_ms=${results.status_ms} validate_ms=${results.validate_ms}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench: failed: ${(error as Error).stack}\n`);
    process.exit(1);
  },
);
