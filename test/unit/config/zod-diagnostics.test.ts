// Schema errors turned into diagnostics: the line they point at, the path they name, what they say was found.
import assert from 'node:assert/strict';
import { z } from 'zod';
import { pathLabel, zodIssuesToDiagnostics } from '../../../src/config/zod-diagnostics';
import { parseYaml } from '../../../src/config/yaml-source';

const schema = z.strictObject({
  name: z.string(),
  count: z.number().optional(),
  owner: z.strictObject({ team: z.string(), email: z.string().nullable() }).optional(),
  items: z.array(z.strictObject({ sid: z.string(), effect: z.string().default('Allow') })).optional(),
  byEnv: z.record(z.string(), z.strictObject({ role: z.string() })).optional(),
  piped: z
    .strictObject({ alpha: z.string() })
    .transform((v) => v)
    .optional(),
  tags: z.array(z.string()).optional(),
  free: z.record(z.string(), z.string()).optional(),
  port: z.number().max(10).optional(),
  maybe: z.strictObject({ gamma: z.string() }).nullable().optional(),
  preset: z.strictObject({ delta: z.string() }).default({ delta: 'd' }),
});

function diagnose(yaml: string) {
  const { source, diagnostics } = parseYaml('t.yaml', yaml);
  assert.deepEqual(diagnostics, []);
  const result = schema.safeParse(source.data);
  assert.ok(!result.success, 'the case must be invalid');
  return zodIssuesToDiagnostics(result.error.issues, source, schema).map((d) => `${d.line}:${d.col} ${d.message}`);
}

describe('zod diagnostics cases: path labels', function () {
  const cases: [readonly PropertyKey[], string][] = [
    [[], '(top level)'],
    [['a'], 'a'],
    [['a', 'b'], 'a.b'],
    [['a', 0, 'b'], 'a[0].b'],
    [[0], '[0]'],
    [[0, 'x'], '[0].x'],
  ];
  for (const [path, want] of cases) it(`${JSON.stringify(path)} -> ${want}`, () => assert.equal(pathLabel(path), want));
});

