#!/usr/bin/env node
// `npm run readme`: rewrites the README's command reference from the command declarations.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const { COMMANDS } = require(path.join(ROOT, 'lib/src/cli/main.js'));
const { commandReference, withReference } = require(path.join(ROOT, 'lib/src/cli/reference.js'));

const file = path.join(ROOT, 'README.md');
const next = withReference(fs.readFileSync(file, 'utf8'), commandReference(COMMANDS));
if (next === undefined) {
  process.stderr.write('readme: README.md has no command reference markers\n');
  process.exit(1);
}
fs.writeFileSync(file, next);
process.stderr.write('readme: command reference rewritten\n');
