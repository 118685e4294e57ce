#!/usr/bin/env node
// Bundles the workflow code once at build time, so a worker starts without running webpack
// (src/worker.ts uses lib/workflow-bundle.js when it exists). Run by `npm run build` after tsc.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'lib', 'workflow-bundle.js');

bundleWorkflowCode({
  workflowsPath: path.join(root, 'lib', 'workflows', 'index.js'),
  logger: { trace() {}, debug() {}, info() {}, log() {}, warn: (m) => console.error(`bundler: ${m}`), error: (m) => console.error(`bundler: ${m}`) },
}).then(
  ({ code }) => {
    fs.writeFileSync(out, code);
    console.error(`bundled workflows into ${path.relative(root, out)} (${(code.length / 1024).toFixed(0)} KiB)`);
  },
  (error) => {
    console.error(`workflow bundle failed: ${error.message}`);
    process.exit(1);
  },
);
