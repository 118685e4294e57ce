// grantflow's policy lint beside parliament's (duo-labs, a PyPI package run from its own virtual
// environment in .tools/parliament-venv; never part of grantflow), on every AWS managed policy that
// the pinned moto bundles and on a handful of deliberately bad policies. Prints the Markdown tables
// of docs/LINT.md. Run: npm run build && node lib/bench/parliament-compare.js [--sample N]
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Diagnostic } from '../src/core/diagnostics';
import { lintPoliciesFile, policiesInput, type PolicyDocument } from '../test/harness/policy-lint';

const ROOT = path.resolve(__dirname, '..', '..');
const VENV = path.join(ROOT, '.tools', 'parliament-venv');
const REQUIREMENTS = path.join(ROOT, 'tools', 'parliament', 'requirements.txt');

const log = (message: string) => process.stderr.write(`parliament-compare: ${message}\n`);

/** Creates or refreshes the virtual environment when the pinned requirements change. */
function ensureParliament(): string {
  const python = path.join(VENV, 'bin', 'python');
  const stamp = path.join(VENV, 'requirements.sha256');
  const wanted = crypto.createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).digest('hex');
  if (fs.existsSync(python) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) return python;
  log(`installing ${fs.readFileSync(REQUIREMENTS, 'utf8').match(/^parliament==\S+/m)?.[0]} into ${path.relative(ROOT, VENV)}`);
  fs.rmSync(VENV, { recursive: true, force: true });
  execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS], { stdio: 'inherit' });
  fs.writeFileSync(stamp, wanted);
  return python;
}

// parliament as its command line runs it with --include-community-auditors: every finding of
// severity LOW and above, with the community auditors' settings.
const PARLIAMENT_RUNNER = `
import json, sys, warnings
warnings.filterwarnings("ignore")
from pathlib import Path
import parliament
from parliament import analyze_policy_string, enhance_finding, override_config
from parliament.cli import is_finding_filtered
override_config(Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml")
documents = json.load(open(sys.argv[1]))
out = {}
for name, document in documents.items():
    found = []
    try:
        for finding in analyze_policy_string(json.dumps(document), include_community_auditors=True).findings:
            finding = enhance_finding(finding)
            if not is_finding_filtered(finding):
                found.append({"issue": finding.issue, "severity": finding.severity})
    except Exception as error:
        # parliament's own command line stops here; count it and go on with the next policy
        found.append({"issue": "CRASH", "severity": "CRITICAL", "detail": str(error)})
    out[name] = found
json.dump({"version": parliament.__version__, "findings": out}, open(sys.argv[2], "w"))
`;

interface ParliamentFinding {
  issue: string;
  severity: string;
  detail?: string;
}

type ParliamentRun = { version: string; findings: Record<string, ParliamentFinding[]>; cached?: boolean };

/** parliament's findings, kept beside its venv by input, so that a rerun after a grantflow change is quick. */
function runParliament(python: string, documents: Record<string, PolicyDocument>): ParliamentRun {
  const input = JSON.stringify(documents);
  const key = crypto.createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).update(PARLIAMENT_RUNNER).update(input).digest('hex').slice(0, 16);
  const cached = path.join(VENV, `findings-${key}.json`);
  if (fs.existsSync(cached)) return { ...(JSON.parse(fs.readFileSync(cached, 'utf8')) as ParliamentRun), cached: true };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-parliament-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.json'), input);
    execFileSync(python, ['-c', PARLIAMENT_RUNNER, path.join(dir, 'in.json'), cached], { stdio: ['ignore', 'ignore', 'inherit'] });
    return JSON.parse(fs.readFileSync(cached, 'utf8')) as ParliamentRun;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const doc = (...statements: Record<string, unknown>[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action: action, Resource: '*', ...extra });

