// Checks across teams, on hand-built expansions: which claims clash, which team and file:line each
// message names, and how accounts and other teams are listed; then on expansions of real team files,
// whatever the naming scheme.
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../../src/core/diagnostics';
import { expandTeam, type Expansion } from '../../../../src/core/expand';
import type { GrantSpec, PolicySync } from '../../../../src/core/grant';
import { checkAcrossTeams, type CheckedTeam } from '../../../../src/core/rules/cross-team';
import type { FileKind, TeamConfig } from '../../../../src/core/team-config';
import { teamFromTexts, type TeamTexts } from '../../../../src/config/load';
import { resolveSettings } from '../../../../src/config/settings';
import { LOOK_ALIKES, NOW } from '../../../harness/config-dir';

interface GrantInput {
  kind?: 'permanent' | 'temporary';
  index?: number;
  account?: string;
  environment?: string;
  principal?: string;
  policy?: string;
  inline?: string;
  managed?: string[];
}

const grantOf = (team: string, g: GrantInput): GrantSpec =>
  ({
    team,
    kind: g.kind ?? 'permanent',
    source: { index: g.index },
    principalType: 'user',
    principal: g.principal ?? 'alice',
    environment: g.environment ?? 'prod',
    account: g.account ?? '111111111111',
    policy: g.policy ?? 'reader',
    managedPolicyArns: g.managed ?? [],
    ...(g.inline ? { inlinePolicy: { name: g.inline, document: '{}' } } : {}),
  }) as unknown as GrantSpec;

/**
 * A team whose positions spell out the path they point at (`aws-policies/a.yaml` line 2 for a policy's key,
 * line 10 + n for entry n of an access file, line 3 for an environment), so a message's file:line is checkable.
 */
function team(
  name: string,
  parts: { accounts?: Record<string, string>; policies?: { policy: string; name: string; account?: string; environment?: string }[]; grants?: GrantInput[] },
): CheckedTeam {
  const policies = (parts.policies ?? []).map(
    (p) => ({ team: name, policy: p.policy, name: p.name, account: p.account ?? '111111111111', environment: p.environment ?? 'prod' }) as PolicySync,
  );
  const expansion = { grants: (parts.grants ?? []).map((g) => grantOf(name, g)), policies, skipped: [], duplicates: [] } as unknown as Expansion;
  const config = { team: name, accounts: parts.accounts ?? {} } as unknown as TeamConfig;
  return {
    config,
    expansion,
    locate: (kind, path) => {
      const last = path[path.length - 1];
      return { file: `${kind}/${name}.yaml`, line: typeof last === 'number' ? 10 + last : kind === 'aws-accounts' ? 3 : 2, col: 1 };
    },
  };
}

const ofKind = (found: Diagnostic[], kind: string) => found.filter((d) => d.kind === kind);

