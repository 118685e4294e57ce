// Normalising the team files: what each entry keeps, the line it remembers, and which bad date is reported where.
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS } from '../../../src/core/team-config';
import { normalizeTeam, type TeamFiles } from '../../../src/config/normalize';
import { permanentFileSchema, policiesFileSchema, temporaryFileSchema } from '../../../src/config/schema';
import { parseYaml } from '../../../src/config/yaml-source';

function file<T>(schema: { parse(data: unknown): T }, relative: string, text: string) {
  const { source } = parseYaml(relative, text);
  return { data: schema.parse(source.data), source, relative };
}

const temporaryYaml = (entry: string) =>
  `temporary-access:\n  - description: first\n    user: a@example.com\n    environment: prod\n    grant: read\n    expiration_date: "2030-01-02"\n  - description: second\n    user: b@example.com\n    environment: prod\n    grant: read\n${entry}`;

describe('normalize cases: temporary entries', function () {
  it('an entry without start, reason or ticket has none of them; its line is its list item', function () {
    const files: TeamFiles = { team: 't', temporary: file(temporaryFileSchema, 't/temporary.yaml', temporaryYaml('    expiration_date: "2030-02-03"\n')) };
    const { config, diagnostics } = normalizeTeam(files, DEFAULT_SETTINGS);
    assert.deepEqual(diagnostics, []);
    const second = config.temporary[1]!;
    assert.ok(!('startsAt' in second) && !('reason' in second) && !('ticket' in second));
    assert.deepEqual(second.source, { file: 't/temporary.yaml', line: 7, index: 1 });
    assert.equal(second.expiresAt, '2030-02-03T23:59:59Z');
    assert.deepEqual(second.user?.written, 'b@example.com');
  });

  it('start, reason and ticket are kept when written', function () {
    const files: TeamFiles = {
      team: 't',
      temporary: file(
        temporaryFileSchema,
        't/temporary.yaml',
        temporaryYaml('    expiration_date: "2030-02-03"\n    start_date: "2030-02-01"\n    reason: on call\n    ticket: OPS-1\n'),
      ),
    };
    const second = normalizeTeam(files, DEFAULT_SETTINGS).config.temporary[1]!;
    assert.equal(second.startsAt, '2030-02-01T00:00:00Z');
    assert.equal(second.reason, 'on call');
    assert.equal(second.ticket, 'OPS-1');
  });

  const bad: [string, string, string][] = [
    ['a bad expiration date', '    expiration_date: "2030-02-30"\n', '11:22 expiration_date: 2030-02-30 is not a calendar date'],
    ['a bad start date', '    expiration_date: "2030-02-03"\n    start_date: "2030-13-01"\n', '12:17 start_date: 2030-13-01 is not a calendar date'],
  ];
  for (const [name, entry, want] of bad) {
    it(`${name} is reported at its value and the entry is dropped`, function () {
      const files: TeamFiles = { team: 't', temporary: file(temporaryFileSchema, 't/temporary.yaml', temporaryYaml(entry)) };
      const { config, diagnostics } = normalizeTeam(files, DEFAULT_SETTINGS);
      assert.deepEqual(
        diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`),
        [want],
      );
      assert.equal(diagnostics[0]!.file, 't/temporary.yaml');
      assert.deepEqual(
        config.temporary.map((e) => e.description),
        ['first'],
      );
    });
  }
});

describe('normalize cases: policies and permanent entries', function () {
  it('a policy without managed policies or statements has empty lists and its key line', function () {
    const files: TeamFiles = {
      team: 't',
      policies: file(policiesFileSchema, 't/policies.yaml', 'aws-policies:\n  read:\n    description: r\n  write:\n    description: w\n'),
    };
    const { config } = normalizeTeam(files, DEFAULT_SETTINGS);
    assert.deepEqual(config.policies.write, { description: 'w', managedPolicyArns: [], statements: [], source: { file: 't/policies.yaml', line: 4 } });
    assert.equal(config.settings, DEFAULT_SETTINGS);
  });

  it('a team strict_actions overrides the settings', function () {
    const files: TeamFiles = { team: 't', policies: file(policiesFileSchema, 'p.yaml', 'aws-policies: {}\nstrict_actions: false\n') };
    const { config } = normalizeTeam(files, { ...DEFAULT_SETTINGS, strictActions: true });
    assert.equal(config.settings.strictActions, false);
  });

  it('a permanent entry without users or roles has empty lists and its item line', function () {
    const files: TeamFiles = {
      team: 't',
      permanent: file(
        permanentFileSchema,
        't/permanent.yaml',
        'permanent-access:\n  - description: one\n    environments: [prod]\n    grants: [read]\n  - description: two\n    environments: [dev]\n    grants: [read]\n',
      ),
    };
    const second = normalizeTeam(files, DEFAULT_SETTINGS).config.permanent[1]!;
    assert.deepEqual(second.users, []);
    assert.deepEqual(second.roles, []);
    assert.deepEqual(second.source, { file: 't/permanent.yaml', line: 5, index: 1 });
  });

  it('no files: an empty team', function () {
    const { config } = normalizeTeam({ team: 't' }, DEFAULT_SETTINGS);
    assert.deepEqual([config.accounts, config.policies, config.permanent, config.temporary], [{}, {}, [], []]);
  });
});
