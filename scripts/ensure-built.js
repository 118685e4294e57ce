#!/usr/bin/env node
// Used by `npm run grantflow` and `npm run demo`: installs the npm packages if they are missing and
// rebuilds lib/ if any TypeScript source is newer than the build, so a fresh clone just works.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(args, what) {
  process.stderr.write(`grantflow: ${what}\n`);
  const result = spawnSync(npm, args, { cwd: root, stdio: ['ignore', process.stderr, process.stderr] });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of ['src', 'workflows', 'activities', 'test', 'bench']) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
  return newest;
}

const lockMarker = path.join(root, 'node_modules', '.package-lock.json');
if (!fs.existsSync(lockMarker) || fs.statSync(path.join(root, 'package-lock.json')).mtimeMs > fs.statSync(lockMarker).mtimeMs) {
  run(['ci', '--no-audit', '--no-fund', '--ignore-scripts'], 'installing npm packages (npm ci)');
}
const bundle = path.join(root, 'lib', 'workflow-bundle.js');
if (!fs.existsSync(bundle) || fs.statSync(bundle).mtimeMs < newestSource()) {
  run(['run', '--silent', 'build'], 'building (tsc and the workflow bundle)');
}
