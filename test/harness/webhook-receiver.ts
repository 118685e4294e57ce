// A real HTTP webhook receiver for the notification tests, on a free loopback port. Each path is a
// sink with its own behaviour: answer 200, answer 500 (until told otherwise), never answer, or answer
// a redirect elsewhere.
import http from 'node:http';
import type net from 'node:net';

export type Behaviour = 'ok' | 'fail' | 'hang' | { redirectTo: string };

export interface Received {
  path: string;
  key: string | undefined;
  body: Record<string, unknown>;
  /** The status it was answered with; undefined while it hangs. */
  status?: number;
}

export interface WebhookReceiver {
  url(path: string): string;
  set(path: string, behaviour: Behaviour): void;
  /** Every request so far, in arrival order. */
  requests(path?: string): Received[];
  /** Requests answered 2xx. */
  delivered(path: string): Received[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const behaviours = new Map<string, Behaviour>();
  const received: Received[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        body = { unparsable: Buffer.concat(chunks).toString('utf8') };
      }
      const entry: Received = { path, key: req.headers['idempotency-key'] as string | undefined, body };
      received.push(entry);
      const behaviour = behaviours.get(path) ?? 'ok';
      if (behaviour === 'hang') return; // never answers; the sender's own timeout ends it
      if (typeof behaviour === 'object') {
        entry.status = 302;
        res.writeHead(entry.status, { location: behaviour.redirectTo }).end();
        return;
      }
      entry.status = behaviour === 'fail' ? 500 : 200;
      res.writeHead(entry.status, { 'content-type': 'text/plain' }).end(behaviour === 'fail' ? 'broken' : 'ok');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Port 0: the kernel picks a free port as it binds, so nothing started beside the receiver can take it first.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    set: (path, behaviour) => behaviours.set(path, behaviour),
    requests: (path) => received.filter((r) => path === undefined || r.path === path),
    delivered: (path) => received.filter((r) => r.path === path && r.status !== undefined && r.status < 300),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
