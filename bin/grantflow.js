#!/usr/bin/env node
// The `grantflow` command. The TypeScript is compiled to lib/ by `npm run build` (which
// `npm run grantflow`, `npm test` and `npm pack` run when needed).
'use strict';
const path = require('node:path');
const fs = require('node:fs');

// The AWS SDK would warn on every run that its releases from 2027 on need Node 22; `grantflow doctor`
// says so once, in its own words, instead (package.json states the Node versions grantflow supports).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
