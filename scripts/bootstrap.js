#!/usr/bin/env node
// Provides the external tools grantflow's tests and demo run against, idempotently, cached under
// .tools/ (git-ignored); each is provided only when something asks for it:
//   temporal      the Temporal CLI (dev server with Web UI and SQLite persistence)
//   moto          moto's server (IAM/STS emulator) in a Python virtual environment
//   test-server   Temporal's Java time-skipping test server behind an `exec java` wrapper
// Plain CommonJS with no dependencies: it must run on a fresh clone before `npm ci` has built anything.
//
//   node scripts/bootstrap.js [temporal] [moto] [test-server]     (no name: all three)
'use strict';

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');
const MANIFEST = path.join(TOOLS, 'tools.json');
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MOTO_REQUIREMENTS = path.join(ROOT, 'tools', 'moto', 'requirements.txt');
const TEST_SERVER_POM = path.join(ROOT, 'tools', 'test-server', 'pom.xml');

function log(message) {
  process.stderr.write(`bootstrap: ${message}\n`);
}

function which(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => reject(new Error(`${command} ${args.join(' ')}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else {
        const tail = output.trim().split('\n').slice(-25).join('\n');
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${tail}`));
      }
    });
  });
}

function fileHash(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
}

function readStamp(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

async function timed(label, fn) {
  const started = Date.now();
  const result = await fn();
  log(`${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** The Temporal CLI: one on PATH is used as is; otherwise built once with `go install`. */
async function ensureTemporalCli() {
  if (process.env.GRANTFLOW_TEMPORAL_CLI) return { path: process.env.GRANTFLOW_TEMPORAL_CLI, source: 'GRANTFLOW_TEMPORAL_CLI' };
  const onPath = which('temporal');
  if (onPath) return { path: onPath, source: 'PATH' };

  const binDir = path.join(TOOLS, 'bin');
  const binary = path.join(binDir, 'temporal');
  const stamp = path.join(binDir, 'temporal.version');
  if (fs.existsSync(binary) && readStamp(stamp) === TEMPORAL_CLI_VERSION) return { path: binary, source: 'cache' };

  const go = which('go');
  if (!go) {
    log(
      'Go is not installed, so the Temporal CLI cannot be built here. The Temporal SDK will download its dev ' +
        'server on first use instead (needs internet access to temporal.download). To build it locally, install ' +
        'Go 1.24+ (https://go.dev/dl) and run `npm run bootstrap` again.',
    );
    return { path: null, source: 'sdk-download' };
  }
  fs.mkdirSync(binDir, { recursive: true });
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first run only; about 5 minutes on 2 cores)`);
  await timed('Temporal CLI build', () =>
    run(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: binDir, GOFLAGS: '-trimpath', CGO_ENABLED: '0' },
    }),
  );
  fs.writeFileSync(stamp, `${TEMPORAL_CLI_VERSION}\n`);
  return { path: binary, source: 'go install' };
}

