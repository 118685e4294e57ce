// Delivery of one notification to one webhook sink: one POST per attempt, with the idempotency key
// in a header and in the body, so a receiver can drop the duplicates that at-least-once delivery
// brings. A 5xx, 408, 429, timeout or network error is retried by Temporal (the notification
// workflow bounds the total time); any other 4xx is not, since resending cannot fix it.
//
// What a webhook URL may reach: the URL comes from the worker's environment, but the worker runs
// where cloud credentials are a request away, so delivery follows no redirect (a 3xx is a failure)
// and never connects to a link-local or instance-metadata address. The address is checked where the
// connection is made: a literal IP in the URL before connecting, a name in the `lookup` the socket
// connects with, so a name that resolves to a good address once and to the metadata service next
// (DNS rebinding) is refused on the connection that would reach it. Loopback and private addresses
// stay allowed: self-hosted receivers and the tests use them.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { NotificationSink } from '../src/core/notification-sink';
import { grantUrl, idempotencyKey, notificationBody, type NotificationMessage } from '../src/core/notifications';

/** How long one POST may take before it counts as failed (and is retried). */
const REQUEST_TIMEOUT_MS = 10_000;

/** One address a name resolves to, as `dns.lookup` gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface NotifyDeps {
  sinks: readonly NotificationSink[];
  webUiUrl?: string;
  namespace: string;
  /** Every address a host name resolves to (default: the system resolver, `dns.lookup`); for tests. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
}

/** Host names of cloud instance-metadata services, refused before any resolution. */
export const METADATA_HOSTS: readonly string[] = ['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal'];

const REFUSED = new net.BlockList();
// IPv4 link-local, where AWS, GCP, Azure and others serve instance metadata (169.254.169.254); the
// IPv4 rule also matches the IPv4-mapped IPv6 form (::ffff:169.254.169.254).
REFUSED.addSubnet('169.254.0.0', 16, 'ipv4');
// The same range embedded in IPv6 by NAT64 (64:ff9b::/96) and by the old IPv4-compatible form (::/96).
REFUSED.addSubnet('64:ff9b::a9fe:0', 112, 'ipv6');
REFUSED.addSubnet('::a9fe:0', 112, 'ipv6');
// IPv6 link-local.
REFUSED.addSubnet('fe80::', 10, 'ipv6');
/** AWS's IPv6 instance-metadata address (Nitro instances), outside the link-local range. */
const METADATA_V6 = new net.BlockList();
METADATA_V6.addAddress('fd00:ec2::254', 'ipv6');

/**
 * Why a webhook may not be sent to this address (`undefined`: it may). Link-local addresses (IPv4
 * 169.254.0.0/16, also written as IPv6; IPv6 fe80::/10) and AWS's fd00:ec2::254 are refused;
 * loopback, private and public addresses are not. What is not an IP address is refused too.
 */
export function refusedAddress(address: string): string | undefined {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = net.isIP(bare);
  if (family === 0) return 'not an IP address';
  if (family === 6 && METADATA_V6.check(bare, 'ipv6')) return "AWS's IPv6 instance-metadata address";
  if (REFUSED.check(bare, family === 4 ? 'ipv4' : 'ipv6')) return 'a link-local address, where cloud instance metadata is served';
  return undefined;
}

/** A connection the address rules refuse; never retried, since resending reaches the same address. */
class RefusedDestination extends Error {
  constructor(
    readonly destination: string,
    readonly why: string,
  ) {
    super(`${destination} is ${why}`);
    this.name = 'RefusedDestination';
  }
}

/** Why a host in a URL is refused before any connection: a metadata name, or a refused literal address. */
function refusedHost(hostname: string): RefusedDestination | undefined {
  const host = hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (METADATA_HOSTS.includes(host)) return new RefusedDestination(host, 'the host name of an instance-metadata service');
  if (net.isIP(host) === 0) return undefined;
  const why = refusedAddress(host);
  return why ? new RefusedDestination(host, why) : undefined;
}

const systemResolve = async (hostname: string): Promise<ResolvedAddress[]> => dns.promises.lookup(hostname, { all: true });

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * The `lookup` the socket connects with: the addresses `resolve` gives, refused if any of them is
 * one a webhook may not reach (a name that also resolves to the metadata service is not trusted).
 */
