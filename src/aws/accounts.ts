// One IAM client per target account, reached by STS AssumeRole into the deployer role with the
// SDK's default credential chain (the SDK's fromTemporaryCredentials). The IAM client caches the
// assumed credentials and renews them five minutes before they expire; a failed AssumeRole is not
// cached. AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL are honoured by the SDK itself.
import { IAMClient } from '@aws-sdk/client-iam';
import { fromTemporaryCredentials, type FromTemporaryCredentialsOptions } from '@aws-sdk/credential-providers';
import type { Deployer } from '../core/grant';
import { guardPlugin, pacePlugin, type CallObserver, type CallOutcomeObserver, type Plugin } from './call-middleware';
import { classifyAwsError } from './errors';
import type { Target } from './iam-calls';
import { IAM_OPERATIONS, IAM_WRITES, STS_OPERATIONS } from './operations';
import { readsPacedBy } from './principal-reads';
import { RateLimiter } from './rate-limit';
import { QuickRetryStrategy } from './retry-strategy';

export type { CallObserver, CallOutcomeObserver, CallRecord } from './call-middleware';

export interface AccountRef {
  account: string;
  environment?: string;
  deployer: Deployer;
}

export interface AccountClientOptions {
  iamCallsPerSecond: number;
  observer?: CallObserver;
  outcomes?: CallOutcomeObserver;
  /** How long assumed credentials last (default one hour). */
  sessionSeconds?: number;
}

/** How long one IAM call may take once sent. */
export const CALL_TIMEOUT_MS = 30_000;

const REGION_BY_PARTITION: Record<string, string> = { aws: 'us-east-1', 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' };

export function deployerRoleArn(ref: AccountRef): string {
  return `arn:${ref.deployer.partition}:iam::${ref.account}:role/${ref.deployer.roleName}`;
}

type CredentialProvider = ReturnType<typeof fromTemporaryCredentials>;

export class AccountClients {
  private readonly iamClients = new Map<string, IAMClient>();
  private readonly limiters = new Map<string, RateLimiter>();
  private share = 1;

  constructor(private readonly options: AccountClientOptions) {}

  /** This process spends a `1/workers` share of each account's setting (src/temporal/worker-share.ts counts the workers). */
  setShare(workers: number): void {
    this.share = Math.max(1, workers);
    for (const limiter of this.limiters.values()) limiter.setShare(this.share);
  }

  /** How many workers the setting is divided among now (itself included). */
  currentShare(): number {
    return this.share;
  }

  /** The operation list and the observers, for `service`'s calls in `account`. */
  private guard(service: 'iam' | 'sts', account: string): Plugin {
    return guardPlugin({
      service,
      account,
      allowed: service === 'iam' ? IAM_OPERATIONS : STS_OPERATIONS,
      writes: service === 'iam' ? IAM_WRITES : new Set(),
      listedIn: 'src/aws/operations.ts',
      observer: this.options.observer,
      outcomes: this.options.outcomes,
    });
  }

  /** The account's rate limit (see call-middleware.ts). */
  private pace(account: string): Plugin {
    return pacePlugin(this.limiter(account));
  }

  /** The account's limiter (one per account in this process, at this process's share of the setting). */
  limiter(account: string): RateLimiter {
    let limiter = this.limiters.get(account);
    if (!limiter) {
      limiter = new RateLimiter(this.options.iamCallsPerSecond);
      limiter.setShare(this.share);
      this.limiters.set(account, limiter);
    }
    return limiter;
  }

  /** The deployer role's credentials in the account; an AssumeRole failure says which role and trust to check. */
  private deployerCredentials(ref: AccountRef): CredentialProvider {
    const roleArn = deployerRoleArn(ref);
    const assume = fromTemporaryCredentials({
      params: {
        RoleArn: roleArn,
        RoleSessionName: 'grantflow',
        DurationSeconds: this.options.sessionSeconds ?? 3600,
        ...(ref.deployer.externalId ? { ExternalId: ref.deployer.externalId } : {}),
      },
      clientConfig: { region: REGION_BY_PARTITION[ref.deployer.partition] ?? 'us-east-1', retryStrategy: new QuickRetryStrategy() },
      clientPlugins: [this.guard('sts', 'caller'), this.pace('caller')] as unknown as NonNullable<FromTemporaryCredentialsOptions['clientPlugins']>,
    });
    return async (properties) => {
      try {
        return await assume(properties);
      } catch (error) {
        throw classifyAwsError(error, { account: ref.account, environment: ref.environment, operation: 'AssumeRole', roleArn });
      }
    };
  }

  iam(ref: AccountRef): IAMClient {
    const key = `${deployerRoleArn(ref)}#${ref.deployer.externalId ?? ''}`;
    let client = this.iamClients.get(key);
    if (!client) {
      client = new IAMClient({
        region: REGION_BY_PARTITION[ref.deployer.partition] ?? 'us-east-1',
        // Two quick retries for throttling and 5xx at most (never for quotas); Temporal retries the rest.
        retryStrategy: new QuickRetryStrategy(),
        // A call's own bound, counted from when it leaves the rate limit's queue: the local activity's
        // timeout is long so that waiting in the queue never times an attempt out (workflows/grant.ts).
        requestHandler: { requestTimeout: CALL_TIMEOUT_MS, connectionTimeout: 10_000 },
        credentials: this.deployerCredentials(ref),
      });
      client.middlewareStack.use(this.guard('iam', ref.account) as never);
      client.middlewareStack.use(this.pace(ref.account) as never);
      const limiter = this.limiter(ref.account);
      readsPacedBy(client, () => limiter.spare());
      this.iamClients.set(key, client);
    }
    return client;
  }

  /** What the IAM procedures act on: the account's client, and the account for messages. */
  target(ref: AccountRef): Target {
    return { client: this.iam(ref), account: ref.account, environment: ref.environment };
  }

  destroy(): void {
    for (const client of this.iamClients.values()) client.destroy();
  }
}
