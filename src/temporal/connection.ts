// Temporal connection settings from @temporalio/envconfig: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TLS options and named profiles (TEMPORAL_PROFILE, temporal.toml), so the same
// binary talks to a laptop dev server, a self-hosted cluster or Temporal Cloud.
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { formatDuration } from '../core/time';

export interface TemporalTarget {
  address: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

export function temporalTarget(): TemporalTarget {
  const config = loadClientConnectConfig();
  const address = config.connectionOptions.address ?? 'localhost:7233';
  return {
    address,
    namespace: config.namespace ?? 'default',
    connectionOptions: { ...config.connectionOptions, address },
  };
}

export class TemporalUnreachable extends Error {
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(
      `cannot reach Temporal at ${address}: ${(cause as Error)?.message ?? String(cause)}. ` +
        'Start one (`npm run demo` or `temporal server start-dev`) or set TEMPORAL_ADDRESS / TEMPORAL_PROFILE',
    );
  }
}

export async function connectClient(target = temporalTarget()): Promise<{ client: Client; connection: Connection; target: TemporalTarget }> {
  try {
    const connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: 5000 } as Parameters<typeof Connection.connect>[0]);
    return { client: new Client({ connection, namespace: target.namespace }), connection, target };
  } catch (error) {
    throw new TemporalUnreachable(target.address, error);
  }
}

export async function connectWorker(target = temporalTarget()): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(target.connectionOptions);
  } catch (error) {
    throw new TemporalUnreachable(target.address, error);
  }
}

/** Temporal gave no answer in time: usually no worker polls the task queue the call waits on. */
/** What a timeout usually means when a worker has to answer (a submission, a revoke, a query). */
export const NO_WORKER_HINT =
  'Usually no worker is polling its task queue: start one (`grantflow worker`) and check with `grantflow doctor`; for a large team, raise --timeout';

export class TemporalTimeout extends Error {
  constructor(
    readonly timeoutMs: number,
    waitingFor: string,
    hint = NO_WORKER_HINT,
  ) {
    super(`no answer within ${formatDuration(timeoutMs)} while waiting for ${waitingFor}. ${hint}`);
    this.name = 'TemporalTimeout';
  }
}

/** Runs `fn`'s Temporal calls under a deadline: a call still waiting at `timeoutMs` is cancelled and a TemporalTimeout says what it waited for. */
export async function withTimeout<T>(client: Client, timeoutMs: number, waitingFor: string, fn: () => Promise<T>, hint?: string): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await client.withAbortSignal(controller.signal, fn);
  } catch (error) {
    if (controller.signal.aborted) throw new TemporalTimeout(timeoutMs, waitingFor, hint);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Connects, runs `fn` under `withTimeout` and closes the connection. */
export async function withTemporal<T>(options: { timeoutMs: number; waitingFor: string }, fn: (client: Client) => Promise<T>): Promise<T> {
  const { client, connection } = await connectClient();
  try {
    return await withTimeout(client, options.timeoutMs, options.waitingFor, () => fn(client));
  } finally {
    await connection.close();
  }
}
