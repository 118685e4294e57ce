// The clients of the worker's IAM Identity Center instance: sso-admin and the identity store, in the
// instance's region, reached by STS AssumeRole into the role its configuration names in the account
// Identity Center is administered from. Every call passes the guard (the operation must be listed in
// operations.ts) and the instance's budget: one rate for both services (about 20 calls a second per
// instance for the whole deployment) and a limit on assignment creations in flight (10), both served
// revokes first and shared by every worker of the task queue (setShare, as for IAM's accounts).
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { fromTemporaryCredentials, type FromTemporaryCredentialsOptions } from '@aws-sdk/credential-providers';
import { creationsInFlightShare, instancePartition, type IdentityCenterSettings } from '../core/identity-center';
import { guardPlugin, pacePlugin, type CallObserver, type CallOutcomeObserver } from './call-middleware';
import { classifyAwsError } from './errors';
import { InFlightLimit } from './in-flight';
import { IDENTITY_CENTER_WRITES, IDENTITY_STORE_OPERATIONS, SSO_ADMIN_OPERATIONS, STS_OPERATIONS } from './operations';
import { RateLimiter } from './rate-limit';
import { QuickRetryStrategy } from './retry-strategy';

export interface IdentityCenterClientOptions {
  observer?: CallObserver;
  outcomes?: CallOutcomeObserver;
  /** How long assumed credentials last (default one hour). */
  sessionSeconds?: number;
}

/** How long one Identity Center call may take once sent. */
const CALL_TIMEOUT_MS = 30_000;

export class IdentityCenterClients {
  readonly ssoAdmin: SSOAdminClient;
  readonly identityStore: IdentitystoreClient;
  /** The instance's call rate, at this worker's share. */
  readonly limiter: RateLimiter;
  /** Account assignment creations in flight, at this worker's share. */
  readonly creations: InFlightLimit;
  readonly roleArn: string;
  private share = 1;

  constructor(
    readonly settings: IdentityCenterSettings,
    options: IdentityCenterClientOptions = {},
  ) {
    this.limiter = new RateLimiter(settings.callsPerSecond);
    this.creations = new InFlightLimit(settings.maxCreationsInFlight);
    this.roleArn = `arn:${instancePartition(settings.instanceArn)}:iam::${settings.account}:role/${settings.roleName}`;
    const roleArn = this.roleArn;
    const assume = fromTemporaryCredentials({
      params: {
        RoleArn: roleArn,
        RoleSessionName: 'grantflow',
        DurationSeconds: options.sessionSeconds ?? 3600,
        ...(settings.externalId ? { ExternalId: settings.externalId } : {}),
      },
      clientConfig: { region: settings.region, retryStrategy: new QuickRetryStrategy() },
      clientPlugins: [
        guardPlugin({
          service: 'sts',
          account: 'caller',
          allowed: STS_OPERATIONS,
          writes: new Set(),
          listedIn: 'src/aws/operations.ts',
          ...observers(options),
        }),
      ] as unknown as NonNullable<FromTemporaryCredentialsOptions['clientPlugins']>,
    });
    const credentials: typeof assume = async (properties) => {
      try {
        return await assume(properties);
      } catch (error) {
        throw classifyAwsError(error, { account: settings.account, environment: 'Identity Center', operation: 'AssumeRole', roleArn });
      }
    };
    const config = {
      region: settings.region,
      retryStrategy: new QuickRetryStrategy(),
      requestHandler: { requestTimeout: CALL_TIMEOUT_MS, connectionTimeout: 10_000 },
      credentials,
    };
    this.ssoAdmin = new SSOAdminClient(config);
    this.ssoAdmin.middlewareStack.use(
      guardPlugin({
        service: 'sso-admin',
        account: settings.account,
        allowed: SSO_ADMIN_OPERATIONS,
        writes: IDENTITY_CENTER_WRITES,
        listedIn: 'SSO_ADMIN_OPERATIONS in src/aws/operations.ts',
        ...observers(options),
      }) as never,
    );
    this.ssoAdmin.middlewareStack.use(pacePlugin(this.limiter) as never);
    this.identityStore = new IdentitystoreClient(config);
    this.identityStore.middlewareStack.use(
      guardPlugin({
        service: 'identitystore',
        account: settings.account,
        allowed: IDENTITY_STORE_OPERATIONS,
        writes: new Set(),
        listedIn: 'IDENTITY_STORE_OPERATIONS in src/aws/operations.ts',
        ...observers(options),
      }) as never,
    );
    this.identityStore.middlewareStack.use(pacePlugin(this.limiter) as never);
  }

  /** This process spends a `1/workers` share of the instance's rate and creations in flight. */
  setShare(workers: number): void {
    this.share = Math.max(1, workers);
    this.limiter.setShare(this.share);
    this.creations.setLimit(creationsInFlightShare(this.settings.maxCreationsInFlight, this.share));
  }

  currentShare(): number {
    return this.share;
  }

  destroy(): void {
    this.ssoAdmin.destroy();
    this.identityStore.destroy();
  }
}

function observers(options: IdentityCenterClientOptions): { observer?: CallObserver; outcomes?: CallOutcomeObserver } {
  return { ...(options.observer ? { observer: options.observer } : {}), ...(options.outcomes ? { outcomes: options.outcomes } : {}) };
}
