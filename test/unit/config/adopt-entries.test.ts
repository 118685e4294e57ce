// `grantflow adopt`: adopt: true on every entry of a permanent-access file, and nothing else of the
// file changed: comments, order and quoting stay as written.
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { adoptEntries } from '../../../src/config/adopt-entries';

const TEXT = `# who holds what
permanent-access:
  - description: "Imported from IAM: what user alice held before grantflow"
    users: ["alice"]   # the lead
    environments:
      - "nonprod"
    grants:
      - "aws.ReadOnlyAccess"
  - description: Already adopted
    roles: [ci]
    environments: [nonprod]
    grants: [inline.deploy]
    adopt: true
  - description: Not yet
    roles: [ops]
    environments: [prod]
    grants: [inline.deploy]
    adopt: false
`;

describe('adopt: true on the entries of a permanent-access file', function () {
  it('adds it where it is missing or false, and keeps the rest of the file as written', () => {
    const changed = adoptEntries(TEXT)!;
    assert.deepEqual(changed.adopted, [
      { index: 0, description: 'Imported from IAM: what user alice held before grantflow' },
      { index: 2, description: 'Not yet' },
    ]);
    assert.equal(changed.already, 1);
    assert.deepEqual(
      (parse(changed.text) as { 'permanent-access': { adopt?: boolean }[] })['permanent-access'].map((e) => e.adopt),
      [true, true, true],
    );
    assert.match(changed.text, /^# who holds what\n/);
    assert.match(changed.text, /users: \["alice"\] # the lead/);
    assert.match(changed.text, /description: "Imported from IAM: what user alice held before grantflow"/);
    assert.deepEqual(
      { ...(parse(changed.text) as object) },
      {
        'permanent-access': (parse(TEXT) as { 'permanent-access': object[] })['permanent-access'].map((e) => ({ ...e, adopt: true })),
      },
    );
  });

  it('changes nothing when every entry says it already, and refuses a file without the list', () => {
    const once = adoptEntries(TEXT)!.text;
    assert.deepEqual(adoptEntries(once), { text: once, adopted: [], already: 3 });
    assert.equal(adoptEntries('aws-policies: {}\n'), undefined);
    assert.equal(adoptEntries('permanent-access: [\n'), undefined);
  });
});
