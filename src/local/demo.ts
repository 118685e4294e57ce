// The embedded local stack behind `grantflow demo`: a Temporal dev server (SQLite under .grantflow/,
// Web UI, retention set), moto's IAM seeded with the example team's accounts and users, a worker,
// and a submission of the example team plus a grant that expires a couple of minutes later.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { ListUserPoliciesCommand } from '@aws-sdk/client-iam';
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadTeam } from '../config/load';
import { deployerFor } from '../core/grant-derived';
import type { TeamConfig } from '../core/team-config';
import { toIamTime } from '../core/time';
import type { SubmissionSigner } from '../temporal/submissions';
import { listLiveGrants } from '../temporal/grant-operations';
import { submitTeam } from '../temporal/reconcile-operations';
import { latestGrantRows } from '../temporal/grant-rows';
import { createWorker, DEFAULT_AUTHORITY } from '../worker';
import { generateSigningKey, parsePrivateKey, parsePublicKey } from '../trust/keys';
import { signerFor } from '../trust/submissions';
import { startDevServer, type DevServer } from './dev-server';
import { startMoto, type Moto } from './moto';
import { freePort, stopAll } from './processes';
import { motoServer, temporalCli } from './tools';

export interface DemoOptions {
  configDir: string;
  team: string;
  expireInMs: number;
  exitWhenRevoked: boolean;
  stateDir: string;
  log: (line: string) => void;
  print: (text: string) => void;
  /** Renders the status table (the `status` command's output). */
  showStatus: (team: string) => Promise<void>;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The example team's files plus one temporary entry that expires soon, in the demo's own folder. */
function overlayConfig(options: DemoOptions, expiresAt: string, user: string, environment: string, grant: string): string {
  const dir = path.join(options.stateDir, 'config');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(options.configDir, dir, { recursive: true });
  const file = path.join(dir, 'temporary-access', `${options.team}.yaml`);
  const entry = [
    '  - description: "Demo: watch this grant expire and be revoked"',
    `    user: ${user}`,
    `    environment: ${environment}`,
    `    grant: ${grant}`,
    `    expiration_date: "${expiresAt}"`,
    '    reason: grantflow demo',
    '',
  ].join('\n');
  // The shipped example has no temporary entry (`temporary-access: []`); the demo's becomes its first.
  const existing = (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : 'temporary-access:\n').replace(/^temporary-access:\s*\[\]\s*$/m, 'temporary-access:');
  fs.writeFileSync(file, `${existing.endsWith('\n') ? existing : `${existing}\n`}${entry}`);
  return dir;
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const { log } = options;
  // The worker's routine INFO lines would drown the demo's own output.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  log('demo: preparing the Temporal CLI and moto (first run builds them; later runs reuse .tools/)');
  const [temporal] = await Promise.all([temporalCli(), motoServer()]);
  if (!temporal) throw new Error('the demo needs the Temporal CLI; install Go and run `npm run bootstrap`');

  const base = loadTeam(options.configDir, options.team, process.env);
  if (!base.loaded) throw new Error(`the ${options.team} config does not load; run \`grantflow validate ${options.team}\``);
  const config = base.loaded.config;

  fs.rmSync(path.join(options.stateDir, 'temporal'), { recursive: true, force: true });
  const port = (await portIsFree(7233)) ? 7233 : await freePort();
  const uiPort = (await portIsFree(8233)) ? 8233 : await freePort();
  let server: DevServer | undefined;
  let moto: Moto | undefined;
  let stopping = false;
  let stopWorker: (() => Promise<void>) | undefined;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log('demo: stopping the worker, the IAM emulator and the Temporal dev server');
    await stopWorker?.();
    await moto?.stop();
    await server?.stop();
    await stopAll();
    log(`demo: stopped; Temporal's SQLite file stays in ${path.join(options.stateDir, 'temporal')}`);
  };

  try {
    log(
      `demo: starting the Temporal dev server on 127.0.0.1:${port} (Web UI on ${uiPort}, SQLite in ${path.relative(process.cwd(), options.stateDir) || '.'}/temporal)`,
    );
    server = await startDevServer({ dir: path.join(options.stateDir, 'temporal'), port, uiPort, retentionDays: config.settings.maxTemporaryDays + 2 });
    log('demo: starting moto (IAM and STS emulator) with AWS managed policies loaded');
    moto = await startMoto();
    Object.assign(process.env, moto.env, { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace });
    await seedAccounts(moto, config, log);
    const sink = await startNotificationSink(log);
    const worker = await startDemoWorker(server, config, sink, options);
    stopWorker = worker.stop;
    const submitted = await submitDemo(worker.client, config, worker.sign, options);
    await showStack(server, moto, options, submitted);
    await watchStates(worker.client, moto, config, sink.notices, options, submitted);
    await shutdown();
    return 0;
  } catch (error) {
    await shutdown();
    throw error;
  }
}

