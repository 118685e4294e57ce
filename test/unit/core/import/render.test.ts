// The team files import writes: they read back through grantflow's own loader to exactly what import
// decided (statements, conditions of every kind, names that need quoting), pass validate, and the
// same result always gives the same bytes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { importAccounts, type ImportResult } from '../../../../src/core/import/convert';
import { renderImport, yamlKey, yamlString } from '../../../../src/core/import/render';
import type { AccountListing } from '../../../../src/core/import/listing';
import { DEFAULT_SETTINGS, type FileKind } from '../../../../src/core/team-config';
import { validateTeamTexts } from '../../../../src/validate';

const NONPROD = '111111111111';
const PROD = '022222222222';

const LISTINGS: AccountListing[] = [
  {
    environment: 'nonprod',
    account: NONPROD,
    groups: [],
    principals: [
      {
        type: 'user',
        name: 'alice',
        path: '/',
        groups: [],
        tags: [],
        attached: ['arn:aws:iam::aws:policy/ReadOnlyAccess', `arn:aws:iam::${NONPROD}:policy/teams/dev/DevAccess`],
        inline: [
          {
            name: 'read+write=all,@x',
            document: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'Read',
                  Effect: 'Allow',
                  Action: ['s3:GetObject', 's3:ListBucket'],
                  Resource: 'arn:aws:s3:::logs/*',
                  Condition: {
                    'ForAnyValue:StringLike': { 's3:prefix': ['home/', 'yes', 'null', '#x: y', 'line\nbreak\u2028', '"q" \'s\''] },
                    NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 },
                    Bool: { 'aws:SecureTransport': true, 'aws:ViaAWSService': 'false' },
                  },
                },
                { Effect: 'Deny', NotAction: 'iam:*', NotResource: ['arn:aws:iam::*:role/x', 'arn:aws:iam::*:user/y'] },
              ],
            }),
          },
        ],
      },
      {
        type: 'role',
        name: 'ci',
        path: '/',
        groups: [],
        tags: [],
        attached: [],
        inline: [{ name: 'deploy', document: '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:UpdateFunctionCode","Resource":"*"}}' }],
      },
    ],
  },
  {
    environment: 'prod',
    account: PROD,
    groups: [],
    principals: [
      {
        type: 'role',
        name: 'ci',
        path: '/',
        groups: [],
        tags: [],
        attached: [],
        inline: [
          { name: 'deploy', document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:UpdateFunctionCode"],"Resource":["*"]}]}' },
        ],
      },
    ],
  },
];

function textsOf(result: ImportResult, dir: string) {
  const texts = renderImport(result);
  return Object.fromEntries(Object.entries(texts).map(([kind, text]) => [kind, { file: path.join(dir, kind, 'legacy.yaml'), text }])) as Partial<
    Record<FileKind, { file: string; text: string }>
  >;
}

describe('import: the team files as YAML text', function () {
  const result = importAccounts(LISTINGS, { team: 'legacy', settings: DEFAULT_SETTINGS, adopt: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-import-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads back through grantflow's loader to what import decided, and passes validate", async () => {
    assert.deepEqual(result.reserved, [], 'every policy of the fixture is imported');
    const validation = await validateTeamTexts({ dir, team: 'legacy', texts: textsOf(result, dir), env: {}, nowMs: Date.parse('2026-06-01T00:00:00Z') });
    assert.ok(validation.ok, JSON.stringify(validation.diagnostics, null, 2));
    if (!validation.ok) return;
    const { config } = validation.team;
    assert.deepEqual(config.accounts, { nonprod: NONPROD, prod: PROD }, 'an account id with a leading zero stays a string');
    for (const policy of result.policies) {
      const read = config.policies[policy.name]!;
      assert.deepEqual(read.statements, policy.statements, policy.name);
      assert.deepEqual(read.managedPolicyArns, policy.managedPolicies, policy.name);
      assert.equal(read.replacesInline, policy.replacesInline, policy.name);
    }
    assert.deepEqual(
      config.permanent.map((e) => ({ users: e.users.map((u) => u.name), roles: e.roles, environments: e.environments, grants: e.grants, adopt: e.adopt })),
      result.entries.map((e) => ({ users: e.users, roles: e.roles, environments: e.environments, grants: e.grants, adopt: e.adopt })),
    );
    const role = config.permanent.find((e) => e.roles.includes('ci'))!;
    assert.deepEqual(role.environments, ['nonprod', 'prod'], 'one role with one inline policy written two ways is one entry');
  });

  it('gives the same bytes every time', () => {
    assert.deepEqual(renderImport(importAccounts(LISTINGS, { team: 'legacy', settings: DEFAULT_SETTINGS, adopt: true })), renderImport(result));
  });

  const strings = ['plain', 'yes', 'null', '123', '#comment', 'a: b', '"q"', "it's", 'tab\there', 'line\nbreak', '\u0085next', '\u2028sep', 'é ü 中'];
  for (const value of strings) {
    it(`quotes ${JSON.stringify(value)} so that YAML reads it back as that string, as a value and as a key`, () => {
      assert.deepEqual(parse(`${yamlKey(value)}: ${yamlString(value)}`), { [value]: value });
    });
  }
});

describe('import: the example of docs/ADOPTING.md', function () {
  it('is what import writes for the account it describes, line for line (its header comments aside)', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../../../../docs/ADOPTING.md'), 'utf8');
    const blocks = new Map<string, string[]>();
    for (const match of doc.matchAll(/```yaml\n# (\S+)\/legacy\.yaml\n([\s\S]*?)```/g)) blocks.set(match[1]!, match[2]!.trimEnd().split('\n'));
    assert.deepEqual([...blocks.keys()], ['aws-accounts', 'aws-policies', 'permanent-access']);
    const holding = {
      path: '/',
      groups: [],
      tags: [],
      attached: ['arn:aws:iam::aws:policy/ReadOnlyAccess', `arn:aws:iam::${NONPROD}:policy/teams/dev/DevAccess`],
      inline: [
        {
          name: 's3-logs',
          document: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Sid: 'ReadLogs', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::app-logs', 'arn:aws:s3:::app-logs/*'] },
            ],
          }),
        },
      ],
    };
    const written = renderImport(
      importAccounts(
        [
          {
            environment: 'nonprod',
            account: NONPROD,
            groups: [],
            principals: [
              { type: 'user', name: 'bob', ...holding },
              { type: 'user', name: 'alice', ...holding },
            ],
          },
        ],
        { team: 'legacy', settings: DEFAULT_SETTINGS },
      ),
    );
    for (const [kind, lines] of blocks) {
      assert.deepEqual(
        lines,
        written[kind as keyof typeof written]!.trimEnd()
          .split('\n')
          .filter((line) => !line.startsWith('#')),
        kind,
      );
    }
  });
});
