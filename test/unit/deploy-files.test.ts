// The deployable stack's files are checked here (no Docker engine runs on CI machines): the compose
// file parses and is consistent, and it sets up what grantflow needs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { buildTrust } from '../../src/trust/worker-trust';

const REPO = path.resolve(__dirname, '../../..');

const dependsOn = z.union([
  z.array(z.string()),
  z.record(z.string(), z.strictObject({ condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']) })),
]);
const service = z
  .strictObject({
    image: z.string().optional(),
    build: z.string().optional(),
    command: z.union([z.string(), z.array(z.string())]).optional(),
    entrypoint: z.union([z.string(), z.array(z.string())]).optional(),
    environment: z.record(z.string(), z.string()).optional(),
    ports: z.array(z.string().regex(/^\d+:\d+$/)).optional(),
    volumes: z.array(z.string()).optional(),
    depends_on: dependsOn.optional(),
    healthcheck: z.strictObject({ test: z.array(z.string()), interval: z.string(), timeout: z.string(), retries: z.number() }).optional(),
    restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
    stop_grace_period: z.string().optional(),
  })
  .refine((s) => s.image || s.build, 'a service needs an image or a build');
const compose = z.strictObject({ name: z.string(), services: z.record(z.string(), service), volumes: z.record(z.string(), z.null()).optional() });

describe('deployable stack files', function () {
  const text = fs.readFileSync(path.join(REPO, 'docker-compose.yml'), 'utf8');
  const document = parseDocument(text, { uniqueKeys: true });

  it('docker-compose.yml parses as YAML with no duplicate keys', () => {
    assert.deepEqual(
      document.errors.map((e) => e.message),
      [],
    );
  });

  const parsed = compose.safeParse(document.toJS());
  it('docker-compose.yml has the compose shape (services, dependencies, health checks, volumes)', () => {
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues, null, 2));
  });

  it('refers only to services, volumes and files that exist', () => {
    assert.ok(parsed.success);
    const { services, volumes } = parsed.data;
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const dep of deps) assert.ok(dep in services, `${name} depends on unknown service ${dep}`);
      if (!Array.isArray(s.depends_on)) {
        for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
          if (condition === 'service_healthy') assert.ok(services[dep]!.healthcheck, `${name} waits for ${dep} to be healthy, which has no healthcheck`);
        }
      }
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) assert.ok(fs.existsSync(path.join(REPO, source)), `${name} mounts missing ${source}`);
        else assert.ok(volumes && source in volumes, `${name} uses undeclared volume ${source}`);
      }
      if (s.build) assert.ok(fs.existsSync(path.join(REPO, s.build, 'Dockerfile')), `${name} builds from a folder without a Dockerfile`);
    }
  });

  it('registers every search attribute grantflow uses, with its type, and a long enough retention', () => {
    assert.ok(parsed.success);
    const setup = [parsed.data.services['temporal-setup']!.command].flat().join(' ');
    for (const key of SEARCH_ATTRIBUTES) {
      const type = key.type === 'KEYWORD' ? 'Keyword' : 'Datetime';
      assert.ok(setup.includes(`${key.name}:${type}`), `${key.name} (${type}) is not registered`);
    }
    const retention = /--retention (\d+)d/.exec(setup);
    assert.ok(retention && Number(retention[1]) >= 7, 'retention must exceed max_temporary_days (6) + 1 day');
    assert.equal(parsed.data.services.temporal!.environment!.DEFAULT_NAMESPACE_RETENTION, '8d');
  });

  it('runs the grantflow worker from the Dockerfile, which bundles workflows at build time', () => {
    assert.ok(parsed.success);
    const worker = parsed.data.services['grantflow-worker']!;
    assert.deepEqual(worker.command, ['worker']);
    assert.equal(worker.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
    const dockerfile = fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /node scripts\/bundle-workflows\.js/);
    assert.match(dockerfile, /ENTRYPOINT \["node", "bin\/grantflow\.js"\]/);
    for (const copied of [...dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)].map((m) => m[1]!)) {
      assert.ok(fs.existsSync(path.join(REPO, copied)), `the Dockerfile copies ${copied}, which does not exist`);
    }
  });

  it('ships GitHub Actions examples for pull requests (validate --all + plan) and merges (submit)', () => {
    const pr = fs.readFileSync(path.join(REPO, 'examples/github-actions/pull-request.yml'), 'utf8');
    const merge = fs.readFileSync(path.join(REPO, 'examples/github-actions/merge.yml'), 'utf8');
    for (const [file, body] of [
      ['pull-request', pr],
      ['merge', merge],
    ] as const) {
      assert.deepEqual(parseDocument(body).errors, [], `${file}.yml parses`);
    }
    assert.match(
      pr,
      /grantflow -- validate --all --worker-config \S+\n/,
      "pull requests validate every team, what lies between them, and the worker's guardrails",
    );
    assert.match(pr, /grantflow -- plan/);
    assert.match(merge, /grantflow -- submit .* --wait/);
    assert.match(merge, /GRANTFLOW_SIGNING_KEY: \$\{\{ secrets\.GRANTFLOW_SIGNING_KEY \}\}/, 'merges sign their submissions with the key CI holds as a secret');
  });

  it('ships an example worker configuration that the worker reads: a trusted key and every guardrail', () => {
    const file = path.join(REPO, 'examples/grantflow-worker.yaml');
    const { config, diagnostics } = loadWorkerConfig(file);
    assert.deepEqual(diagnostics, []);
    const built = buildTrust({ keys: config.trustedSubmitters.map((s) => ({ name: s.name, text: s.publicKey, at: s.at })), insecureAcceptUnsigned: false });
    assert.deepEqual(built.diagnostics, []);
    assert.deepEqual(
      built.trust.keys.map((k) => k.name),
      ['github-ci'],
    );
    assert.deepEqual(Object.keys(config.guardrails).sort(), [
      'deployerRole',
      'maxTemporaryDays',
      'permissionsBoundary',
      'requireMfa',
      'teamAccounts',
      'temporaryManagedPolicies',
    ]);
  });

  it('starts the worker trusting a key the operator must give (compose fails with the fix when it is missing)', () => {
    assert.ok(parsed.success);
    const worker = parsed.data.services['grantflow-worker']!;
    assert.match(worker.environment!.GRANTFLOW_TRUSTED_KEYS!, /^\$\{GRANTFLOW_TRUSTED_KEYS:\?.*grantflow keygen/);
  });
});