describe('zod diagnostics cases: messages and positions', function () {
  const cases: { name: string; yaml: string; want: string[] }[] = [
    { name: 'missing required key', yaml: 'count: 1\n', want: ['1:1 name is required'] },
    {
      name: 'unquoted number where a string is expected',
      yaml: 'name: 0123\n',
      want: ['1:7 name must be a quoted string: the unquoted value 0123 is read as number 123; write it in quotes: "0123"'],
    },
    {
      name: 'unquoted boolean where a string is expected',
      yaml: 'name: yes\nowner:\n  team: true\n  email: x\n',
      want: ['3:9 owner.team must be a quoted string: the unquoted value true is read as boolean true; write it in quotes: "true"'],
    },
    { name: 'null value', yaml: 'name:\n', want: ['1:6 name must be a string, got null (an empty value)'] },
    { name: 'a list for a string', yaml: 'name: [a]\n', want: ['1:7 name must be a string, got a list'] },
    { name: 'a mapping for a string', yaml: 'name: {a: 1}\n', want: ['1:7 name must be a string, got a mapping'] },
    { name: 'a string for a number', yaml: 'name: n\ncount: "3"\n', want: ['2:8 count must be a number, got the string "3"'] },
    { name: 'a boolean for a number', yaml: 'name: n\ncount: true\n', want: ['2:8 count must be a number, got boolean true'] },
    { name: 'a string for a mapping', yaml: 'name: n\nowner: x\n', want: ['2:8 owner must be a mapping, got the string "x"'] },
    { name: 'a string for a list', yaml: 'name: n\ntags: x\n', want: ['2:7 tags must be a list, got the string "x"'] },
    {
      name: 'a misspelt top-level key gets a suggestion',
      yaml: 'name: n\ncuont: 1\n',
      want: ['2:1 unknown key "cuont" in (top level); did you mean "count"?'],
    },
    {
      name: 'a nested unknown key lists the keys allowed there',
      yaml: 'name: n\nowner:\n  team: t\n  email: e\n  zzzzzzzzzz: 1\n',
      want: ['5:3 unknown key "zzzzzzzzzz" in owner; allowed keys: team, email'],
    },
    {
      name: 'an unknown key inside a list item (through a default)',
      yaml: 'name: n\nitems:\n  - sid: a\n    efect: Deny\n',
      want: ['4:5 unknown key "efect" in items[0]; did you mean "effect"?'],
    },
    {
      name: 'an unknown key inside a record value',
      yaml: 'name: n\nbyEnv:\n  prod:\n    rol: x\n    role: y\n',
      want: ['4:5 unknown key "rol" in byEnv.prod; did you mean "role"?'],
    },
    {
      name: 'an unknown key inside a piped object',
      yaml: 'name: n\npiped:\n  alpha: a\n  alpah: b\n',
      want: ['4:3 unknown key "alpah" in piped; did you mean "alpha"?'],
    },
    {
      name: 'each of two unknown keys is reported at its own line',
      yaml: 'name: n\nowner:\n  team: t\n  email: null\n  qqqqqqqq: 1\n  wwwwwwww: 2\n',
      want: ['5:3 unknown key "qqqqqqqq" in owner; allowed keys: team, email', '6:3 unknown key "wwwwwwww" in owner; allowed keys: team, email'],
    },
    {
      name: 'an unknown key inside a nullable object',
      yaml: 'name: n\nmaybe:\n  gamma: g\n  gamam: h\n',
      want: ['4:3 unknown key "gamam" in maybe; did you mean "gamma"?'],
    },
    {
      name: 'an unknown key inside an object with a default',
      yaml: 'name: n\npreset:\n  delta: d\n  detla: e\n',
      want: ['4:3 unknown key "detla" in preset; did you mean "delta"?'],
    },
    {
      name: 'a too-large number shows the value',
      yaml: 'name: n\nport: 11\n',
      want: ['2:7 port: Too big: expected number to be <=10 (got 11)'],
    },
    {
      name: 'a wrong list item type in a record of strings',
      yaml: 'name: n\nfree:\n  a: 1\n',
      want: ['3:6 free.a must be a quoted string: the unquoted value 1 is read as number 1; write it in quotes: "1"'],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(diagnose(c.yaml), c.want));

  it('an unknown key under a plain record of strings has no allowed keys to offer', function () {
    const loose = z.strictObject({ m: z.record(z.string(), z.string()), s: z.array(z.string()) });
    const { source } = parseYaml('t.yaml', 'm: {}\ns: []\nzzzzzz: 1\n');
    const issues = loose.safeParse(source.data).error!.issues;
    assert.deepEqual(
      zodIssuesToDiagnostics(issues, source, loose).map((d) => d.message),
      ['unknown key "zzzzzz" in (top level); allowed keys: m, s'],
    );
    // A path through a non-object (here: a string element) yields no allowed keys.
    const fake = [{ code: 'unrecognized_keys', keys: ['x'], path: ['s', 0], message: '' }] as unknown as z.core.$ZodIssue[];
    assert.deepEqual(
      zodIssuesToDiagnostics(fake, source, loose).map((d) => d.message),
      ['unknown key "x" in s[0]'],
    );
    const pastAString = [{ code: 'unrecognized_keys', keys: ['x'], path: ['s', 0, 'y'], message: '' }] as unknown as z.core.$ZodIssue[];
    assert.deepEqual(
      zodIssuesToDiagnostics(pastAString, source, loose).map((d) => d.message),
      ['unknown key "x" in s[0].y'],
    );
    const viaRecord = [{ code: 'unrecognized_keys', keys: ['x'], path: ['m', 'k'], message: '' }] as unknown as z.core.$ZodIssue[];
    assert.deepEqual(
      zodIssuesToDiagnostics(viaRecord, source, loose).map((d) => d.message),
      ['unknown key "x" in m.k'],
    );
  });

  it('a custom message that already says what it got is not repeated; a mapping value is not shown', function () {
    const { source } = parseYaml('t.yaml', 'a: 5\nb:\n  c: 1\nn:\ns: abc\n');
    const issues = [
      { code: 'custom', path: ['a'], message: 'must be even, got 5' },
      { code: 'custom', path: ['b'], message: 'bad mapping' },
      { code: 'custom', path: ['b', 'c', 'd'], message: 'deep' },
      { code: 'custom', path: ['a'], message: 'odd' },
      { code: 'custom', path: ['n'], message: 'empty' },
      { code: 'custom', path: ['n', 'x'], message: 'under null' },
      { code: 'custom', path: ['s', 0], message: 'into a string' },
      { code: 'custom', path: ['missing'], message: 'absent' },
    ] as unknown as z.core.$ZodIssue[];
    assert.deepEqual(
      zodIssuesToDiagnostics(issues, source, z.any()).map((d) => `${d.line}:${d.col} ${d.message}`),
      [
        '1:4 a: must be even, got 5',
        '3:3 b: bad mapping',
        '3:6 b.c.d: deep',
        '1:4 a: odd (got 5)',
        '4:3 n: empty (got null)',
        '4:3 n.x: under null',
        '5:4 s[0]: into a string',
        '1:1 missing: absent',
      ],
    );
  });
});
