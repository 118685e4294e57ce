#!/usr/bin/env node
// Mutants at the edges: plants each named bug of MUTANTS (below) in a temporary clone of HEAD, one
// at a time, builds, runs the tests it names, and reports killed (a test failed) or survived. The
// report (test/mutation/edge-mutants.md with the commit it ran on) is written when every mutant ran.
//
//   node scripts/edge-mutants.js                        every mutant
//   node scripts/edge-mutants.js --only <name>[,<name>]  some (repeatable); their rows of the report are replaced
//   node scripts/edge-mutants.js --no-report            print only
//   node scripts/edge-mutants.js --help                 usage and the mutants' names
//
// Needs what the tests need (npm test -- --only workflows installs it); it runs a few minutes per
// mutant whose tests use the dev server.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/**
 * Each mutant: a name, the promise it breaks, the file and the exact text replaced (it must occur
 * once), and the tests that must catch it (compiled spec files under lib/, a mocha --grep, and any
 * environment).
 */
const MUTANTS = [
  {
    name: 'prune-newest-version',
    promise: 'policy versions are pruned oldest non-default first at 5',
    file: 'src/aws/managed-policies.ts',
    find: '.sort((a, b) => a.created - b.created || a.id.localeCompare(b.id))[0]',
    replace: '.sort((a, b) => b.created - a.created || b.id.localeCompare(a.id))[0]',
    tests: [{ spec: 'lib/test/integration/iam-activities.test.js', grep: 'versions|prunes' }],
  },
  {
    name: 'ignore-told-early-revoke',
    promise: "sticky early revoke, backup check: a grant's own word that it ended early outranks visibility",
    file: 'src/core/ledger.ts',
    find: 'for (const { id, runId, at } of told) {',
    replace: 'for (const { id, runId, at } of told.slice(0, 0)) {',
    tests: [{ spec: 'lib/test/unit/core/reconcile-plan.test.js', grep: "grant's own word" }],
  },
  {
    name: 'told-early-recorded-as-expired',
    promise: 'sticky early revoke: an early ending is recorded as early, not as expired',
    file: 'src/core/ledger.ts',
    find: "memo: { ...entry.memo, endCause: 'early' } });",
    replace: "memo: { ...entry.memo, endCause: 'expired' } });",
    tests: [{ spec: 'lib/test/unit/core/reconcile-plan.test.js', grep: "grant's own word" }],
  },
  {
    name: 'max-days-fixed-6',
    promise: 'max_temporary_days comes from the settings',
    file: 'src/core/rules/temporary.ts',
    find: 'const maxDays = config.settings.maxTemporaryDays;',
    replace: 'const maxDays = 6;',
    tests: [{ spec: 'lib/test/unit/core/rules/temporary.test.js' }],
  },
  {
    name: 'max-days-boundary-plus-one-day',
    promise: "the limit's boundary is now + max_temporary_days, to the second",
    file: 'src/core/rules/temporary.ts',
    find: 'const latestMs = nowMs + maxDays * DAY_MS;',
    replace: 'const latestMs = nowMs + (maxDays + 1) * DAY_MS;',
    tests: [{ spec: 'lib/test/unit/core/rules/temporary.test.js' }],
  },
  {
    name: 'no-revoke-beyond-lowered-limit',
    promise: 'the sweep revokes live grants beyond a lowered limit',
    file: 'src/reconcile/act/sweep.ts',
    find: "const beyond = plan.revoke.filter((r) => r.cause === 'beyond-limit');",
    replace: 'const beyond = plan.revoke.filter(() => false);',
    tests: [{ spec: 'lib/test/workflows/durable-truth.test.js', grep: 'ceiling is lowered' }],
  },
  {
    name: 'no-refusal-beyond-limit',
    promise: 'a submission beyond max_temporary_days is refused (BeyondMaxTemporaryDays)',
    file: 'src/reconcile/passes.ts',
    find: '  refuseBeyondLimit(verified.config, nowMs, read.maxDays, read.ceiling);',
    replace: '  if (nowMs < 0) refuseBeyondLimit(verified.config, nowMs, read.maxDays, read.ceiling);',
    tests: [{ spec: 'lib/test/workflows/durable-truth.test.js', grep: 'max_temporary_days' }],
  },
  {
    name: 'permanent-first-managed-only',
    promise: 'permanent grants attach every managed policy of their policy',
    file: 'src/core/expand.ts',
    find: '            managedPolicyArns: [...policy.managedPolicyArns],\n',
    replace: '            managedPolicyArns: [...policy.managedPolicyArns].slice(0, 1),\n',
    tests: [
      { spec: 'lib/test/proof/faults.test.js', grep: 'racing submissions' },
      { spec: 'lib/test/proof/model.test.js', env: { GRANTFLOW_MODEL_RANDOM: '0' } },
    ],
  },
  {
    name: 'expiry-on-first-statement-only',
    promise: 'the expiry condition is on every statement',
    file: 'src/core/documents.ts',
    find: '  return statements.map((statement) => ({ ...statement, Condition: mergeConditions(statement.Condition, add) }));\n',
    replace:
      '  return statements.map((statement, index) => (index > 0 ? statement : { ...statement, Condition: mergeConditions(statement.Condition, add) }));\n',
    tests: [{ spec: 'lib/test/integration/iam-activities.test.js', grep: 'multi-statement' }],
  },
  {
    name: 'no-ownership-mark',
    promise: 'every attachment grantflow makes carries its ownership mark',
    file: 'src/aws/managed-attachments.ts',
    // The mark written before the attach: without it, a crash between the attach and the read-back
    // leaves an attachment that looks foreign to every later run.
    find: '  await tag(target, principal, missing.map(markTag));\n',
    replace: '',
    tests: [
      { spec: 'lib/test/integration/ownership-marks.test.js' },
      { spec: 'lib/test/integration/iam-activities.test.js', grep: 'grants everything once|crash before any one' },
    ],
  },
  {
    name: 'detach-foreign-attachment',
    promise: 'an attachment made before grantflow (unmarked) is never detached',
    file: 'src/aws/managed-attachments.ts',
    find: '    if (!key && !(owned.has(arn) && state.attached.has(arn))) {',
    replace: '    if (!key && !(owned.size >= 0 && state.attached.has(arn))) {',
    tests: [{ spec: 'lib/test/integration/iam-activities.test.js', grep: 'attached by hand before grantflow' }],
  },
  {
    name: 'ignore-shared-holders',
    promise: 'a managed policy two live grants share stays until both are revoked',
    file: 'src/aws/grant-iam.ts',
    find: 'await deps.holders.neededArns({ account: grant.account, principalType: grant.principalType, principal: grant.principal, excludeId: grant.id })',
    replace: 'new Set<string>()',
    tests: [{ spec: 'lib/test/integration/iam-activities.test.js', grep: 'two grants share' }],
  },
  {
    name: 'replace-with-a-gap',
    promise: 'a replacement becomes active before the grant it replaces is revoked',
    file: 'src/reconcile/act/replace.ts',
    find: "        return split.ready.length > 0 ? 'ready' : split.notYet.length > 0 ? 'notYet' : undefined;",
    replace: "        return split.ready.length >= 0 ? 'ready' : split.notYet.length > 0 ? 'notYet' : undefined;",
    // The replacement's apply is held back by IAM faults: the old grant must still be there.
    tests: [{ spec: 'lib/test/workflows/lifecycle.test.js', grep: 'replacement cannot apply|no moment without access' }],
  },
];