/** Deliberately bad policies, one mistake each. */
const BAD: Record<string, { what: string; document: PolicyDocument }> = {
  'unknown-action': { what: 'unknown action `s3:GetObjekt`', document: doc(allow('s3:GetObjekt')) },
  'unknown-prefix': { what: 'unknown service prefix `s4:GetObject`', document: doc(allow('s4:GetObject')) },
  'no-prefix': { what: 'action without a service prefix `GetObject`', document: doc(allow('GetObject')) },
  'unknown-operator': {
    what: 'condition operator `StringEqual`',
    document: doc(allow('s3:GetObject', { Condition: { StringEqual: { 'aws:RequestedRegion': 'eu-west-1' } } })),
  },
  'bad-date': {
    what: '`DateLessThan aws:CurrentTime "soon"`',
    document: doc(allow('s3:GetObject', { Condition: { DateLessThan: { 'aws:CurrentTime': 'soon' } } })),
  },
  'unknown-key': { what: 'condition key `aws:SouceIp`', document: doc(allow('s3:GetObject', { Condition: { IpAddress: { 'aws:SouceIp': '10.0.0.0/8' } } })) },
  'duplicate-sid': { what: 'two statements with Sid `A`', document: doc({ Sid: 'A', ...allow('s3:GetObject') }, { Sid: 'A', ...allow('s3:PutObject') }) },
  'not-an-arn': { what: 'resource `my-bucket`', document: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'my-bucket' }) },
  'create-policy-version': { what: 'escalation: `iam:CreatePolicyVersion`', document: doc(allow('iam:CreatePolicyVersion')) },
  'pass-role-run-instances': { what: 'escalation: `iam:PassRole` + `ec2:RunInstances`', document: doc(allow(['iam:PassRole', 'ec2:RunInstances'])) },
  'update-dev-endpoint': { what: 'escalation: `glue:UpdateDevEndpoint`', document: doc(allow('glue:UpdateDevEndpoint')) },
  'pass-role-scoped': {
    what: '`iam:PassRole` limited by `iam:PassedToService`',
    document: doc(allow('iam:PassRole', { Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } })),
  },
  admin: { what: '`*` on `*`', document: doc(allow('*')) },
};

/** The questions both tools answer, with how each one's findings answer them. */
const TOPICS: { topic: string; grantflow: string[]; parliament: string[] }[] = [
  { topic: 'unknown action', grantflow: ['unknown-action'], parliament: ['UNKNOWN_ACTION'] },
  { topic: 'unknown service prefix', grantflow: ['unknown-service'], parliament: ['UNKNOWN_PREFIX'] },
  { topic: 'malformed action', grantflow: ['malformed-action'], parliament: ['EXCEPTION', 'MALFORMED'] },
  { topic: 'unknown condition operator', grantflow: ['unknown-operator'], parliament: ['UNKNOWN_OPERATOR'] },
  { topic: 'condition value of the wrong type', grantflow: ['malformed-condition'], parliament: ['MISMATCHED_TYPE', 'MISMATCHED_TYPE_OPERATION_TO_NULL'] },
  { topic: 'condition key', grantflow: ['unknown-condition-key'], parliament: ['UNKNOWN_CONDITION_FOR_ACTION'] },
  { topic: 'duplicate Sid', grantflow: ['duplicate-sid'], parliament: ['DUPLICATE_SID'] },
  { topic: 'malformed resource', grantflow: ['malformed-resource'], parliament: ['INVALID_ARN'] },
  { topic: 'privilege escalation', grantflow: ['privilege-escalation', 'pass-role'], parliament: ['PRIVILEGE_ESCALATION'] },
  { topic: 'Allow with NotResource', grantflow: ['allow-not-resource'], parliament: ['NOTRESOURCE_WITH_ALLOW'] },
  { topic: 'every action on every resource, Allow with NotAction', grantflow: ['admin-access', 'allow-not-action'], parliament: [] },
  { topic: 'size over 6,144 (customer-managed)', grantflow: ['policy-size'], parliament: [] },
];

type Findings = Map<string, { grantflow: Set<string>; parliament: Set<string> }>;

function collect(names: readonly string[], diagnostics: readonly Diagnostic[], parliament: Record<string, ParliamentFinding[]>): Findings {
  const out: Findings = new Map(names.map((n) => [n, { grantflow: new Set<string>(), parliament: new Set<string>() }]));
  for (const d of diagnostics) out.get(d.file)?.grantflow.add(d.kind ?? 'other');
  for (const [name, found] of Object.entries(parliament)) for (const f of found) out.get(name)?.parliament.add(f.issue);
  return out;
}

const count = (findings: Findings, pick: (f: { grantflow: Set<string>; parliament: Set<string> }) => boolean) => [...findings.values()].filter(pick).length;

