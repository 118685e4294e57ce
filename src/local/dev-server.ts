// The Temporal dev server (the Temporal CLI's `server start-dev`) for tests and the demo: free ports
// unless told otherwise, grantflow's search attributes registered, state in a SQLite file, and the
// namespace retention grantflow needs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { DAY_MS } from '../core/time';
import { protoDuration } from '../temporal/proto-time';
import { onFreePorts, startProcess, waitFor, type Managed } from './processes';
import { temporalCli } from './tools';

export interface DevServer {
  address: string;
  uiUrl: string;
  namespace: string;
  dbFile: string;
  client(): Promise<Client>;
  /** Stops the server, keeping its SQLite file, so `start()` brings the same state back; clients reconnect. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
}

const TYPE_NAMES: Record<string, string> = {
  KEYWORD: 'Keyword',
  DATETIME: 'Datetime',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  KEYWORD_LIST: 'KeywordList',
};

export interface DevServerOptions {
  retentionDays?: number;
  searchAttributes?: boolean;
  /** Keep state here (the demo); by default a temporary folder that `destroy()` removes. */
  dir?: string;
  port?: number;
  uiPort?: number;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const temporal = await temporalCli();
  if (!temporal) throw new Error('no Temporal CLI: run `npm run bootstrap` (needs Go) to build it');
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-dev-server-'));
  fs.mkdirSync(dir, { recursive: true });
  const dbFile = path.join(dir, 'temporal.db');
  let port = options.port ?? 0;
  let uiPort = options.uiPort ?? 0;
  let address = '';
  const namespace = 'default';
  const args = () => [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--db-filename',
    dbFile,
    '--log-level',
    'error',
    ...(options.searchAttributes === false ? [] : SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${TYPE_NAMES[key.type]}`])),
  ];
  let server: Managed | undefined;
  let connection: Connection | undefined;
  let client: Client | undefined;

  /** Starts (or, after `stop`, restarts) the server on the ports it was given. */
  const start = async () => {
    address = `127.0.0.1:${port}`;
    server = startProcess(temporal, args(), { logFile: path.join(dir, 'server.log') });
    await waitFor(
      'Temporal dev server',
      async () => {
        const probe = await Connection.connect({ address, connectTimeout: 1000 });
        try {
          await probe.workflowService.describeNamespace({ namespace });
          return true;
        } finally {
          await probe.close();
        }
      },
      60_000,
      server,
    );
  };
  if (options.port !== undefined && options.uiPort !== undefined) await start();
  else {
    // Ports picked here may be taken before the server binds them: on a conflict it starts again on new ones.
    await onFreePorts(2, async ([free, freeUi]) => {
      port = options.port ?? free!;
      uiPort = options.uiPort ?? freeUi!;
      try {
        await start();
      } catch (error) {
        await server?.stop(5_000);
        throw error;
      }
    });
  }

  const clientFor = async () => {
    connection ??= await Connection.connect({ address });
    client ??= new Client({ connection, namespace });
    return client;
  };
  if (options.retentionDays !== undefined) {
    const c = await clientFor();
    await c.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: protoDuration(options.retentionDays * DAY_MS) },
    });
  }

  /** Stops the server process; clients stay and reconnect when it comes back, as they would in production. */
  const stop = async () => {
    await server?.stop(10_000);
  };
  return {
    address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    namespace,
    dbFile,
    client: clientFor,
    stop,
    start,
    async destroy() {
      await connection?.close().catch(() => undefined);
      connection = undefined;
      client = undefined;
      await stop();
      if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
