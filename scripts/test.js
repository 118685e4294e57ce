#!/usr/bin/env node
// `npm test`: on a fresh clone, installs what is missing (npm packages, then the tools the chosen
// groups run against: the Temporal CLI, moto, the Java test server, Debian's Chromium for the
// browser test), then typechecks, lints and runs the tests; afterwards it checks that no process a
// test started is still running. The unit group needs nothing but Node.
//
//   npm test                      everything
//   npm test -- --only unit       one group (or several, comma-separated): unit, integration, workflows, e2e, proof
//   npm run test:unit             the editing loop (npm test -- --only unit --quick): compiles only what the
//                                 unit tests import (tsconfig.unit.json) and runs them; no lint, which
//                                 npm test and CI still run
//   npm test -- --grep <pattern>  passed to mocha
//   npm test -- --only proof --model 1000 [--parallel 8]
//                                 the model-based test's 1,000-sequence run (default: 4 sequences)
//   npm test -- --only proof --large
//                                 the fault suite's larger variants
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const GROUPS = ['unit', 'integration', 'workflows', 'e2e', 'proof'];
/** What each group runs against (names as scripts/bootstrap.js takes them), and whether it needs the workflow bundle. */
const NEEDS = {
  unit: { tools: [], bundle: false },
  integration: { tools: ['temporal', 'moto', 'test-server'], bundle: true },
  workflows: { tools: ['temporal', 'moto', 'test-server'], bundle: true },
  e2e: { tools: ['temporal', 'moto'], bundle: true },
  proof: { tools: ['temporal', 'moto'], bundle: true },
};
const started = Date.now();
const timings = [];

function log(message) {
  process.stderr.write(`test: ${message}\n`);
}

function step(name, command, args, options = {}) {
  const t0 = Date.now();
  log(`${name} ...`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  const seconds = (Date.now() - t0) / 1000;
  timings.push([name, seconds]);
  if (result.status !== 0) {
    log(`${name} failed (exit ${result.status ?? result.signal}) after ${seconds.toFixed(1)} s`);
    process.exit(result.status || 1);
  }
}

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

function needsNpmInstall() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const stale = !fs.existsSync(marker) || fs.statSync(path.join(ROOT, 'package-lock.json')).mtimeMs > fs.statSync(marker).mtimeMs;
  // A git worktree may share another checkout's packages through a link: npm ci would empty the
  // folder it points at, under every checkout that shares it.
  if (stale && fs.lstatSync(path.join(ROOT, 'node_modules'), { throwIfNoEntry: false })?.isSymbolicLink()) {
    log('node_modules is a link to packages another checkout installed: not running npm ci here (run it there if package-lock.json changed)');
    return false;
  }
  return stale;
}

/** The browser test drives Debian's Chromium; install it when this machine allows (root + apt). */
function ensureChromium() {
  if (which('chromium') || process.env.GRANTFLOW_CHROMIUM) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !which('apt-get')) {
    log(
      'Chromium is not installed and cannot be installed here (that needs root and apt-get): the browser test ' +
        'will be skipped, and fail under CI. Install chromium, or set GRANTFLOW_CHROMIUM to a Chromium binary, to run it.',
    );
    return;
  }
  step('installing Chromium from Debian (browser test)', 'sh', [
    '-c',
    'apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null',
  ]);
}

/** Processes whose environment carries this run's marker: started by the tests and still alive. */
function leftovers(marker) {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (!environ.split('\0').includes(marker)) continue;
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(pid), cmdline });
    } catch {
      // the process ended meanwhile, or is not ours to read
    }
  }
  return found;
}

/**
 * The compiled test files of the groups, in their folders at any depth. A compiled file whose
 * TypeScript source is gone (a test moved or deleted since lib/ was built) is left out: tsc never
 * deletes what it emitted.
 */
function specsFor(groups) {
  const files = [];
  const stale = [];
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.test.js')) {
        const source = path.join(ROOT, path.relative(path.join(ROOT, 'lib'), full)).replace(/\.js$/, '.ts');
        (fs.existsSync(source) ? files : stale).push(full);
      }
    }
  };
  for (const group of groups) walk(path.join(ROOT, 'lib', 'test', group));
  if (stale.length) log(`left out ${stale.length} compiled test file(s) of lib/ whose source is gone (e.g. ${path.relative(ROOT, stale[0])})`);
  return files.sort();
}