function topicTable(findings: Findings): string {
  const examples = (pick: (f: { grantflow: Set<string>; parliament: Set<string> }) => boolean) => {
    const names = [...findings].filter(([, f]) => pick(f)).map(([n]) => n);
    return names.length ? `${names.length} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})` : '0';
  };
  const rows = TOPICS.map(({ topic, grantflow, parliament }) => {
    const g = (f: { grantflow: Set<string> }) => grantflow.some((k) => f.grantflow.has(k));
    const p = (f: { parliament: Set<string> }) => parliament.some((k) => f.parliament.has(k));
    return `| ${topic} | ${count(findings, (f) => g(f) && p(f))} | ${examples((f) => g(f) && !p(f))} | ${parliament.length ? examples((f) => !g(f) && p(f)) : 'n/a'} |`;
  });
  return ['| finding | both | grantflow only | parliament only |', '|---|---|---|---|', ...rows].join('\n');
}

function tally<T>(items: readonly T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

async function main(): Promise<void> {
  const sampleAt = process.argv.indexOf('--sample');
  const sample = sampleAt > 0 ? Number(process.argv[sampleAt + 1]) : undefined;
  const python = ensureParliament();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const generator = require(path.join(ROOT, 'scripts', 'aws-managed-policies.js')) as {
    readMotoManagedPolicies(): Promise<{ version: string; policies: Record<string, { Document: PolicyDocument }> }>;
  };
  const moto = await generator.readMotoManagedPolicies();
  let names = Object.keys(moto.policies).sort();
  if (sample) names = names.filter((_, i) => i % Math.ceil(names.length / sample) === 0);
  const managed = Object.fromEntries(names.map((n) => [n, moto.policies[n]!.Document]));

  log(`grantflow on ${names.length} AWS managed policies`);
  const started = Date.now();
  const ours = await lintPoliciesFile(policiesInput(managed));
  const oursMs = Date.now() - started;
  log(`parliament on the same (this takes minutes)`);
  const t0 = Date.now();
  const theirs = runParliament(python, managed);
  const theirsMs = Date.now() - t0;
  const findings = collect(names, ours, theirs.findings);

  const bad = Object.fromEntries(Object.entries(BAD).map(([n, b]) => [n, b.document]));
  const oursBad = await lintPoliciesFile(policiesInput(bad));
  const theirsBad = runParliament(python, bad);

  const severity = (d: Diagnostic) => `${d.severity} ${d.kind ?? 'other'}`;
  const parliamentAll = Object.values(theirs.findings).flat();
  const out: string[] = [];
  out.push(`## AWS managed policies: moto ${moto.version}, ${names.length} policies`, '');
  out.push(
    `grantflow (${oursMs} ms): ${ours.filter((d) => d.severity === 'error').length} errors in ${count(findings, (f) => [...f.grantflow].includes('policy-size'))} policies; ${tally(ours, severity)}.`,
    '',
  );
  const took = theirs.cached ? `findings kept from an earlier run in ${path.relative(ROOT, VENV)}` : `${Math.round(theirsMs / 1000)} s`;
  out.push(
    `parliament ${theirs.version} (${took}): ${parliamentAll.length} findings in ${count(findings, (f) => f.parliament.size > 0)} policies; ${tally(parliamentAll, (f) => `${f.severity} ${f.issue}`)}.`,
    '',
  );
  const crashes = Object.entries(theirs.findings).flatMap(([name, found]) => found.filter((f) => f.issue === 'CRASH').map((f) => `${name} (${f.detail})`));
  if (crashes.length) out.push(`parliament stopped with an exception on ${crashes.length} policies: ${crashes.join('; ')}.`, '');
  out.push('Policies flagged, by finding:', '', topicTable(findings), '');
  out.push('## Deliberately bad policies', '', '| policy | grantflow | parliament |', '|---|---|---|');
  for (const [name, { what }] of Object.entries(BAD)) {
    const g = [...new Set(oursBad.filter((d) => d.file === name).map(severity))].join(', ') || '—';
    const p = [...new Set((theirsBad.findings[name] ?? []).map((f) => `${f.severity} ${f.issue}`))].join(', ') || '—';
    out.push(`| ${what} | ${g} | ${p} |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
