// The whole stack for workflow and end-to-end tests: a Temporal dev server, moto behind a
// fault-injecting proxy, and a grantflow worker (in this process, or as a child process).
import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { type AccountClients } from '../../src/aws/accounts';
import { createWorker, type WorkerOptions } from '../../src/worker';
import type { Authority } from '../../activities';
import { DEFAULT_GUARDRAILS, type Guardrails } from '../../src/core/guardrails';
import type { SubmissionSigner } from '../../src/temporal/submissions';
import { fingerprint, parsePrivateKey, generateSigningKey, parsePublicKey } from '../../src/trust/keys';
import { DEFAULT_SUBMISSION_MAX_AGE_MS, signerFor } from '../../src/trust/submissions';
import { startDevServer, type DevServer } from '../../src/local/dev-server';
import { startIamProxy, type IamProxy } from './iam-proxy';
import { startMoto, type Moto } from '../../src/local/moto';
import type { IdentityCenterSettings } from '../../src/core/identity-center';
import { readInstance, settingsFor, type Instance } from './identity-center';

export interface Stack {
  server: DevServer;
  moto: Moto;
  proxy: IamProxy;
  client: Client;
  taskQueue: string;
  /** Environment for child processes (CLI, worker) pointing at this stack, with the stack's signing key. */
  env: Record<string, string>;
  /** Signs submissions with the key the stack's workers trust (as CI would). */
  signer: SubmissionSigner;
  /** The stack's key pair: the private key as PEM, the public key as an OpenSSH line. */
  key: { privatePem: string; publicLine: string; id: string };
  /** What a worker of this stack trusts and holds: the stack's key, and these guardrails over the defaults. */
  authority(guardrails?: Partial<Guardrails>, options?: { insecure?: boolean }): Authority;
  /** moto's IAM Identity Center instance now (a reset of moto makes a new one). */
  instance(): Promise<Instance>;
  /** The Identity Center settings the worker was last started with (undefined: it has none). */
  identityCenter(): IdentityCenterSettings | undefined;
  startWorker(options?: {
    /** Give the worker moto's Identity Center instance (these settings over the test defaults), and the guardrail that goes with it. */
    identityCenter?: Partial<IdentityCenterSettings> | boolean;
    maxCachedWorkflows?: number;
    /** Each account's call budget (default 1,000 a second: never short). */
    iamCallsPerSecond?: number;
    maxTemporaryDays?: number;
    notifications?: WorkerOptions['notifications'];
    guardrails?: Partial<Guardrails>;
    insecure?: boolean;
    /** Off unless a test asks: teams of earlier tests would have their reconcile workflows started again. */
    keepReconciles?: WorkerOptions['keepReconciles'];
    assumeRetentionMs?: number;
  }): Promise<void>;
  stopWorker(): Promise<void>;
  /** moto forgets assumed-role keys on reset, so the worker's cached clients are dropped too. */
  resetIam(): Promise<void>;
  /** Ends every running workflow (so one test's live grants are not another test's holders). */
  terminateAll(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(options: { retentionDays?: number; worker?: boolean; identityCenter?: boolean } = {}): Promise<Stack> {
  const [server, moto] = await Promise.all([startDevServer({ retentionDays: options.retentionDays ?? 8 }), startMoto()]);
  const proxy = await startIamProxy(moto.endpoint);
  const iamEnv = {
    ...moto.env,
    AWS_ENDPOINT_URL_IAM: proxy.endpoint,
    AWS_ENDPOINT_URL_STS: proxy.endpoint,
    AWS_ENDPOINT_URL_SSO_ADMIN: proxy.endpoint,
    AWS_ENDPOINT_URL_IDENTITYSTORE: proxy.endpoint,
  };
  Object.assign(process.env, iamEnv);
  const client = await server.client();
  const taskQueue = `grantflow-test-${Date.now()}`;
  const key = generateSigningKey('grantflow-test-stack');
  const trusted = parsePublicKey(key.publicLine);
  const authority = (guardrails: Partial<Guardrails> = {}, options: { insecure?: boolean } = {}): Authority => ({
    trust: {
      keys: [{ name: 'test-ci', id: trusted.id, key: trusted.key }],
      insecureAcceptUnsigned: options.insecure ?? false,
      maxAgeMs: DEFAULT_SUBMISSION_MAX_AGE_MS,
    },
    guardrails: { ...DEFAULT_GUARDRAILS, ...guardrails },
  });
  const privateKey = parsePrivateKey(key.privatePem);
  if (fingerprint(privateKey) !== key.id) throw new Error('the stack key does not round-trip');

  let connection: NativeConnection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let accounts: AccountClients | undefined;
  let lastWorkerOptions: Parameters<Stack['startWorker']>[0] = {};
  let identityCenter: IdentityCenterSettings | undefined;

  const stack: Stack = {
    server,
    moto,
    proxy,
    client,
    taskQueue,
    env: {
      ...iamEnv,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      GRANTFLOW_TASK_QUEUE: taskQueue,
      GRANTFLOW_SIGNING_KEY: key.privatePem,
      GRANTFLOW_TRUSTED_KEYS: key.publicLine,
    },
    signer: signerFor(privateKey),
    key,
    authority,
    instance: () => readInstance(moto),
    identityCenter: () => identityCenter,
    async startWorker(workerOptions = {}) {
      lastWorkerOptions = workerOptions;
      connection ??= await NativeConnection.connect({ address: server.address });
      const wantsIc = workerOptions.identityCenter ?? options.identityCenter ?? false;
      identityCenter = wantsIc ? settingsFor(await readInstance(moto), typeof wantsIc === 'object' ? wantsIc : {}) : undefined;
      const icGuardrail = identityCenter
        ? {
            identityCenter: {
              allowManagementAccount: identityCenter.allowManagementAccount,
              ...(identityCenter.managementAccount ? { managementAccount: identityCenter.managementAccount } : {}),
            },
          }
        : {};
      const created = await createWorker({
        connection,
        client: await server.client(),
        namespace: server.namespace,
        taskQueue,
        iamCallsPerSecond: workerOptions.iamCallsPerSecond ?? 1000,
        ...(identityCenter ? { identityCenter } : {}),
        authority: authority(
          { ...icGuardrail, ...workerOptions.guardrails, ...(workerOptions.maxTemporaryDays ? { maxTemporaryDays: workerOptions.maxTemporaryDays } : {}) },
          { insecure: workerOptions.insecure ?? false },
        ),
        keepReconciles: workerOptions.keepReconciles ?? false,
        ...(workerOptions.assumeRetentionMs !== undefined ? { assumeRetentionMs: workerOptions.assumeRetentionMs } : {}),
        ...(workerOptions.maxCachedWorkflows ? { maxCachedWorkflows: workerOptions.maxCachedWorkflows } : {}),
        ...(workerOptions.notifications ? { notifications: workerOptions.notifications } : {}),
      });
      worker = created.worker;
      accounts = created.accounts;
      running = worker.run();
    },
    async stopWorker() {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running?.catch(() => undefined);
      accounts?.destroy();
      worker = undefined;
      running = undefined;
    },
    async resetIam() {
      const wasRunning = worker !== undefined;
      if (wasRunning) await stack.stopWorker();
      await moto.reset();
      // The worker comes back as it was started (its guardrails, sinks and trust).
      if (wasRunning) await stack.startWorker(lastWorkerOptions);
    },
    async terminateAll() {
      const running: string[] = [];
      for await (const execution of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) running.push(execution.workflowId);
      await Promise.all(
        running.map((id) =>
          client.workflow
            .getHandle(id)
            .terminate('test cleanup')
            .catch(() => undefined),
        ),
      );
      // Visibility catches up asynchronously; wait until the holders lookup no longer sees them.
      await eventually('terminated workflows leave visibility', async () => {
        for await (const execution of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) return execution ? undefined : true;
        return true;
      });
    },
    async stop() {
      await stack.stopWorker();
      await connection?.close().catch(() => undefined);
      await proxy.close();
      await Promise.all([server.destroy(), moto.stop()]);
    },
  };
  if (options.worker !== false) await stack.startWorker();
  return stack;
}

/**
 * Waits for every start to finish, then fails with the first that failed: a start that fails never
 * leaves another still under way, and out of reach of the `after` hook that stops what started.
 */
export async function allStarted(starts: readonly Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Polls `check` until it returns a value that is not undefined (or throws after `timeoutMs`). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