async function main() {
  const argv = process.argv.slice(2);
  /** The value after `flag`; a usage error when the flag is last or followed by another flag. */
  const flagValue = (flag, what, example) => {
    if (!argv.includes(flag)) return undefined;
    const value = argv[argv.indexOf(flag) + 1];
    if (value === undefined || value.startsWith('--')) {
      log(`${flag} needs ${what}, as in \`npm test -- ${example}\``);
      process.exit(2);
    }
    return value;
  };
  const onlyValue = flagValue('--only', `a group (${GROUPS.join(', ')}; several with commas)`, '--only unit');
  const only = onlyValue !== undefined ? onlyValue.split(',') : GROUPS;
  const unknown = only.filter((g) => !GROUPS.includes(g));
  if (unknown.length) {
    log(`unknown group ${unknown.join(', ')}; groups are ${GROUPS.join(', ')}`);
    process.exit(2);
  }
  const quick = argv.includes('--quick');
  if (quick && only.some((group) => group !== 'unit')) {
    log('--quick runs the unit group alone, as in `npm run test:unit`');
    process.exit(2);
  }
  const grep = flagValue('--grep', 'a pattern', "--grep 'expiry'");
  const mochaExtra = grep !== undefined ? ['--grep', grep] : [];
  const model = flagValue('--model', 'a number of sequences', '--only proof --model 1000');
  const parallel = flagValue('--parallel', 'a number of sequences run at once', '--only proof --model 1000 --parallel 8');
  const proofEnv = {
    ...(model ? { GRANTFLOW_MODEL_SEQUENCES: model } : {}),
    ...(parallel ? { GRANTFLOW_MODEL_PARALLEL: parallel } : {}),
    ...(argv.includes('--large') ? { GRANTFLOW_PROOF_SCALE: 'large' } : {}),
  };
  for (const [flag, value] of Object.entries({ '--model': model, '--parallel': parallel })) {
    if (value !== undefined && !/^[1-9]\d*$/.test(value)) {
      log(`${flag} takes a positive whole number, not "${value}"`);
      process.exit(2);
    }
  }

  if (needsNpmInstall()) step('npm ci', 'npm', ['ci', '--no-audit', '--no-fund']);
  const tools = [...new Set(only.flatMap((group) => NEEDS[group].tools))];
  if (tools.length > 0) step(`tools: ${tools.join(', ')} (scripts/bootstrap.js)`, process.execPath, ['scripts/bootstrap.js', ...tools]);
  if (only.includes('e2e')) ensureChromium();
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  if (quick) step('typecheck and compile what the unit tests import (tsc -p tsconfig.unit.json)', process.execPath, [tsc, '-p', 'tsconfig.unit.json']);
  else step('typecheck and compile (tsc)', process.execPath, [tsc, '-p', 'tsconfig.json']);
  if (only.some((group) => NEEDS[group].bundle)) step('workflow bundle', process.execPath, ['scripts/bundle-workflows.js']);
  if (!quick) step('lint (eslint, dependency-cruiser, prettier)', 'npm', ['run', '--silent', 'lint']);

  const specs = specsFor(only);
  const marker = `GRANTFLOW_TEST_RUN=${crypto.randomUUID()}`;
  const [key, value] = marker.split('=');
  const t0 = Date.now();
  log(`mocha: ${specs.length} test files (${only.join(', ')})`);
  const mocha = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), ...mochaExtra, ...specs], {
    cwd: ROOT,
    stdio: 'inherit',
    // The AWS SDK's Node-version warning would repeat in every test process; `grantflow doctor` reports it once.
    env: { ...process.env, ...proofEnv, [key]: value, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const code = await new Promise((resolve) => mocha.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  timings.push(['mocha', (Date.now() - t0) / 1000]);

  // Every process the tests started must be gone, pass or fail.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const left = leftovers(marker);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  log(`timings: ${timings.map(([n, s]) => `${n} ${s.toFixed(1)}s`).join(', ')}; total ${((Date.now() - started) / 1000).toFixed(1)}s`);
  if (left.length) {
    log(`FAIL: ${left.length} process(es) started by the tests were still running (now killed):`);
    for (const p of left) log(`  pid ${p.pid}: ${p.cmdline.slice(0, 200)}`);
    process.exit(1);
  }
  log(`no test process left running`);
  process.exit(code);
}

main().catch((error) => {
  log(error.stack || String(error));
  process.exit(1);
});