function run(command, args, options = {}) {
  return spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
}

function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      [
        'usage: node scripts/edge-mutants.js [--only <name>[,<name>...]]... [--no-report]',
        '',
        'Plants each mutant alone in a clone of HEAD, builds it, runs the tests it names, and reports',
        'killed (a test failed) or survived. Every mutant: test/mutation/edge-mutants.md is rewritten.',
        '',
        '  --only <names>  only these mutants (comma-separated, or --only repeated); their rows of the',
        '                  report are replaced and the count updated',
        '  --no-report     print the results only',
        '  --help          this text',
        '',
        'mutants:',
        ...MUTANTS.map((m) => `  ${m.name.padEnd(32)} ${m.file}: ${m.promise}`),
        '',
      ].join('\n'),
    );
    return;
  }
  const only = argv.flatMap((a, i) => (a === '--only' ? (argv[i + 1] ?? '').split(',').filter(Boolean) : []));
  if (argv.includes('--only') && only.length === 0) {
    process.stderr.write('edge-mutants: --only needs mutant names (see --help)\n');
    process.exit(2);
  }
  const unknown = only.filter((name) => !MUTANTS.some((m) => m.name === name));
  if (unknown.length) {
    process.stderr.write(`edge-mutants: no mutant named ${unknown.join(', ')}; names: ${MUTANTS.map((m) => m.name).join(', ')}\n`);
    process.exit(2);
  }
  const chosen = only.length ? MUTANTS.filter((m) => only.includes(m.name)) : MUTANTS;
  const commit = run('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).stdout.trim();
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT }).stdout.trim() !== '';
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-mutants-'));
  const log = (message) => process.stderr.write(`edge-mutants: ${message}\n`);
  log(`cloning ${commit.slice(0, 12)}${dirty ? ' (the working tree has uncommitted changes, which are not in the clone)' : ''} into ${clone}`);
  const results = [];
  try {
    if (run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone]).status !== 0) throw new Error('git clone failed');
    run('git', ['checkout', '--quiet', commit], { cwd: clone });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    if (fs.existsSync(path.join(ROOT, '.tools'))) fs.symlinkSync(fs.realpathSync(path.join(ROOT, '.tools')), path.join(clone, '.tools'));
    const build = () => {
      const tsc = run(process.execPath, [path.join(clone, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: clone });
      if (tsc.status !== 0) return `tsc: ${tsc.stdout}${tsc.stderr}`;
      const bundle = run(process.execPath, ['scripts/bundle-workflows.js'], { cwd: clone });
      return bundle.status === 0 ? undefined : `bundle: ${bundle.stderr}`;
    };
    const baseline = build();
    if (baseline) throw new Error(`the unmutated clone does not build: ${baseline}`);
    for (const mutant of chosen) {
      const file = path.join(clone, mutant.file);
      const original = fs.readFileSync(file, 'utf8');
      const count = original.split(mutant.find).length - 1;
      if (count !== 1) {
        results.push({ mutant, outcome: 'not applied', detail: `the text to replace occurs ${count} times in ${mutant.file}` });
        log(`${mutant.name}: NOT APPLIED (${count} matches)`);
        continue;
      }
      const t0 = Date.now();
      fs.writeFileSync(file, original.replace(mutant.find, mutant.replace));
      try {
        const broken = build();
        if (broken) {
          // A mutant the compiler refuses proves nothing about the tests: the list must be fixed.
          results.push({ mutant, outcome: 'invalid (does not compile)', detail: broken.split('\n')[0] });
          log(`${mutant.name}: INVALID, it does not compile: ${broken.split('\n')[0]}`);
          continue;
        }
        let killer;
        for (const test of mutant.tests) {
          const args = [path.join(clone, 'node_modules/mocha/bin/mocha.js'), ...(test.grep ? ['--grep', test.grep] : []), test.spec];
          const result = run(process.execPath, args, {
            cwd: clone,
            env: { ...process.env, ...(test.env ?? {}), AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1' },
          });
          const failing = (result.stdout.match(/^\s+\d+\) .+$/m) ?? [''])[0].trim();
          if (result.status !== 0) {
            killer = `${test.spec.replace(/^lib\//, '').replace(/\.js$/, '.ts')}${test.grep ? ` --grep '${test.grep}'` : ''}: ${failing || `exit ${result.status}`}`;
            break;
          }
        }
        const seconds = Math.round((Date.now() - t0) / 1000);
        results.push({ mutant, outcome: killer ? 'killed' : 'survived', by: killer, seconds });
        log(`${mutant.name}: ${killer ? 'killed' : 'SURVIVED'} (${seconds} s)${killer ? ` by ${killer}` : ''}`);
      } finally {
        fs.writeFileSync(file, original);
      }
    }
  } finally {
    // The clone shares node_modules and .tools by symlink: remove the links before the tree.
    for (const link of ['node_modules', '.tools']) fs.rmSync(path.join(clone, link), { force: true });
    fs.rmSync(clone, { recursive: true, force: true });
  }
  const row = (r) => `| \`${r.mutant.name}\` (${r.mutant.file}) | ${r.mutant.promise} | ${r.outcome} | ${(r.by ?? r.detail ?? '').replace(/\|/g, '\\|')} |`;
  const reportFile = path.join(ROOT, 'test/mutation/edge-mutants.md');
  if (only.length > 0 && !argv.includes('--no-report') && fs.existsSync(reportFile)) {
    // A run of some mutants replaces their rows in the last report and says on which commit.
    const report = fs.readFileSync(reportFile, 'utf8').split('\n');
    for (const r of results) {
      const at = report.findIndex((line) => line.startsWith(`| \`${r.mutant.name}\` (`));
      const line = `${row(r).slice(0, -2)} (re-run on ${commit.slice(0, 12)}) |`;
      if (at >= 0) report[at] = line;
      else report.splice(report.findIndex((l) => l.startsWith('|---')) + 1 + MUTANTS.indexOf(r.mutant), 0, line);
    }
    const rows = report.filter((line) => line.startsWith('| `'));
    const killed = rows.filter((line) => line.includes('| killed |')).length;
    const summary = report.findIndex((line) => / of \d+ killed\.$/.test(line));
    report[summary] = `${killed} of ${rows.length} killed.`;
    fs.writeFileSync(reportFile, report.join('\n'));
  }
  const lines = [
    '# Edge mutants: last report',
    '',
    `Written by \`node scripts/edge-mutants.js\` on commit ${commit}${dirty ? ' (with uncommitted changes in the working tree, not in the run)' : ''}, ${new Date().toISOString()}.`,
    'Each mutant was planted alone in a clone of that commit, built, and the named tests run against it.',
    '',
    '| mutant | promise | outcome | caught by |',
    '|---|---|---|---|',
    ...results.map(row),
    '',
    `${results.filter((r) => r.outcome === 'killed').length} of ${results.length} killed.`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  if (!argv.includes('--no-report') && only.length === 0) fs.writeFileSync(reportFile, lines.join('\n'));
  process.exit(results.every((r) => r.outcome === 'killed') ? 0 : 1);
}

main();
