// One IAM client per target account, reached by STS AssumeRole into the deployer role with the
// SDK's default credential chain. Assumed credentials are cached until shortly before they expire.
// AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL are honoured by the SDK itself.
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Deployer } from '../core/grant';
import { classifyAwsError } from './errors';
import { IAM_OPERATIONS, IAM_WRITES, operationName, STS_OPERATIONS } from './operations';
import { RateLimiter } from './rate-limit';
import { QuickRetryStrategy } from './retry-strategy';

export interface AccountRef {
  account: string;
  environment?: string;
  deployer: Deployer;
}

export interface CallRecord {
  service: 'iam' | 'sts';
  operation: string;
  account: string;
  write: boolean;
}

/** Observes every AWS call (tests count writes with it; benchmarks count reads per grant). */
export type CallObserver = (call: CallRecord) => void;

export interface AccountClientOptions {
  iamCallsPerSecond: number;
  observer?: CallObserver;
  /** Credentials are refreshed this long before they expire. */
  refreshBeforeMs?: number;
  sessionSeconds?: number;
}

const REGION_BY_PARTITION: Record<string, string> = { aws: 'us-east-1', 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' };

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export function deployerRoleArn(ref: AccountRef): string {
  return `arn:${ref.deployer.partition}:iam::${ref.account}:role/${ref.deployer.roleName}`;
}

type Stack = IAMClient['middlewareStack'] | STSClient['middlewareStack'];

export class AccountClients {
  private readonly iamClients = new Map<string, IAMClient>();
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly stsClients = new Map<string, STSClient>();
  private readonly credentials = new Map<string, { promise: Promise<Credentials>; expiresAt?: number }>();

  constructor(private readonly options: AccountClientOptions) {}

  /** Enforces the operation list, applies the per-account rate limit, and reports each call. */
  private guard(stack: Stack, service: 'iam' | 'sts', account: string): void {
    const allowed: ReadonlySet<string> = new Set<string>(service === 'iam' ? IAM_OPERATIONS : STS_OPERATIONS);
    const limiter = this.limiter(account);
    (stack as IAMClient['middlewareStack']).add(
      (next, context) => async (args) => {
        const operation = operationName(String(context.commandName));
        if (!allowed.has(operation)) {
          throw new Error(`${service}:${operation} is not in activities/operations.ts; add it there so the deployer policy allows it`);
        }
        await limiter.take();
        this.options.observer?.({ service, operation, account, write: service === 'iam' && IAM_WRITES.has(operation) });
        return next(args);
      },
      { step: 'initialize', name: 'grantflowGuard' },
    );
  }

  private limiter(account: string): RateLimiter {
    let limiter = this.limiters.get(account);
    if (!limiter) {
      limiter = new RateLimiter(this.options.iamCallsPerSecond);
      this.limiters.set(account, limiter);
    }
    return limiter;
  }

  private sts(partition: string): STSClient {
    let client = this.stsClients.get(partition);
    if (!client) {
      client = new STSClient({ region: REGION_BY_PARTITION[partition] ?? 'us-east-1', retryStrategy: new QuickRetryStrategy() });
      this.guard(client.middlewareStack, 'sts', 'caller');
      this.stsClients.set(partition, client);
    }
    return client;
  }

  private async assume(ref: AccountRef): Promise<Credentials> {
    const roleArn = deployerRoleArn(ref);
    try {
      const result = await this.sts(ref.deployer.partition).send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'grantflow',
          DurationSeconds: this.options.sessionSeconds ?? 3600,
          ...(ref.deployer.externalId ? { ExternalId: ref.deployer.externalId } : {}),
        }),
      );
      const c = result.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`AssumeRole into ${roleArn} returned no credentials`);
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration ?? new Date(Date.now() + 15 * 60 * 1000),
      };
    } catch (error) {
      throw classifyAwsError(error, { account: ref.account, environment: ref.environment, operation: 'AssumeRole', roleArn });
    }
  }

  /** Credentials for the deployer role in the account: one AssumeRole in flight, cached while they have time left. */
  credentialsFor(ref: AccountRef): Promise<Credentials> {
    const key = `${deployerRoleArn(ref)}#${ref.deployer.externalId ?? ''}`;
    const refreshBeforeMs = this.options.refreshBeforeMs ?? 5 * 60 * 1000;
    const entry = this.credentials.get(key);
    if (entry && (entry.expiresAt === undefined || entry.expiresAt - refreshBeforeMs > Date.now())) return entry.promise;
    const fresh: { promise: Promise<Credentials>; expiresAt?: number } = { promise: this.assume(ref) };
    this.credentials.set(key, fresh);
    fresh.promise.then(
      (c) => (fresh.expiresAt = c.expiration.getTime()),
      () => {
        // A failed AssumeRole is not cached: the next call tries again.
        if (this.credentials.get(key) === fresh) this.credentials.delete(key);
      },
    );
    return fresh.promise;
  }

  iam(ref: AccountRef): IAMClient {
    const key = `${deployerRoleArn(ref)}#${ref.deployer.externalId ?? ''}`;
    let client = this.iamClients.get(key);
    if (!client) {
      client = new IAMClient({
        region: REGION_BY_PARTITION[ref.deployer.partition] ?? 'us-east-1',
        // Two quick retries for throttling and 5xx at most (never for quotas); Temporal retries the rest.
        retryStrategy: new QuickRetryStrategy(),
        credentials: () => this.credentialsFor(ref),
      });
      this.guard(client.middlewareStack, 'iam', ref.account);
      this.iamClients.set(key, client);
    }
    return client;
  }

  destroy(): void {
    for (const client of this.iamClients.values()) client.destroy();
    for (const client of this.stsClients.values()) client.destroy();
  }
}
