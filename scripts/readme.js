#!/usr/bin/env node
// `npm run readme`: rewrites the README's command reference from the command declarations, and its
// settings table from the settings' declarations (src/core/settings-table.ts).
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const { COMMANDS } = require(path.join(ROOT, 'lib/src/cli/main.js'));
const { SETTINGS } = require(path.join(ROOT, 'lib/src/core/settings-table.js'));
const { commandReference, settingsReference, withReference, SETTINGS_BEGIN, SETTINGS_END } = require(path.join(ROOT, 'lib/src/cli/reference.js'));

const file = path.join(ROOT, 'README.md');
const withCommands = withReference(fs.readFileSync(file, 'utf8'), commandReference(COMMANDS));
if (withCommands === undefined) {
  process.stderr.write('readme: README.md has no command reference markers\n');
  process.exit(1);
}
const next = withReference(withCommands, settingsReference(SETTINGS), SETTINGS_BEGIN, SETTINGS_END);
if (next === undefined) {
  process.stderr.write('readme: README.md has no settings table markers\n');
  process.exit(1);
}
fs.writeFileSync(file, next);
process.stderr.write('readme: command reference and settings table rewritten\n');
