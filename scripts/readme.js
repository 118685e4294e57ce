#!/usr/bin/env node
// `npm run readme`: rewrites the command reference of docs/COMMAND-LINE.md from the command
// declarations, and the settings table of docs/CONFIGURATION.md from the settings' declarations
// (src/core/settings-table.ts). Each sits between its HTML-comment markers.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const { COMMANDS } = require(path.join(ROOT, 'lib/src/cli/main.js'));
const { SETTINGS } = require(path.join(ROOT, 'lib/src/core/settings-table.js'));
const {
  commandReference,
  settingsReference,
  withReference,
  REFERENCE_BEGIN,
  REFERENCE_END,
  REFERENCE_FILE,
  SETTINGS_BEGIN,
  SETTINGS_END,
  SETTINGS_FILE,
} = require(path.join(ROOT, 'lib/src/cli/reference.js'));

function rewrite(relative, reference, begin, end, what) {
  const file = path.join(ROOT, relative);
  const next = withReference(fs.readFileSync(file, 'utf8'), reference, begin, end);
  if (next === undefined) {
    process.stderr.write(`readme: ${relative} has no ${what} markers\n`);
    process.exit(1);
  }
  fs.writeFileSync(file, next);
  process.stderr.write(`readme: ${what} rewritten in ${relative}\n`);
}

rewrite(REFERENCE_FILE, commandReference(COMMANDS), REFERENCE_BEGIN, REFERENCE_END, 'command reference');
rewrite(SETTINGS_FILE, settingsReference(SETTINGS), SETTINGS_BEGIN, SETTINGS_END, 'settings table');
