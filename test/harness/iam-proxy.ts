// An HTTP proxy in front of moto that counts IAM/STS calls by action and can inject faults:
// throttling, 500s and dropped connections, on a chosen fraction of calls or on all of them, of every
// call or only of the calls a test picks.
import http from 'node:http';
import type net from 'node:net';

/**
 * `drop` loses the request; `drop-after` lets IAM apply it, then loses the answer (the ambiguous case);
 * `deny` answers AccessDenied, as IAM does to a deployer role whose policy lacks the permission.
 */
export type Fault = 'throttle' | 'server-error' | 'drop' | 'drop-after' | 'deny';

export interface FaultPlan {
  /** Fraction of calls (0..1) that fail; 1 fails them all. */
  rate: number;
  kinds: Fault[];
  /** Deterministic fault choice for a reproducible run. */
  seed?: number;
  /** Only calls this matches can fail (every call when absent): one grant's writes, say, while the rest of IAM works. */
  only?: (call: { action: string; params: URLSearchParams }) => boolean;
}

/** One answered call, for measuring when IAM changed (revocation lag). */
export interface CallEvent {
  action: string;
  user?: string;
  role?: string;
  /** The policy an attach or detach names. */
  policy?: string;
  /** The inline policy a put, get or delete names. */
  policyName?: string;
  status: number;
  /** Epoch ms when the answer went back. */
  at: number;
  /** Epoch ms when the request arrived (what a rate limit governs; answers can bunch when IAM is slow). */
  sentAt: number;
}

export interface IamProxy {
  endpoint: string;
  /** Calls seen so far, by action name (e.g. AttachUserPolicy). */
  counts(): Record<string, number>;
  /** Answered calls of the given actions, once `record` is on. */
  events(): CallEvent[];
  record(actions: string[] | undefined): void;
  resetCounts(): void;
  setFaults(plan: FaultPlan | undefined): void;
  faultsInjected(): number;
  close(): Promise<void>;
}

function throttleBody(): string {
  return (
    '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>' +
    '<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>proxy</RequestId></ErrorResponse>'
  );
}

function deniedBody(action: string): string {
  return (
    '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>' +
    `<Code>AccessDenied</Code><Message>User is not authorized to perform: iam:${action}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>`
  );
}

function serverErrorBody(): string {
  return (
    '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Receiver</Type>' +
    '<Code>ServiceFailure</Code><Message>injected failure</Message></Error><RequestId>proxy</RequestId></ErrorResponse>'
  );
}

/** mulberry32: a small seeded generator, so a fault run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startIamProxy(upstream: string): Promise<IamProxy> {
  const target = new URL(upstream);
  const counts: Record<string, number> = {};
  let plan: FaultPlan | undefined;
  let random = Math.random;
  let injected = 0;
  const sockets = new Set<net.Socket>();
  let recording: Set<string> | undefined;
  const events: CallEvent[] = [];

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const sentAt = Date.now();
      const body = Buffer.concat(chunks);
      const params = new URLSearchParams(body.toString('utf8'));
      const action = params.get('Action') ?? 'unknown';
      counts[action] = (counts[action] ?? 0) + 1;
      // Without `only`, the seeded generator is drawn for every call (moto's own too), in the order the
      // seeds recorded by fault runs were drawn in: the same seed replays the same faults.
      if (plan && (plan.only?.({ action, params }) ?? true) && random() < plan.rate && !action.startsWith('moto')) {
        injected++;
        const kind = plan.kinds[Math.floor(random() * plan.kinds.length)] ?? 'throttle';
        if (kind === 'drop') {
          request.socket.destroy();
          return;
        }
        if (kind === 'drop-after') {
          const forward = http.request(
            { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
            (upstream) => {
              upstream.resume();
              upstream.on('end', () => request.socket.destroy());
            },
          );
          forward.on('error', () => request.socket.destroy());
          forward.end(body);
          return;
        }
        response.writeHead(kind === 'throttle' ? 400 : kind === 'deny' ? 403 : 500, { 'Content-Type': 'text/xml' });
        response.end(kind === 'throttle' ? throttleBody() : kind === 'deny' ? deniedBody(action) : serverErrorBody());
        return;
      }
      const forward = http.request(
        { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
        (upstreamResponse) => {
          response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(response);
          if (recording?.has(action)) {
            upstreamResponse.on('end', () =>
              events.push({
                action,
                user: params.get('UserName') ?? undefined,
                ...(params.get('RoleName') ? { role: params.get('RoleName')! } : {}),
                ...(params.get('PolicyArn') ? { policy: params.get('PolicyArn')! } : {}),
                ...(params.get('PolicyName') ? { policyName: params.get('PolicyName')! } : {}),
                status: upstreamResponse.statusCode ?? 0,
                at: Date.now(),
                sentAt,
              }),
            );
          }
        },
      );
      forward.on('error', () => request.socket.destroy());
      forward.end(body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Port 0: the kernel picks a free port at bind time, so nothing can take it in between.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    events: () => [...events],
    record: (actions) => {
      recording = actions ? new Set(actions) : undefined;
      events.length = 0;
    },
    resetCounts: () => {
      for (const key of Object.keys(counts)) delete counts[key];
    },
    setFaults: (next) => {
      plan = next;
      random = next?.seed !== undefined ? seededRandom(next.seed) : Math.random;
    },
    faultsInjected: () => injected,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
