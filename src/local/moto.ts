// moto's server for tests and the demo: a real IAM and STS API over HTTP, on a free port, with AWS
// managed policies loaded (MOTO_IAM_LOAD_MANAGED_POLICIES=true).
import { CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { onFreePorts, startProcess, waitFor, type Managed } from './processes';
import { motoServer } from './tools';

export interface Moto {
  endpoint: string;
  port: number;
  /** Environment variables that point the AWS SDK at this server with dummy base credentials. */
  env: Record<string, string>;
  /** Forgets every IAM and STS object (state is shared by all accounts). */
  reset(): Promise<void>;
  stop(): Promise<void>;
  /** An IAM client acting in `account` (moto maps assumed-role credentials to the role's account). */
  iamIn(account: string): Promise<IAMClient>;
  createUsers(account: string, users: readonly string[]): Promise<void>;
  createRoles(account: string, roles: readonly string[]): Promise<void>;
}

/** moto's default account: what the dummy base credentials act in. */
export const MOTO_DEFAULT_ACCOUNT = '123456789012';

export async function startMoto(): Promise<Moto> {
  const command = await motoServer();
  const { port, endpoint, server } = await onFreePorts(1, async ([port]) => {
    const endpoint = `http://127.0.0.1:${port}`;
    const server: Managed = startProcess(command, ['-H', '127.0.0.1', '-p', String(port)], {
      env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    });
    try {
      await waitFor('moto server', async () => (await fetch(`${endpoint}/moto-api/`)).ok, 30_000, server);
    } catch (error) {
      await server.stop(5_000);
      throw error;
    }
    return { port: port!, endpoint, server };
  });

  const env: Record<string, string> = {
    AWS_ENDPOINT_URL_IAM: endpoint,
    AWS_ENDPOINT_URL_STS: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const clientConfig = {
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const iamIn = async (account: string) => {
    const sts = new STSClient(clientConfig);
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/test-admin`, RoleSessionName: 'test' }));
    sts.destroy();
    const c = assumed.Credentials!;
    return new IAMClient({
      ...clientConfig,
      credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
    });
  };
  return {
    endpoint,
    port,
    env,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
    },
    async stop() {
      await server.stop();
    },
    iamIn,
    async createUsers(account, users) {
      const iam = await iamIn(account);
      for (const user of users) await iam.send(new CreateUserCommand({ UserName: user }));
      iam.destroy();
    },
    async createRoles(account, roles) {
      const iam = await iamIn(account);
      const trust = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MOTO_DEFAULT_ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
      });
      for (const role of roles) await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: trust }));
      iam.destroy();
    },
  };
}
