// Webhook delivery against real local HTTP servers: what is sent, which answers are retried, that no
// redirect is followed, and that no link-local or instance-metadata address is ever connected to,
// whether written in the URL or reached through the name's resolution (checked on the connection
// itself, so a name re-bound between two deliveries is caught).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { deliver, refusedAddress, type NotifyDeps, type ResolvedAddress } from '../../../activities/notify';
import type { NotificationSink } from '../../../src/core/notification-sink';
import type { NotificationMessage } from '../../../src/core/notifications';

const MESSAGE: NotificationMessage = {
  event: 'granted',
  at: '2026-06-01T12:00:00Z',
  grant: {
    id: 'grantflow/t/111111111111/user/bob/reader',
    runId: 'run-1',
    team: 't',
    principalType: 'user',
    principal: 'bob',
    account: '111111111111',
    environment: 'nonprod',
    policy: 'reader',
    kind: 'permanent',
  },
};

interface Hit {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A server on a free loopback port that records every request and answers as `answer` says. */
async function server(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.writeHead(200).end('ok')) {
  const hits: Hit[] = [];
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  return {
    port,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
}

const sink = (url: string, name = 'sec'): NotificationSink => ({
  name,
  url,
  format: 'json',
  events: ['granted'],
  expiringBeforeMs: 3_600_000,
  revokeStuckAfterMs: 600_000,
});

const deps = (url: string, extra: Partial<NotifyDeps> = {}): NotifyDeps => ({ sinks: [sink(url)], namespace: 'default', ...extra });

/** The failure `deliver` threw (the test fails if it delivered). */
async function failure(run: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await run;
  } catch (error) {
    assert.ok(error instanceof ApplicationFailure, `an ApplicationFailure, got ${String(error)}`);
    return error;
  }
  assert.fail('delivered, but should have failed');
}

/** A resolver that must not be asked: the URL is refused before any name is resolved. */
const noResolve = async (hostname: string): Promise<ResolvedAddress[]> => assert.fail(`resolved ${hostname}`);

describe('notify delivery: what is sent and which answers are retried', function () {
  it('POSTs the JSON body with the idempotency key in a header, and returns the status', async () => {
    const s = await server();
    try {
      assert.deepEqual(await deliver(deps(s.url()), { sink: 'sec', message: MESSAGE }), { status: 200 });
      assert.equal(s.hits.length, 1);
      const [hit] = s.hits;
      assert.equal(hit!.method, 'POST');
      assert.equal(hit!.path, '/hook');
      assert.equal(hit!.headers['content-type'], 'application/json');
      assert.equal(hit!.headers['idempotency-key'], `${MESSAGE.grant.id}/granted/run-1`);
      assert.equal(hit!.headers['user-agent'], 'grantflow');
      assert.equal(Number(hit!.headers['content-length']), Buffer.byteLength(hit!.body));
      const body = JSON.parse(hit!.body) as Record<string, unknown>;
      assert.equal(body.idempotencyKey, `${MESSAGE.grant.id}/granted/run-1`);
      assert.equal(body.event, 'granted');
    } finally {
      await s.close();
    }
  });

  const answers: { status: number; retryable: boolean; type: string }[] = [
    { status: 500, retryable: true, type: 'SinkError' },
    { status: 503, retryable: true, type: 'SinkError' },
    { status: 408, retryable: true, type: 'SinkError' },
    { status: 429, retryable: true, type: 'SinkError' },
    { status: 400, retryable: false, type: 'SinkRejected' },
    { status: 404, retryable: false, type: 'SinkRejected' },
  ];
  for (const a of answers) {
    it(`HTTP ${a.status} is ${a.retryable ? '' : 'not '}retried`, async () => {
      const s = await server((_req, res) => res.writeHead(a.status).end('no'));
      try {
        const f = await failure(deliver(deps(s.url()), { sink: 'sec', message: MESSAGE }));
        assert.equal(f.nonRetryable, !a.retryable);
        assert.equal(f.type, a.type);
        assert.match(f.message, new RegExp(`^notification sink "sec" answered HTTP ${a.status}`));
      } finally {
        await s.close();
      }
    });
  }

  it('a closed port is retried, with the reason', async () => {
    const s = await server();
    const url = s.url();
    await s.close();
    const f = await failure(deliver(deps(url), { sink: 'sec', message: MESSAGE }));
    assert.equal(f.nonRetryable, false);
    assert.equal(f.type, 'SinkUnreachable');
    assert.match(f.message, /^notification sink "sec": .*ECONNREFUSED/);
  });

  it('an unknown sink is retried (another worker may know it)', async () => {
    const f = await failure(deliver(deps('http://127.0.0.1:9/'), { sink: 'other', message: MESSAGE }));
    assert.equal(f.nonRetryable, false);
    assert.equal(f.type, 'UnknownSink');
  });
});

describe('notify delivery: no redirect is followed', function () {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`HTTP ${status}: a non-retryable failure naming the sink, and the redirect target receives nothing`, async () => {
      const target = await server();
      const redirecting = await server((_req, res) => res.writeHead(status, { location: target.url('/stolen') }).end());
      try {
        const f = await failure(deliver(deps(redirecting.url()), { sink: 'sec', message: MESSAGE }));
        assert.equal(f.nonRetryable, true);
        assert.equal(f.type, 'SinkRedirected');
        assert.match(f.message, new RegExp(`^notification sink "sec" answered HTTP ${status}, a redirect; redirects are not followed`));
        assert.equal(redirecting.hits.length, 1, 'the sink was asked once');
        // Give a follow-up request time to arrive, were one sent.
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.deepEqual(target.hits, [], 'the redirect target was never contacted');
      } finally {
        await redirecting.close();
        await target.close();
      }
    });
  }
});

