// `grantflow import` against moto behind the IAM proxy: the fixture account's users and roles become
// a team's files that pass validate, with everything left out listed with its reason; importing
// again gives the same bytes; what would not validate is not written; and an account of 1,000 users
// is read with listing pages only.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AttachUserPolicyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { parse } from 'yaml';
import { startMoto, type Moto } from '../../src/local/moto';
import { runCli } from '../harness/cli';
import { startIamProxy, type IamProxy } from '../harness/iam-proxy';
import { buildFixture, devAccessArn, DEPLOY, OTHER_TEAM, otherTeamArn, S3_LOGS } from '../harness/import-fixture';
import { ACCOUNTS, READ_ONLY, VIEW_ONLY } from '../harness/team';

const KINDS = ['aws-accounts', 'aws-policies', 'permanent-access'] as const;

interface Report {
  written: string[];
  counts: { users: number; roles: number; policies: number; entries: number };
  notImported: { kind: string; name: string; principal?: string; reason: string }[];
}

describe('grantflow import (moto, through the IAM proxy)', function () {
  let moto: Moto;
  let proxy: IamProxy;
  let env: Record<string, string | undefined>;
  let dirs: string[] = [];

  before(async () => {
    moto = await startMoto();
    proxy = await startIamProxy(moto.endpoint);
    // The AWS SDK reads its credentials and endpoints from the process's environment.
    Object.assign(process.env, moto.env, { AWS_ENDPOINT_URL_IAM: proxy.endpoint, AWS_ENDPOINT_URL_STS: proxy.endpoint });
    env = process.env;
  });
  after(async () => {
    await proxy?.close();
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    proxy.resetCounts();
  });
  afterEach(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    dirs = [];
  });

  const folder = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-import-'));
    dirs.push(dir);
    return dir;
  };
  const importInto = (dir: string, ...extra: string[]) => runCli(['import', 'legacy', '--account', `nonprod=${ACCOUNTS.nonprod}`, '--out', dir, ...extra], env);
  const files = (dir: string) => Object.fromEntries(KINDS.map((kind) => [kind, fs.readFileSync(path.join(dir, kind, 'legacy.yaml'), 'utf8')]));

  it("writes the fixture account as a team that passes validate, and lists the group, the reserved roles and the other team's objects with their reasons", async () => {
    await buildFixture(moto, ACCOUNTS.nonprod);
    const dir = folder();
    const result = await importInto(dir, '--json');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.deepEqual(
      report.written,
      KINDS.map((kind) => path.join(dir, kind, 'legacy.yaml')),
    );
    const validate = await runCli(['validate', 'legacy', '--config', dir], env);
    assert.equal(validate.code, 0, validate.stderr);

    const why = (kind: string, name: string) =>
      report.notImported.find((r) => r.kind === kind && r.name === name)?.reason ?? `no ${kind} ${name} in the report`;
    assert.match(why('group', 'developers'), /grantflow grants to users and roles, not groups: .*members: alice and bob/);
    assert.match(why('role', 'AWSReservedSSO_AdministratorAccess_0123456789abcdef'), /made by IAM Identity Center/);
    assert.match(why('role', 'AWSServiceRoleForSupport'), /a service-linked role/);
    assert.match(why('role', 'AWSSelfServeDeployer'), /the deployer role grantflow acts through/);
    assert.match(why('attachment', otherTeamArn(ACCOUNTS.nonprod)), new RegExp(`grantflow's own policy .*attached by the grants of team ${OTHER_TEAM}`));
    assert.match(
      why('inline-policy', `grantflow.${OTHER_TEAM}.reader.20991231T235959Z`),
      new RegExp(`grantflow's own inline policy of a temporary grant of team ${OTHER_TEAM}`),
    );

    const policies = (
      parse(files(dir)['aws-policies']!) as {
        'aws-policies': Record<string, { managed_policies?: string[]; replaces_inline?: string; custom_statements?: unknown[] }>;
      }
    )['aws-policies'];
    assert.deepEqual(Object.keys(policies), [
      'aws.ReadOnlyAccess',
      'aws.ViewOnlyAccess',
      'customer.nonprod.DevAccess',
      'inline.deploy',
      'inline.no-iam',
      'inline.s3-logs',
    ]);
    assert.deepEqual(policies['customer.nonprod.DevAccess']!.managed_policies, [devAccessArn(ACCOUNTS.nonprod)], 'the ARN with its path');
    assert.deepEqual(policies['aws.ViewOnlyAccess']!.managed_policies, [VIEW_ONLY]);
    assert.equal(policies['inline.deploy']!.replaces_inline, 'deploy');
    assert.deepEqual(
      policies['inline.deploy']!.custom_statements,
      [{ effect: 'Allow', actions: [DEPLOY.Statement.Action], resources: [DEPLOY.Statement.Resource] }],
      "the role's Statement object, as a list of statements with lists",
    );
    assert.equal(policies['inline.s3-logs']!.custom_statements!.length, S3_LOGS.Statement.length);

    const entries = (parse(files(dir)['permanent-access']!) as { 'permanent-access': { users?: string[]; roles?: string[]; grants: string[] }[] })[
      'permanent-access'
    ];
    assert.deepEqual(
      entries.map((e) => [e.users ?? [], e.roles ?? [], e.grants]),
      [
        [['alice', 'bob'], [], ['aws.ReadOnlyAccess', 'customer.nonprod.DevAccess', 'inline.s3-logs']],
        [['carol'], [], ['aws.ViewOnlyAccess', 'inline.no-iam']],
        [['dave'], [], ['aws.ReadOnlyAccess']],
        [[], ['ci-deployer'], ['inline.deploy']],
      ],
    );
    assert.deepEqual(report.counts, { users: 4, roles: 1, notChosen: 0, holdingNothing: 0, policies: 6, entries: 4 });
    assert.deepEqual(Object.keys(proxy.counts()).sort(), ['AssumeRole', 'GetAccountAuthorizationDetails'], 'reads only the listing');
  });

  it('writes the same bytes when importing again with no change, and refuses to overwrite without --force, reading nothing', async () => {
    await buildFixture(moto, ACCOUNTS.nonprod);
    const dir = folder();
    assert.equal((await importInto(dir)).code, 0);
    const first = files(dir);
    proxy.resetCounts();
    const refused = await importInto(dir);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /aws-accounts\/legacy\.yaml, .*aws-policies\/legacy\.yaml, .*permanent-access\/legacy\.yaml exist already; nothing was read or written \(--force overwrites them\)/,
    );
    assert.deepEqual(proxy.counts(), {}, 'nothing was sent to AWS');
    const again = await importInto(dir, '--force');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(files(dir), first);
  });

  it('writes nothing when the files it would write do not pass validate, and says what failed', async () => {
    await buildFixture(moto, ACCOUNTS.nonprod);
    const dir = folder();
    // The team's temporary access stays, and names a policy the import does not write.
    fs.mkdirSync(path.join(dir, 'temporary-access'));
    fs.writeFileSync(
      path.join(dir, 'temporary-access', 'legacy.yaml'),
      'temporary-access:\n  - description: debug\n    user: alice\n    environment: nonprod\n    grant: break-glass\n    expiration_date: 2099-01-01\n',
    );
    const result = await importInto(dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /temporary-access\/legacy\.yaml:\d+:\d+: error: .*break-glass/);
    assert.match(result.stderr, /import: the files it would write for legacy do not pass validate \(above\); nothing was written/);
    for (const kind of KINDS) assert.equal(fs.existsSync(path.join(dir, kind, 'legacy.yaml')), false, `${kind} not written`);
  });

  it('reads an account of 1,000 users with listing pages only, no read per principal', async function () {
    this.timeout(600_000);
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    try {
      for (let i = 0; i < 1000; i++) {
        const UserName = `user-${String(i).padStart(4, '0')}`;
        await iam.send(new CreateUserCommand({ UserName }));
        await iam.send(new AttachUserPolicyCommand({ UserName, PolicyArn: READ_ONLY }));
        if (i % 10 === 0) await iam.send(new PutUserPolicyCommand({ UserName, PolicyName: 's3-logs', PolicyDocument: JSON.stringify(S3_LOGS) }));
      }
    } finally {
      iam.destroy();
    }
    proxy.resetCounts();
    const dir = folder();
    const result = await importInto(dir, '--json');
    assert.equal(result.code, 0, result.stderr);
    const counts = proxy.counts();
    assert.deepEqual(Object.keys(counts).sort(), ['AssumeRole', 'GetAccountAuthorizationDetails'], JSON.stringify(counts));
    assert.ok(counts.GetAccountAuthorizationDetails! <= 2, `pages of up to 1,000: ${counts.GetAccountAuthorizationDetails}`);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.counts.users, 1000);
    const entries = (parse(files(dir)['permanent-access']!) as { 'permanent-access': { users: string[] }[] })['permanent-access'];
    assert.deepEqual(
      entries.map((e) => e.users.length),
      [100, 900],
      'the users with the inline policy (user-0000 first), then the others',
    );
  });
});