/** moto's server in a virtual environment, pinned by tools/moto/requirements.txt. */
async function ensureMoto() {
  const venv = path.join(TOOLS, 'moto-venv');
  const server = path.join(venv, 'bin', 'moto_server');
  const stamp = path.join(venv, 'requirements.sha256');
  const wanted = fileHash(MOTO_REQUIREMENTS);
  if (fs.existsSync(server) && readStamp(stamp) === wanted) return { path: server, source: 'cache' };

  const python = which('python3') || which('python');
  if (!python) {
    throw new Error(
      'Python 3 is not installed: it is needed for moto, the IAM emulator the tests and demo use. ' +
        'Install python3 with its venv module (Debian: apt-get install python3 python3-venv) and run again.',
    );
  }
  log('installing moto[server] into .tools/moto-venv (first run only; about 1-2 minutes)');
  fs.rmSync(venv, { recursive: true, force: true });
  try {
    await run(python, ['-m', 'venv', venv]);
  } catch (error) {
    throw new Error(`${python} -m venv failed; install the venv module (Debian: apt-get install python3-venv).\n${error.message}`);
  }
  await timed('moto install', () => run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', MOTO_REQUIREMENTS]));
  fs.writeFileSync(stamp, `${wanted}\n`);
  return { path: server, source: 'pip install' };
}

/** Temporal's Java time-skipping test server: jars from Maven Central, started through an `exec java` wrapper. */
async function ensureTestServer() {
  const dir = path.join(TOOLS, 'test-server');
  const lib = path.join(dir, 'lib');
  const wrapper = path.join(dir, 'temporal-test-server');
  const stamp = path.join(dir, 'pom.sha256');
  const wanted = fileHash(TEST_SERVER_POM);
  if (fs.existsSync(wrapper) && readStamp(stamp) === wanted) return { path: wrapper, source: 'cache' };

  const java = which('java');
  const mvn = which('mvn');
  if (!java || !mvn) {
    const missing = [!java && 'java (JDK 11+)', !mvn && 'mvn (Maven 3)'].filter(Boolean).join(' and ');
    log(
      `${missing} not found, so the Java time-skipping test server cannot be fetched from Maven Central. ` +
        'Time-skipping tests will let the Temporal SDK download it instead (needs internet access). ' +
        'Install a JDK and Maven (Debian: apt-get install default-jdk-headless maven) to use the local copy.',
    );
    return { path: null, source: 'sdk-download' };
  }
  log('fetching io.temporal:temporal-test-server from Maven Central (first run only)');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(lib, { recursive: true });
  await timed('test server fetch', () =>
    run(mvn, ['-q', '-B', '-f', TEST_SERVER_POM, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime']),
  );
  // C1-only JIT and the serial GC halve the JVM's start (about 1 s instead of 2+ s here): the SDK waits only 5 s.
  const script = [
    '#!/bin/sh',
    '# Generated by scripts/bootstrap.js: the Temporal SDK starts this as its `existing-path` test server.',
    `exec "${java}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -cp "${lib}/*" io.temporal.testserver.TestServer "$@"`,
    '',
  ].join('\n');
  fs.writeFileSync(wrapper, script, { mode: 0o755 });
  fs.writeFileSync(stamp, `${wanted}\n`);
  return { path: wrapper, source: 'maven' };
}

/** Serialises concurrent bootstraps (npm test and npm run demo started together). */
async function withLock(fn) {
  fs.mkdirSync(TOOLS, { recursive: true });
  const lock = path.join(TOOLS, '.lock');
  const deadline = Date.now() + 30 * 60 * 1000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - fs.statSync(lock).mtimeMs;
      if (age > 30 * 60 * 1000 || Date.now() > deadline) fs.rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The tools by the names the manifest (and the command line, as test-server) uses. */
const PROVIDERS = { temporal: ensureTemporalCli, moto: ensureMoto, testServer: ensureTestServer };
const ALL = Object.keys(PROVIDERS);

function readManifest() {
  try {
    return JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return {};
  }
}

/** An entry whose tool is there (a null path means the Temporal SDK downloads it on first use). */
function present(entry) {
  return Boolean(entry) && (entry.path === null || fs.existsSync(entry.path));
}

/** Provides the named tools (all by default) and records them in the manifest, keeping the others' entries. */
function bootstrap(names = ALL) {
  return withLock(async () => {
    // Independent of each other; the Go build dominates, so the downloads run beside it.
    const entries = await Promise.all(names.map((name) => PROVIDERS[name]()));
    const manifest = readManifest();
    names.forEach((name, i) => (manifest[name] = entries[i]));
    fs.writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  });
}

/** The manifest, after providing those of the named tools (all by default) that are not there yet. */
async function tools(names = ALL) {
  const missing = names.filter((name) => !present(readManifest()[name]));
  return missing.length === 0 ? readManifest() : bootstrap(missing);
}

module.exports = { bootstrap, tools, TOOLS, ROOT };

if (require.main === module) {
  const names = process.argv.slice(2).map((arg) => (arg === 'test-server' ? 'testServer' : arg));
  const unknown = names.filter((name) => !ALL.includes(name));
  if (unknown.length > 0) {
    log(`unknown tool ${unknown.join(', ')}; the tools are temporal, moto and test-server`);
    process.exit(2);
  }
  const wanted = names.length > 0 ? names : ALL;
  bootstrap(wanted).then(
    (manifest) => {
      for (const name of wanted) {
        const entry = manifest[name];
        log(`${name}: ${entry.path || '(SDK download on first use)'} [${entry.source}]`);
      }
    },
    (error) => {
      log(`error: ${error.message}`);
      process.exit(1);
    },
  );
}
