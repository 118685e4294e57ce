// An HTTP proxy in front of moto that counts IAM/STS calls by action and can inject faults:
// throttling, 500s and dropped connections, on a chosen fraction of calls or on all of them, of every
// call or only of the calls a test picks. IAM Identity Center's calls (sso-admin and the identity
// store, JSON named by X-Amz-Target) go through it too, with what moto answers too kindly scripted
// by identity-center-proxy.ts.
import http from 'node:http';
import type net from 'node:net';
import { IdentityCenterFakes, type IdentityCenterScript, type Scripted } from './identity-center-proxy';

export type { IdentityCenterScript } from './identity-center-proxy';

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
  only?: (call: { action: string; params: URLSearchParams; service: string; json?: Record<string, unknown> }) => boolean;
}

/** One answered call, for measuring when IAM changed (revocation lag). */
export interface CallEvent {
  action: string;
  /** `iam`, `sts`, `sso-admin` or `identitystore`. */
  service: string;
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
  /** What IAM Identity Center answers instead of moto's kind answers (none: moto's). */
  setIdentityCenter(script: IdentityCenterScript | undefined): void;
  /** Account assignment creations in flight now, and the most at once since the last resetCounts. */
  creationsInFlight(): { now: number; max: number };
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

const SERVICES: Record<string, string> = { SWBExternalService: 'sso-admin', AWSIdentityStore: 'identitystore' };

/** IAM's query protocol (form-encoded, Action=…), or the JSON protocol of Identity Center (X-Amz-Target: Service.Action). */
function parseCall(request: http.IncomingMessage, body: Buffer): { action: string; service: string; params: URLSearchParams; json?: Record<string, unknown> } {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix, action] = target.split('.');
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      json = {};
    }
    return { action: action ?? 'unknown', service: SERVICES[prefix ?? ''] ?? prefix ?? 'unknown', params: new URLSearchParams(), json };
  }
  const params = new URLSearchParams(body.toString('utf8'));
  const action = params.get('Action') ?? 'unknown';
  return { action, service: action === 'AssumeRole' || action === 'GetCallerIdentity' ? 'sts' : 'iam', params };
}

function jsonFault(kind: 'throttle' | 'server-error'): { status: number; body: string } {
  return kind === 'throttle'
    ? { status: 400, body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }) }
    : { status: 500, body: JSON.stringify({ __type: 'InternalServerException', message: 'injected failure' }) };
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
  const identityCenter = new IdentityCenterFakes();

  /**
   * moto's answer without its hop-by-hop headers: its `Connection: close` is about moto's own
   * connection, and passed on it made the worker open a connection per IAM call, where AWS keeps one.
   */
  const endToEnd = (headers: http.IncomingHttpHeaders): http.IncomingHttpHeaders => {
    const { connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
    return rest;
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const sentAt = Date.now();
      const body = Buffer.concat(chunks);
      const call = parseCall(request, body);
      const { action, params, service } = call;
      counts[action] = (counts[action] ?? 0) + 1;
      const record = (status: number) => {
        if (recording?.has(action)) {
          events.push({
            action,
            service,
            user: params.get('UserName') ?? undefined,
            ...(params.get('RoleName') ? { role: params.get('RoleName')! } : {}),
            ...(params.get('PolicyArn') ? { policy: params.get('PolicyArn')! } : {}),
            ...(params.get('PolicyName') ? { policyName: params.get('PolicyName')! } : {}),
            status,
            at: Date.now(),
            sentAt,
          });
        }
      };
      // Without `only`, the seeded generator is drawn for every call (moto's own too), in the order the
      // seeds recorded by fault runs were drawn in: the same seed replays the same faults.
      if (plan && (plan.only?.(call) ?? true) && random() < plan.rate && !action.startsWith('moto')) {
        injected++;
        const kind = plan.kinds[Math.floor(random() * plan.kinds.length)] ?? 'throttle';
        if (kind === 'drop') {
          request.socket.destroy();
          return;
        }
        if (kind === 'drop-after') {
          if (call.json && !identityCenter.passOn(action, call.json)) {
            request.socket.destroy();
            return;
          }
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
        if (call.json) {
          const fault = jsonFault(kind === 'throttle' ? 'throttle' : 'server-error');
          response.writeHead(fault.status, { 'Content-Type': 'application/x-amz-json-1.1' });
          response.end(fault.body);
          return;
        }
        response.writeHead(kind === 'throttle' ? 400 : kind === 'deny' ? 403 : 500, { 'Content-Type': 'text/xml' });
        response.end(kind === 'throttle' ? throttleBody() : kind === 'deny' ? deniedBody(action) : serverErrorBody());
        return;
      }
      const scripted: Scripted = call.json ? identityCenter.handle(action, call.json) : undefined;
      if (scripted && 'answer' in scripted) {
        response.writeHead(scripted.answer.status, { 'Content-Type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(scripted.answer.body));
        record(scripted.answer.status);
        return;
      }
      if (scripted?.rewrite) {
        const rewrite = scripted.rewrite;
        const forward = http.request(
          { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
          (upstreamResponse) => {
            const parts: Buffer[] = [];
            upstreamResponse.on('data', (chunk: Buffer) => parts.push(chunk));
            upstreamResponse.on('end', () => {
              const status = upstreamResponse.statusCode ?? 502;
              let text = Buffer.concat(parts).toString('utf8');
              if (status === 200) text = JSON.stringify(rewrite(JSON.parse(text) as Record<string, unknown>));
              scripted.after?.();
              const headers = { ...endToEnd(upstreamResponse.headers), 'content-length': String(Buffer.byteLength(text)) };
              response.writeHead(status, headers);
              response.end(text);
              record(status);
            });
          },
        );
        forward.on('error', () => {
          scripted.after?.();
          request.socket.destroy();
        });
        forward.end(body);
        return;
      }
      const forward = http.request(
        { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
        (upstreamResponse) => {
          response.writeHead(upstreamResponse.statusCode ?? 502, endToEnd(upstreamResponse.headers));
          upstreamResponse.pipe(response);
          upstreamResponse.on('end', () => record(upstreamResponse.statusCode ?? 0));
        },
      );
      forward.on('error', () => request.socket.destroy());
      forward.end(body);
    });
  });
  // Idle connections stay open longer than the SDK keeps them, so a call never meets one closing under it.
  server.keepAliveTimeout = 120_000;
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
      identityCenter.resetCounts();
    },
    setFaults: (next) => {
      plan = next;
      random = next?.seed !== undefined ? seededRandom(next.seed) : Math.random;
    },
    faultsInjected: () => injected,
    setIdentityCenter: (script) => identityCenter.setScript(script),
    creationsInFlight: () => ({ now: identityCenter.inFlightNow(), max: identityCenter.maxCreationsInFlight() }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
