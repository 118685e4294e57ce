#!/usr/bin/env node
// Shows that the README's two commands are all the set-up a newcomer needs: clones this repository's
// HEAD into a temporary folder, then runs `npm run demo` (with a short expiry, exiting once the demo
// grant is revoked) and `npm test` there, and prints the wall time of each.
//
//   node scripts/fresh-clone-check.js [--demo-only] [--keep]
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-fresh-'));
const timings = [];

function step(name, command, args, cwd) {
  process.stderr.write(`fresh-clone-check: ${name} ...\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  timings.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.status !== 0) {
    process.stderr.write(`fresh-clone-check: FAIL: ${name} exited ${result.status ?? result.signal} (clone kept in ${dir})\n`);
    process.exit(1);
  }
}

step('git clone', 'git', ['clone', '--quiet', ROOT, dir], ROOT);
step('npm run demo', 'npm', ['run', 'demo', '--', '--expire-in', '20s', '--exit-when-revoked'], dir);
if (!argv.includes('--demo-only')) step('npm test', 'npm', ['test'], dir);
process.stderr.write(`fresh-clone-check: ok: ${timings.join(', ')}\n`);
if (!argv.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