/** What the accounts would already have: the deployer role, and the users and roles the YAML names. */
async function seedAccounts(moto: Moto, config: TeamConfig, log: (line: string) => void): Promise<void> {
  const deployer = deployerFor(config.settings).roleName;
  const users = new Set<string>(['developer']);
  const roles = new Set<string>();
  for (const entry of config.permanent) {
    entry.users.forEach((u) => users.add(u.name));
    entry.roles.forEach((r) => roles.add(r));
  }
  for (const entry of config.temporary) if (entry.user) users.add(entry.user.name);
  for (const [environment, account] of Object.entries(config.accounts)) {
    await moto.createRoles(account, [deployer, ...roles]);
    await moto.createUsers(account, [...users]);
    log(`demo: seeded ${environment} (${account}) with role ${deployer}, ${users.size} users and ${roles.size} roles`);
  }
}

interface DemoSink {
  url: string;
  /** Lines to print: what the sink received about the demo user's grants. */
  notices: string[];
  stop(): Promise<void>;
}

/** A local webhook sink, so the demo shows the notifications a team would get in Slack. */
async function startNotificationSink(log: (line: string) => void): Promise<DemoSink> {
  const notices: string[] = [];
  const sink = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: string; grant?: { id?: string } };
        if (body.grant?.id?.includes('/user/developer/')) notices.push(`${new Date().toISOString()}  notification: ${body.text}`);
      } catch {
        // not a grantflow message
      }
    });
  });
  const sinkPort = await freePort();
  await new Promise<void>((resolve) => sink.listen(sinkPort, '127.0.0.1', resolve));
  log(`demo: notification sink (json) listening on http://127.0.0.1:${sinkPort}/`);
  return { url: `http://127.0.0.1:${sinkPort}/`, notices, stop: () => new Promise<void>((resolve) => sink.close(() => resolve())) };
}

/**
 * The worker, trusting one key made for this run: the demo plays both parts, CI (which signs its
 * submission with the key, kept in memory only) and the worker.
 */
async function startDemoWorker(server: DevServer, config: TeamConfig, sink: DemoSink, options: DemoOptions) {
  const connection = await NativeConnection.connect({ address: server.address });
  const client = await server.client();
  const demoKey = generateSigningKey('grantflow-demo');
  const trusted = parsePublicKey(demoKey.publicLine);
  options.log(`demo: submissions are signed with a key made for this run (${demoKey.id}); the worker trusts that key only`);
  const { worker, accounts } = await createWorker({
    connection,
    client,
    namespace: server.namespace,
    taskQueue: config.settings.taskQueue,
    iamCallsPerSecond: config.settings.iamCallsPerSecond,
    authority: { ...DEFAULT_AUTHORITY, trust: { ...DEFAULT_AUTHORITY.trust, keys: [{ name: 'demo-ci', id: trusted.id, key: trusted.key }] } },
    notifications: {
      sinks: [
        {
          name: 'demo',
          url: sink.url,
          format: 'json',
          events: ['granted', 'expiring', 'revoked', 'failed', 'revoke-stuck', 'refused'],
          // Half-way through the demo grant's life, so the reminder shows before the expiry.
          expiringBeforeMs: Math.min(60 * 60 * 1000, Math.floor(options.expireInMs / 2)),
          revokeStuckAfterMs: 10 * 60 * 1000,
        },
      ],
      webUiUrl: server.uiUrl,
    },
  });
  const running = worker.run();
  options.log(`demo: worker polling task queue "${config.settings.taskQueue}"`);
  return {
    client,
    sign: signerFor(parsePrivateKey(demoKey.privatePem)),
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      accounts.destroy();
      await connection.close();
      await sink.stop();
    },
  };
}

interface Submitted {
  /** The environment and the id of the demo's short temporary grant. */
  prod: string;
  demoGrant?: string;
  expiresAt: string;
}