describe('checks across teams: object collisions', function () {
  it('names both teams, the object and the account, from each side, in team order', () => {
    const found = ofKind(
      checkAcrossTeams([team('b', { policies: [{ policy: 'q', name: 'Shared' }] }), team('a', { policies: [{ policy: 'p', name: 'shared' }] })]),
      'iam-object-collision',
    );
    assert.deepEqual(
      found.map((d) => [d.severity, d.file, d.line, d.message]),
      [
        [
          'error',
          'aws-policies/a.yaml',
          2,
          'team "a" policy "p" and team "b" policy "q" (aws-policies/b.yaml:2) would both write the customer-managed policy "shared" in ' +
            "account 111111111111 (prod); each team's submission would overwrite the other's. Rename one of the policies",
        ],
        [
          'error',
          'aws-policies/b.yaml',
          2,
          'team "b" policy "q" and team "a" policy "p" (aws-policies/a.yaml:2) would both write the customer-managed policy "Shared" in ' +
            "account 111111111111 (prod); each team's submission would overwrite the other's. Rename one of the policies",
        ],
      ],
    );
  });

  it('says the clash once for several accounts, listing them', () => {
    const found = ofKind(
      checkAcrossTeams([
        team('a', {
          policies: [
            { policy: 'p', name: 'n' },
            { policy: 'p', name: 'n', account: '222222222222', environment: 'dev' },
          ],
        }),
        team('b', {
          policies: [
            { policy: 'q', name: 'n' },
            { policy: 'q', name: 'n', account: '222222222222', environment: 'dev' },
          ],
        }),
      ]),
      'iam-object-collision',
    );
    assert.equal(found.length, 2);
    assert.match(found[0]!.message, / in accounts 111111111111 \(prod\), 222222222222 \(dev\); /);
  });

  it('keeps a team once in a clash, by its first claim', () => {
    const found = ofKind(
      checkAcrossTeams([
        team('a', {
          policies: [
            { policy: 'p', name: 'n' },
            { policy: 'p2', name: 'N' },
          ],
        }),
        team('b', { policies: [{ policy: 'q', name: 'n' }] }),
      ]),
      'iam-object-collision',
    );
    assert.deepEqual(
      found.map((d) => d.message.slice(0, d.message.indexOf(' would'))),
      ['team "a" policy "p" and team "b" policy "q" (aws-policies/b.yaml:2)', 'team "b" policy "q" and team "a" policy "p" (aws-policies/a.yaml:2)'],
    );
  });

  it('tells apart clashes of different team pairs over one object name', () => {
    const found = ofKind(
      checkAcrossTeams([
        team('a', { policies: [{ policy: 'p', name: 'n' }] }),
        team('b', { policies: [{ policy: 'q', name: 'n' }] }),
        team('c', { policies: [{ policy: 'r', name: 'n', account: '333333333333' }] }),
        team('d', { policies: [{ policy: 's', name: 'n', account: '333333333333' }] }),
      ]),
      'iam-object-collision',
    );
    assert.deepEqual(
      found.map((d) => `${d.file} ${/ in (account .*?);/.exec(d.message)![1]}`),
      [
        'aws-policies/a.yaml account 111111111111 (prod)',
        'aws-policies/b.yaml account 111111111111 (prod)',
        'aws-policies/c.yaml account 333333333333 (prod)',
        'aws-policies/d.yaml account 333333333333 (prod)',
      ],
    );
  });

  it('tells apart clashes of one team pair over different objects', () => {
    const found = ofKind(
      checkAcrossTeams([
        team('a', {
          policies: [
            { policy: 'p', name: 'n' },
            { policy: 'p', name: 'm', account: '222222222222' },
          ],
        }),
        team('b', {
          policies: [
            { policy: 'q', name: 'n' },
            { policy: 'q', name: 'm', account: '222222222222' },
          ],
        }),
      ]),
      'iam-object-collision',
    );
    assert.equal(found.length, 4);
  });

  it('reports two temporary grants writing one inline policy on one user, at their entries', () => {
    const found = ofKind(
      checkAcrossTeams([
        team('a', { grants: [{ kind: 'temporary', index: 2, inline: 'grantflow-x', principal: 'Alice' }] }),
        team('b', { grants: [{ kind: 'temporary', index: 0, inline: 'GRANTFLOW-X', principal: 'alice', policy: 'writer' }] }),
        team('c', { grants: [{ kind: 'permanent', principal: 'alice' }] }),
      ]),
      'iam-object-collision',
    );
    assert.deepEqual(
      found.map((d) => [d.file, d.line, d.message.slice(0, d.message.indexOf(' in account'))]),
      [
        [
          'temporary-access/a.yaml',
          12,
          'team "a" policy "reader" and team "b" policy "writer" (temporary-access/b.yaml:10) would both write the inline policy "grantflow-x" of user Alice',
        ],
        [
          'temporary-access/b.yaml',
          10,
          'team "b" policy "writer" and team "a" policy "reader" (temporary-access/a.yaml:12) would both write the inline policy "GRANTFLOW-X" of user alice',
        ],
      ],
    );
  });

  it('lists every other team when three write one object', () => {
    const found = ofKind(
      checkAcrossTeams([
        team('a', { policies: [{ policy: 'p', name: 'n' }] }),
        team('b', { policies: [{ policy: 'q', name: 'n' }] }),
        team('c', { policies: [{ policy: 'r', name: 'n' }] }),
      ]),
      'iam-object-collision',
    );
    assert.equal(found.length, 3);
    assert.match(
      found[0]!.message,
      /^team "a" policy "p" and team "b" policy "q" \(aws-policies\/b\.yaml:2\) and team "c" policy "r" \(aws-policies\/c\.yaml:2\) would both write/,
    );
  });

  it('sees no clash between inline policies of one name on different users', () => {
    const found = checkAcrossTeams([
      team('a', { grants: [{ kind: 'temporary', inline: 'x', principal: 'alice' }] }),
      team('b', { grants: [{ kind: 'temporary', inline: 'x', principal: 'bob' }] }),
    ]);
    assert.deepEqual(found, []);
  });

  it('points at entry 0 when a grant has no source index', () => {
    const found = ofKind(
      checkAcrossTeams([team('a', { grants: [{ kind: 'temporary', inline: 'x' }] }), team('b', { grants: [{ kind: 'temporary', index: 4, inline: 'x' }] })]),
      'iam-object-collision',
    );
    assert.deepEqual(
      found.map((d) => `${d.file}:${d.line}`),
      ['temporary-access/a.yaml:10', 'temporary-access/b.yaml:14'],
    );
  });
});

