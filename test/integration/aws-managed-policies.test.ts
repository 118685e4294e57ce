// Policies nobody on the project wrote: every AWS managed policy that the pinned moto bundles, as AWS
// publishes it, used as a grantflow policy's custom statements. IAM accepts every one of them, so
// validation may report no error but the true one: a document over the 6,144 characters of a
// customer-managed policy, with its exact size. The same moto data must give the committed table of
// AWS managed policies.
import assert from 'node:assert/strict';
import { customPolicyName } from '../../src/core/names';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allAwsManagedPolicies, awsManagedPolicyArn } from '../../src/core/aws-managed-policies';
import { countByKind, type Diagnostic } from '../../src/core/diagnostics';
import { validateTeam } from '../../src/validate';
import { lintPoliciesFile, policiesInput, statementsOf, type PolicyDocument } from '../harness/policy-lint';

interface MotoPolicy {
  Path: string;
  DefaultVersionId: string;
  Document: PolicyDocument;
}
interface MotoData {
  version: string;
  policies: Record<string, MotoPolicy>;
}
interface Generator {
  readMotoManagedPolicies(): Promise<MotoData>;
  renderTable(moto: MotoData, generatedOn: string): string;
  comparable(text: string): string;
  TABLE_FILE: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require(path.resolve(__dirname, '../../../scripts/aws-managed-policies.js')) as Generator;

const list = (value: unknown) => (value === undefined ? undefined : [value].flat());

/**
 * IAM's count of the customer-managed policy grantflow would write, computed here without grantflow's
 * code: the document with every Action/Resource as a list (as grantflow writes them), whitespace removed.
 */
function expectedSize(p: MotoPolicy): number {
  const statements = statementsOf(p.Document).map((s) => {
    const out: Record<string, unknown> = { ...s };
    for (const key of ['Action', 'NotAction', 'Resource', 'NotResource']) if (s[key] !== undefined) out[key] = list(s[key]);
    return out;
  });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements }).replace(/\s/g, '').length;
}

const documents = (moto: MotoData, names: readonly string[]) => Object.fromEntries(names.map((name) => [name, moto.policies[name]!.Document]));

describe('AWS managed policies (from the pinned moto)', function () {
  let moto: MotoData;
  before(async function () {
    this.timeout(120_000);
    moto = await generator.readMotoManagedPolicies();
  });

  it('is the data the committed table of AWS managed policies was generated from', () => {
    const committed = fs.readFileSync(generator.TABLE_FILE, 'utf8');
    assert.equal(generator.comparable(committed), generator.comparable(generator.renderTable(moto, 'today')), 'run: node scripts/aws-managed-policies.js');
    const table = allAwsManagedPolicies();
    assert.equal(table.length, Object.keys(moto.policies).length);
    const readOnly = table.find((p) => p.name === 'ReadOnlyAccess' && p.path === '/')!;
    assert.equal(readOnly.size, JSON.stringify(moto.policies.ReadOnlyAccess!.Document).replace(/\s/g, '').length);
    assert.equal(readOnly.statements, statementsOf(moto.policies.ReadOnlyAccess!.Document).length);
  });

  it('every one as custom statements: no error but the true size-limit errors, with their exact numbers', async function () {
    // The time is printed (about 2 s on an idle machine), not asserted: a loaded machine is no failure.
    this.timeout(120_000);
    const started = Date.now();
    const names = Object.keys(moto.policies);
    assert.ok(names.length > 1000, `${names.length} policies`);
    // The YAML files' own schema comes first: IAM's shapes (an empty Sid, say) must pass it.
    const diagnostics = await lintPoliciesFile(policiesInput(documents(moto, names)));

    const errors = diagnostics.filter((d) => d.severity === 'error');
    const oversize = names.filter((name) => expectedSize(moto.policies[name]!) > 6144).sort();
    assert.deepEqual(
      errors.map((d) => [d.file, d.kind]).sort(),
      oversize.map((name) => [name, 'policy-size']),
      errors
        .filter((d) => d.kind !== 'policy-size')
        .slice(0, 5)
        .map((d) => `${d.file}: ${d.message}`)
        .join('\n'),
    );
    for (const d of errors) {
      const size = expectedSize(moto.policies[d.file]!).toLocaleString('en-US');
      assert.match(
        d.message,
        new RegExp(
          `render to ${size} characters in customer-managed policy ${customPolicyName('aws', d.file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; IAM allows 6,144\\.`,
        ),
      );
    }
    // AWS's own policies use only condition keys AWS has.
    assert.deepEqual(
      diagnostics.filter((d) => d.kind === 'unknown-condition-key').map((d) => d.message),
      [],
    );

    const ms = Date.now() - started;
    report(names.length, diagnostics, oversize.length, ms);
  });

  it('every one named in managed_policies is known to the table', async () => {
    const arns = Object.entries(moto.policies).map(([name, p]) => awsManagedPolicyArn('aws', { name, path: p.Path }));
    const data = { 'aws-policies': Object.fromEntries(arns.map((arn, i) => [`p${i}`, { description: 'managed', managed_policies: [arn] }])) };
    const diagnostics = await lintPoliciesFile(data);
    assert.deepEqual(
      diagnostics.filter((d) => d.kind === 'unknown-managed-policy' || d.severity === 'error').map((d) => d.message),
      [],
    );
  });

  it('gives the same findings through the YAML files and the command line (a sample)', async function () {
    this.timeout(60_000);
    const names = Object.keys(moto.policies).filter((_, i) => i % 50 === 0);
    const data = policiesInput(documents(moto, names));
    const expected = await lintPoliciesFile(data);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-aws-policies-'));
    try {
      fs.mkdirSync(path.join(dir, 'aws-policies'));
      fs.writeFileSync(path.join(dir, 'aws-policies', 'aws.yaml'), JSON.stringify(data, null, 1));
      const validation = await validateTeam({ dir, team: 'aws', env: {}, nowMs: Date.now() });
      // Here each finding is told apart by its line; above, only by policy, so repeats within one policy merge.
      const summarise = (ds: readonly Diagnostic[]) => [...new Set(ds.map((d) => `${d.severity} ${d.kind}: ${d.message}`))].sort();
      assert.deepEqual(summarise(validation.diagnostics), summarise(expected));
      assert.ok(
        validation.diagnostics.every((d) => d.line > 1),
        'each diagnostic points into the file',
      );
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});

function report(policies: number, diagnostics: readonly Diagnostic[], oversize: number, ms: number): void {
  const warnings = Object.entries(countByKind(diagnostics, 'warning'))
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const policiesWithWarnings = new Set(diagnostics.filter((d) => d.severity === 'warning').map((d) => d.file)).size;
  process.stdout.write(
    `      ${policies} AWS managed policies in ${ms} ms: ${oversize} over 6,144 characters (errors), ` +
      `warnings in ${policiesWithWarnings} policies: ${warnings}\n`,
  );
}
