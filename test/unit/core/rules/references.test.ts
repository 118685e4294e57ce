// References and duplicates on hand-built configs: which entry an error points at (by its source
// index), and the file a message sends the reader to.
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../../src/core/diagnostics';
import type { Expansion } from '../../../../src/core/expand';
import { type RuleContext, teamFile } from '../../../../src/core/rules/context';
import { duplicateRules } from '../../../../src/core/rules/duplicates';
import { referenceRules } from '../../../../src/core/rules/references';
import type { TeamConfig } from '../../../../src/core/team-config';

function run(rule: typeof referenceRules, config: Partial<TeamConfig>, duplicates: Expansion['duplicates'] = []): Diagnostic[] {
  const context = {
    config: { team: 'ops', accounts: {}, policies: {}, permanent: [], temporary: [], ...config } as TeamConfig,
    nowMs: 0,
    expansion: { grants: [], policies: [], permissionSets: [], skipped: [], duplicates },
    locate: (kind, path) => ({ file: `${kind}:${path.join('/')}`, line: 1, col: 1 }),
  } as RuleContext;
  return rule(context);
}

const permanent = (index: number | undefined, environments: string[], grants: string[]) =>
  ({
    source: { index },
    description: 'd',
    users: [{ written: 'a', name: 'a' }],
    roles: [],
    environments,
    grants,
  }) as unknown as TeamConfig['permanent'][number];
const temporary = (index: number | undefined, environment: string, grant: string) =>
  ({ source: { index }, environment, grant, user: { written: 'a', name: 'a' } }) as unknown as TeamConfig['temporary'][number];

describe('reference rules: positions and messages', function () {
  const config = {
    accounts: { prod: '111111111111', staging: '222222222222' },
    policies: { reader: {} } as unknown as TeamConfig['policies'],
  };

  it('points unknown names at their entry by source index, else by place', () => {
    const found = run(referenceRules, {
      ...config,
      permanent: [permanent(4, ['prod', 'prd'], ['reader', 'raeder']), permanent(undefined, ['qa'], ['reader'])],
      temporary: [temporary(undefined, 'prod', 'writer'), temporary(6, 'stagin', 'reader')],
    });
    assert.deepEqual(
      found.map((d) => `${d.kind} ${d.file}`),
      [
        'unknown-environment permanent-access:permanent-access/4/environments/1',
        'unknown-policy permanent-access:permanent-access/4/grants/1',
        'unknown-environment permanent-access:permanent-access/1/environments/0',
        'unknown-policy temporary-access:temporary-access/0/grant',
        'unknown-environment temporary-access:temporary-access/6/environment',
      ],
    );
    assert.match(found[0]!.message, /^unknown environment "prd": .*; add it to aws-accounts\/ops\.yaml or fix the name$/);
    assert.match(found[0]!.message, /did you mean "prod"/);
    assert.match(found[1]!.message, /^unknown policy "raeder": .*; define it in aws-policies\/ops\.yaml or fix the name$/);
    assert.equal(
      found[2]!.message,
      'unknown environment "qa": defined environments in aws-accounts/ops.yaml: "prod", "staging"; add it to aws-accounts/ops.yaml or fix the name',
    );
    assert.equal(
      found[3]!.message,
      'unknown policy "writer": defined policies in aws-policies/ops.yaml: "reader"; define it in aws-policies/ops.yaml or fix the name',
    );
  });

  it('names the two environments of one account, at the second', () => {
    const found = run(referenceRules, { accounts: { prod: '1', live: '2', main: '1' } });
    assert.deepEqual(
      found.map((d) => [d.kind, d.file, d.message]),
      [['same-account', 'aws-accounts:aws-accounts/main', 'environments "prod" and "main" are the same account 1; grants to both land on the same principals']],
    );
  });

  it('names a team file by kind and team', () => assert.equal(teamFile('temporary-access', 'ops'), 'temporary-access/ops.yaml'));
});

describe('duplicate rules', function () {
  it('points at the repeat in the access file its id belongs to, naming the first', () => {
    const found = run(duplicateRules, {}, [
      { id: 'grantflow/ops/111111111111/user/a/reader', first: { file: 'permanent-access/ops.yaml', line: 3 }, again: { index: 2 } },
      { id: 'grantflow/ops/111111111111/user/a/reader/until/2026-03-02T00:00:00Z', first: { file: 'temporary-access/ops.yaml', line: 8 }, again: {} },
    ] as unknown as Expansion['duplicates']);
    assert.deepEqual(
      found.map((d) => [d.kind, d.severity, d.file, d.message]),
      [
        [
          'duplicate-grant',
          'warning',
          'permanent-access:permanent-access/2',
          'the same grant is listed twice (grantflow/ops/111111111111/user/a/reader); first at permanent-access/ops.yaml:3. It is granted once',
        ],
        [
          'duplicate-grant',
          'warning',
          'temporary-access:temporary-access/0',
          'the same grant is listed twice (grantflow/ops/111111111111/user/a/reader/until/2026-03-02T00:00:00Z); first at temporary-access/ops.yaml:8. It is granted once',
        ],
      ],
    );
  });
});
