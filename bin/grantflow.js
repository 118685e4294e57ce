#!/usr/bin/env node
// The `grantflow` command. The TypeScript is compiled to lib/ by `npm run build` (run by `npm ci`
// through the prepare script, and by `npm run grantflow`).
'use strict';
const path = require('node:path');
const fs = require('node:fs');

// The AWS SDK warns on every run that future versions will need Node 22; the CLI's output is not
// the place for it (package.json states the Node versions grantflow supports).
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0] && rest[0].type;
  if (type === 'NodeVersionSupportWarning' || (warning && warning.name === 'NodeVersionSupportWarning')) return;
  return emitWarning.call(process, warning, ...rest);
};

const entry = path.resolve(__dirname, '..', 'lib', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('grantflow is not built yet: run `npm install` (or `npm run build`) in the grantflow folder first.\n');
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`grantflow: ${error && error.stack ? error.stack : error}\n`);
      process.exitCode = 1;
    },
  );