/** The team plus a temporary grant to `developer` that expires soon, signed, then waits (a minute at most) for every grant to be active. */
async function submitDemo(client: Client, config: TeamConfig, sign: SubmissionSigner, options: DemoOptions): Promise<Submitted> {
  const prod = Object.keys(config.accounts).includes('prod') ? 'prod' : Object.keys(config.accounts)[0]!;
  const policy = Object.keys(config.policies)[0]!;
  const expiresAt = toIamTime(Date.now() + options.expireInMs);
  const overlay = overlayConfig(options, expiresAt, 'developer@example.com', prod, policy);
  const loaded = loadTeam(overlay, options.team, process.env);
  if (!loaded.loaded) throw new Error('the demo config does not load');
  options.log(`demo: submitting ${options.team} plus a temporary grant of ${policy} to developer in ${prod}, expiring at ${expiresAt}`);
  const summary = await submitTeam(client, {
    config: loaded.loaded.config,
    revision: { submittedAt: new Date().toISOString(), submittedBy: 'grantflow demo' },
    taskQueue: config.settings.taskQueue,
    sign,
  });
  const demoGrant = summary.added.find((id) => id.includes('/until/'));
  options.log(`demo: ${summary.added.length} grants started, ${summary.skippedExpired.length} expired entries skipped`);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const live = await listLiveGrants(client, { team: options.team });
    if (live.length >= summary.added.length && live.every((g) => g.state === 'active')) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { prod, expiresAt, ...(demoGrant ? { demoGrant } : {}) };
}

async function showStack(server: DevServer, moto: Moto, options: DemoOptions, submitted: Submitted): Promise<void> {
  const { print } = options;
  print('');
  await options.showStatus(options.team);
  const query = encodeURIComponent(`GrantTeam="${options.team}"`);
  print(
    [
      '',
      `Temporal Web UI: ${server.uiUrl}/namespaces/${server.namespace}/workflows?query=${query}`,
      '  Filter by GrantPrincipal, open a grant, and Cancel it to revoke it (never Terminate).',
      'In another terminal, against this stack:',
      `  export TEMPORAL_ADDRESS=${server.address} AWS_ENDPOINT_URL_IAM=${moto.endpoint} AWS_ENDPOINT_URL_STS=${moto.endpoint} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing`,
      `  npm run grantflow -- status ${options.team}`,
      '',
      `Watching grant states; the demo grant expires at ${submitted.expiresAt}. Press Ctrl-C to stop everything.`,
    ].join('\n'),
  );
}

/** Prints each grant's state changes and the notifications, until Ctrl-C (or, with exitWhenRevoked, the demo grant's revoke). */
async function watchStates(client: Client, moto: Moto, config: TeamConfig, notices: string[], options: DemoOptions, submitted: Submitted): Promise<void> {
  const { print } = options;
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const states = new Map<string, string>();
  let revokedSeen = false;
  for (;;) {
    const all = new Map<string, string>();
    for (const row of await latestGrantRows(client, { team: options.team })) all.set(row.id, row.state ?? row.status);
    for (const notice of notices.splice(0)) print(notice);
    for (const [id, state] of all) {
      if (states.get(id) !== state) {
        if (states.has(id)) print(`${new Date().toISOString()}  ${state.padEnd(8)} ${id}`);
        states.set(id, state);
      }
    }
    if (submitted.demoGrant && all.get(submitted.demoGrant) === 'revoked' && !revokedSeen) {
      revokedSeen = true;
      await reportDemoRevoked(moto, config.accounts[submitted.prod]!, print);
      if (options.exitWhenRevoked) {
        // The revoked notification follows the revoke; give it a moment to arrive before exiting.
        for (let i = 0; i < 50 && !notices.some((n) => n.includes('notification: Revoked')); i++) await new Promise((resolve) => setTimeout(resolve, 200));
        for (const notice of notices.splice(0)) print(notice);
        return;
      }
    }
    const stopped = await Promise.race([stop.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000))]);
    if (stopped) return;
  }
}

async function reportDemoRevoked(moto: Moto, account: string, print: (line: string) => void): Promise<void> {
  const iam = await moto.iamIn(account);
  const left = (await iam.send(new ListUserPoliciesCommand({ UserName: 'developer' }))).PolicyNames?.filter((n) => n.startsWith('grantflow.')) ?? [];
  iam.destroy();
  print(
    `${new Date().toISOString()}  the demo grant expired and was revoked; ` +
      (left.length === 0
        ? 'IAM in prod no longer holds its inline policy (and AWS denied it from its expiry on, by its DateLessThan condition)'
        : `IAM still holds ${left.join(', ')}`),
  );
}