describe('checks across teams: one environment name, different accounts', function () {
  const teams = (...accounts: string[]) => accounts.map((account, i) => team(`t${i}`, { accounts: { prod: account, dev: '999999999999' } }));

  it('names the other team, its account and where it says so', () => {
    const found = ofKind(checkAcrossTeams(teams('111111111111', '222222222222')), 'environment-account-mismatch');
    assert.deepEqual(
      found.map((d) => [d.severity, d.file, d.line, d.message]),
      [
        [
          'warning',
          'aws-accounts/t0.yaml',
          3,
          'environment "prod" is account 111111111111 in team "t0", but team "t1" has 222222222222 (aws-accounts/t1.yaml:3); ' +
            'if they mean the same environment, one account id is wrong',
        ],
        [
          'warning',
          'aws-accounts/t1.yaml',
          3,
          'environment "prod" is account 222222222222 in team "t1", but team "t0" has 111111111111 (aws-accounts/t0.yaml:3); ' +
            'if they mean the same environment, one account id is wrong',
        ],
      ],
    );
  });

  it('lists no team that agrees, and at most three others, counting the rest', () => {
    const three = ofKind(checkAcrossTeams(teams('111111111111', '111111111111', '2', '3', '4')), 'environment-account-mismatch');
    assert.equal(three.length, 5);
    assert.equal(
      three[0]!.message,
      'environment "prod" is account 111111111111 in team "t0", but team "t2" has 2 (aws-accounts/t2.yaml:3), team "t3" has 3 ' +
        '(aws-accounts/t3.yaml:3), team "t4" has 4 (aws-accounts/t4.yaml:3); if they mean the same environment, one account id is wrong',
    );
    const five = ofKind(checkAcrossTeams(teams('1', '2', '3', '4', '5')), 'environment-account-mismatch');
    assert.match(
      five[0]!.message,
      /^environment "prod" is account 1 in team "t0", but team "t1" has 2 .*team "t3" has 4 \(aws-accounts\/t3\.yaml:3\), and 1 more; if/,
    );
    assert.doesNotMatch(five[0]!.message, /team "t4"/);
  });
});

describe('checks across teams: one managed policy granted by two teams', function () {
  const arn = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

  it('names every other team that grants it', () => {
    const found = ofKind(
      checkAcrossTeams([
        team('a', { grants: [{ managed: [arn] }] }),
        team('b', { grants: [{ index: 1, managed: [arn] }] }),
        team('c', { grants: [{ index: 2, managed: [arn] }] }),
      ]),
      'shared-managed-policy',
    );
    assert.match(found[0]!.message, / by team "b" \(permanent-access\/b\.yaml:11\) and team "c" \(permanent-access\/c\.yaml:12\); it stays/);
  });

  it('notes it for each team, naming the others and where they grant it', () => {
    const found = ofKind(
      checkAcrossTeams([
        team('a', { grants: [{ index: 1, principal: 'Alice', managed: [arn] }] }),
        team('b', { grants: [{ index: 3, principal: 'alice', managed: [arn] }] }),
        team('c', { grants: [{ index: 0, principal: 'alice', managed: ['arn:aws:iam::aws:policy/job-function/ViewOnlyAccess'] }] }),
      ]),
      'shared-managed-policy',
    );
    assert.deepEqual(
      found.map((d) => [d.severity, d.file, d.line, d.message]),
      [
        [
          'note',
          'permanent-access/a.yaml',
          11,
          `user Alice in prod (111111111111) is also granted ${arn} by team "b" (permanent-access/b.yaml:13); ` +
            'it stays attached while any of these grants lives, and revoking one leaves it in place for the others',
        ],
        [
          'note',
          'permanent-access/b.yaml',
          13,
          `user alice in prod (111111111111) is also granted ${arn} by team "a" (permanent-access/a.yaml:11); ` +
            'it stays attached while any of these grants lives, and revoking one leaves it in place for the others',
        ],
      ],
    );
  });
});

describe('checks across teams, on expansions (whatever the naming scheme)', function () {
  const settings = resolveSettings(undefined, {}, () => ({ file: 'grantflow.yaml', line: 1, col: 1 }));
  const checked = (team: string, files: Partial<Record<FileKind, string>>): CheckedTeam => {
    const texts: TeamTexts = {};
    for (const [kind, text] of Object.entries(files)) texts[kind as FileKind] = { file: `${kind}/${team}.yaml`, text };
    const { loaded } = teamFromTexts(team, texts, settings, '.');
    assert.ok(loaded);
    return { config: loaded.config, expansion: expandTeam(loaded.config, Date.parse(NOW)), locate: loaded.locate };
  };

  it('reports two teams that would write one policy name in one account, letter case aside', () => {
    const one = checked('one', LOOK_ALIKES.a!);
    const two = checked('two', LOOK_ALIKES['a-b']!);
    // Make both teams' policy objects one name, as a colliding scheme would.
    two.expansion.policies = two.expansion.policies.map((p) => ({ ...p, name: one.expansion.policies[0]!.name.toUpperCase() }));
    const found = checkAcrossTeams([one, two]).filter((d) => d.kind === 'iam-object-collision');
    assert.equal(found.length, 2);
    assert.ok(found.every((d) => d.severity === 'error'));
    assert.match(found[0]!.message, /team "one" policy "b-c" and team "two" policy "c" \(aws-policies\/two\.yaml:2\) would both write/);
  });

  it('says nothing when teams share no account, environment name or principal', () => {
    const one = checked('one', LOOK_ALIKES.a!);
    const other = checked('other', { ...LOOK_ALIKES.x!, 'aws-accounts': 'aws-accounts:\n  live: "999999999999"\n' });
    other.expansion.policies = other.expansion.policies.map((p) => ({ ...p, name: one.expansion.policies[0]!.name }));
    assert.deepEqual(checkAcrossTeams([one, other]), []);
  });
});