function guardedLookup(resolve: (hostname: string) => Promise<ResolvedAddress[]>) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (all) => {
        const wanted = all.filter((a) => !options.family || a.family === options.family);
        const bad = wanted.find((a) => refusedAddress(a.address) !== undefined);
        if (bad) return callback(new RefusedDestination(`${hostname} (${bad.address})`, refusedAddress(bad.address)!), '');
        const first = wanted[0];
        if (!first) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '');
        if (options.all) return callback(null, wanted);
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/** One POST, answered with its status once the body has been read; no redirect is followed. */
function post(url: URL, headers: Record<string, string>, body: string, lookup: ReturnType<typeof guardedLookup>, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup,
      // A connection of its own each time, so each delivery resolves (and checks) the name again.
      agent: false,
    });
    const abort = () => request.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    const done = () => signal.removeEventListener('abort', abort);
    request.on('error', (error) => {
      done();
      reject(error);
    });
    request.on('response', (response) => {
      response.on('error', (error) => {
        done();
        reject(error);
      });
      response.on('end', () => {
        done();
        resolve(response.statusCode ?? 0);
      });
      response.on('close', () => {
        done();
        if (!response.complete) reject(new Error('the connection closed before the answer was complete'));
      });
      response.resume();
    });
    request.end(body);
  });
}

export async function deliver(deps: NotifyDeps, input: { sink: string; message: NotificationMessage }): Promise<{ status: number }> {
  const sink = deps.sinks.find((s) => s.name === input.sink);
  const context = (() => {
    try {
      return Context.current();
    } catch {
      return undefined;
    }
  })();
  const count = (outcome: string) =>
    context?.metricMeter
      .createCounter('grantflow_notification_deliveries_total', undefined, 'webhook delivery attempts by event, format and outcome')
      .add(1, { event: input.message.event, format: sink?.format ?? 'unknown', sink: input.sink, outcome });
  if (!sink) {
    count('unknown-sink');
    // Another worker (or an earlier configuration) knew this sink; one that knows it may pick the retry up.
    throw ApplicationFailure.retryable(`notification sink "${input.sink}" is not configured on this worker (grantflow.yaml notifications:)`, 'UnknownSink');
  }
  const refused = (destination: RefusedDestination) => {
    count('refused-address');
    return ApplicationFailure.nonRetryable(
      `notification sink "${sink.name}": refused to connect to ${destination.destination}: it is ${destination.why}; ` +
        "webhooks are never sent to link-local or instance-metadata addresses; check the webhook URL the sink's url_env names",
      'SinkAddressRefused',
    );
  };
  let target: URL;
  try {
    target = new URL(sink.url);
  } catch {
    count('error');
    throw ApplicationFailure.nonRetryable(
      `notification sink "${sink.name}": its URL cannot be parsed; check the webhook URL the sink's url_env names`,
      'SinkRejected',
    );
  }
  const literal = refusedHost(target.hostname);
  if (literal) throw refused(literal);

  const key = idempotencyKey(input.message);
  const url = grantUrl(deps.webUiUrl, deps.namespace, input.message);
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const signals = [timeout, ...(context ? [context.cancellationSignal] : [])];
  let status: number;
  try {
    status = await post(
      target,
      { 'content-type': 'application/json', 'idempotency-key': key, 'user-agent': 'grantflow' },
      JSON.stringify(notificationBody(input.message, sink.format, url ? { url } : {})),
      guardedLookup(deps.resolve ?? systemResolve),
      AbortSignal.any(signals),
    );
  } catch (error) {
    if (error instanceof RefusedDestination) throw refused(error);
    count('error');
    throw ApplicationFailure.retryable(
      `notification sink "${sink.name}": ${timeout.aborted ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : (error as Error).message}`,
      'SinkUnreachable',
    );
  }
  if (status >= 200 && status < 300) {
    count('delivered');
    return { status };
  }
  count(`http-${status}`);
  if (status >= 300 && status < 400) {
    throw ApplicationFailure.nonRetryable(
      `notification sink "${sink.name}" answered HTTP ${status}, a redirect; redirects are not followed: set the sink's url_env variable to the URL that accepts the POST`,
      'SinkRedirected',
    );
  }
  const retryable = status >= 500 || status === 408 || status === 429;
  const message = `notification sink "${sink.name}" answered HTTP ${status}`;
  throw retryable
    ? ApplicationFailure.retryable(message, 'SinkError')
    : ApplicationFailure.nonRetryable(`${message}; check the webhook URL the sink's url_env names`, 'SinkRejected');
}