describe('notify delivery: link-local and instance-metadata addresses are refused', function () {
  const table: [address: string, refused: boolean][] = [
    // IPv4
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['169.254.255.255', true],
    ['169.253.255.255', false],
    ['169.255.0.0', false],
    ['127.0.0.1', false],
    ['10.0.0.5', false],
    ['172.16.3.4', false],
    ['192.168.1.10', false],
    ['100.64.0.1', false],
    ['8.8.8.8', false],
    ['0.0.0.0', false],
    // IPv6
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['FE80::A:B', true],
    ['febf:ffff::1', true],
    ['fec0::1', false],
    ['fd00:ec2::254', true],
    ['fd00:ec2:0:0:0:0:0:254', true],
    ['[fd00:ec2::254]', true],
    ['fd00:ec2::253', false],
    ['fd00::1', false],
    ['::1', false],
    ['2001:db8::1', false],
    // IPv4 written as IPv6
    ['::ffff:169.254.169.254', true],
    ['::ffff:a9fe:a9fe', true],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.1.2.3', false],
    ['64:ff9b::169.254.169.254', true],
    ['64:ff9b::8.8.8.8', false],
    ['::169.254.169.254', true],
    // not an address at all
    ['metadata.google.internal', true],
    ['', true],
  ];
  for (const [address, refused] of table) {
    it(`${address || '(empty)'}: ${refused ? 'refused' : 'allowed'}`, () => {
      const why = refusedAddress(address);
      assert.equal(why !== undefined, refused, why);
    });
  }

  const literals: [url: string, named: string][] = [
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://169.254.170.2/v2/credentials', '169.254.170.2'],
    ['http://0xA9FEA9FE/', '169.254.169.254'],
    ['http://2852039166/', '169.254.169.254'],
    ['https://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe'],
    ['http://[fe80::1]:8080/hook', 'fe80::1'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'fd00:ec2::254'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata.google.internal'],
    ['http://METADATA.Google.Internal./computeMetadata/v1/', 'metadata.google.internal'],
    ['http://metadata/computeMetadata/v1/', 'metadata'],
  ];
  for (const [url, named] of literals) {
    it(`refuses ${url} before any resolution or connection, naming the sink and the address`, async () => {
      const f = await failure(deliver(deps(url, { resolve: noResolve }), { sink: 'sec', message: MESSAGE }));
      assert.equal(f.nonRetryable, true);
      assert.equal(f.type, 'SinkAddressRefused');
      assert.ok(f.message.startsWith(`notification sink "sec": refused to connect to ${named}: `), f.message);
      assert.match(f.message, /webhooks are never sent to link-local or instance-metadata addresses/);
    });
  }

  const resolutions: [name: string, addresses: ResolvedAddress[], named: string][] = [
    ['IPv4 metadata', [{ address: '169.254.169.254', family: 4 }], '169.254.169.254'],
    ['IPv6 link-local', [{ address: 'fe80::a9fe:a9fe', family: 6 }], 'fe80::a9fe:a9fe'],
    ["AWS's IPv6 metadata", [{ address: 'fd00:ec2::254', family: 6 }], 'fd00:ec2::254'],
    ['IPv4-mapped metadata', [{ address: '::ffff:169.254.169.254', family: 6 }], '::ffff:169.254.169.254'],
    [
      'loopback and metadata together',
      [
        { address: '127.0.0.1', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
      '169.254.169.254',
    ],
  ];
  for (const [what, addresses, named] of resolutions) {
    it(`refuses a name that resolves to ${what}, naming the sink and the address`, async () => {
      const asked: string[] = [];
      const resolve = async (hostname: string) => {
        asked.push(hostname);
        return addresses;
      };
      const f = await failure(deliver(deps('http://hooks.example.test:8080/hook', { resolve }), { sink: 'sec', message: MESSAGE }));
      assert.deepEqual([...new Set(asked)], ['hooks.example.test']);
      assert.equal(f.nonRetryable, true);
      assert.equal(f.type, 'SinkAddressRefused');
      assert.ok(f.message.startsWith(`notification sink "sec": refused to connect to hooks.example.test (${named}): `), f.message);
    });
  }

  it('refuses it over https as well', async () => {
    const resolve = async (): Promise<ResolvedAddress[]> => [{ address: '169.254.169.254', family: 4 }];
    const f = await failure(deliver(deps('https://hooks.example.test/hook', { resolve }), { sink: 'sec', message: MESSAGE }));
    assert.equal(f.nonRetryable, true);
    assert.ok(f.message.startsWith('notification sink "sec": refused to connect to hooks.example.test (169.254.169.254): '), f.message);
  });

  it('checks the address it connects to: delivered while the name resolves to loopback, refused once it is re-bound to the metadata address', async () => {
    const s = await server();
    const answers: ResolvedAddress[][] = [[{ address: '127.0.0.1', family: 4 }], [{ address: '169.254.169.254', family: 4 }]];
    let asked = 0;
    const resolve = async () => answers[Math.min(asked++, answers.length - 1)]!;
    try {
      const rebinding = deps(`http://hooks.example.test:${s.port}/hook`, { resolve });
      // The name resolves only through the injected resolver: delivery shows the connection used it.
      assert.deepEqual(await deliver(rebinding, { sink: 'sec', message: MESSAGE }), { status: 200 });
      assert.equal(s.hits.length, 1);
      assert.equal(s.hits[0]!.headers.host, `hooks.example.test:${s.port}`);
      const f = await failure(deliver(rebinding, { sink: 'sec', message: MESSAGE }));
      assert.equal(f.nonRetryable, true);
      assert.match(f.message, /refused to connect to hooks\.example\.test \(169\.254\.169\.254\)/);
      assert.equal(s.hits.length, 1, 'nothing more was sent');
    } finally {
      await s.close();
    }
  });

  it('loopback, written or resolved, stays allowed', async () => {
    const s = await server();
    try {
      assert.deepEqual(await deliver(deps(s.url()), { sink: 'sec', message: MESSAGE }), { status: 200 });
      const resolve = async (): Promise<ResolvedAddress[]> => [{ address: '127.0.0.1', family: 4 }];
      assert.deepEqual(await deliver(deps(`http://localhost:${s.port}/hook`, { resolve }), { sink: 'sec', message: MESSAGE }), { status: 200 });
      assert.equal(s.hits.length, 2);
    } finally {
      await s.close();
    }
  });
});
