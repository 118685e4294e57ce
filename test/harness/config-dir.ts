// Team config folders on disk for tests: a valid base team, with any file replaced; folders of
// several teams (writeFolder), and LOOK_ALIKES: teams a and a-b, whose team and policy names read alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FileKind } from '../../src/core/team-config';

/** The moment config tests validate at (--now), so dates in fixtures never go stale. */
export const NOW = '2026-06-01T00:00:00Z';

/** The kinds of file the base team has: every kind but break-glass rules, which a test adds where it needs them. */
export type BaseKind = Exclude<FileKind, 'break-glass'>;

export const BASE: Record<BaseKind, string> = {
  'aws-accounts': `aws-accounts:
  nonprod: "111111111111"
  prod: "222222222222"
`,
  'aws-policies': `aws-policies:
  reader:
    description: "Read only"
    managed_policies:
      - "arn:aws:iam::aws:policy/ReadOnlyAccess"
    custom_statements:
      - effect: "Allow"
        actions: ["s3:ListBucket", "ec2:DescribeInstances"]
        resources: ["*"]
  breakglass:
    description: "Break glass"
    managed_policies:
      - "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
`,
  'permanent-access': `permanent-access:
  - description: Readers
    users:
      - alice@example.com
    roles:
      - ci-role
    environments:
      - nonprod
    grants:
      - reader
`,
  'temporary-access': `temporary-access:
  - description: Debug prod
    user: bob@example.com
    environment: prod
    grant: reader
    expiration_date: 2026-06-03
`,
};

/** Writes the base team (named `team`) with `overrides` replacing whole files (null deletes one). */
export function writeTeam(overrides: Partial<Record<FileKind | 'grantflow', string | null>> = {}, team = 'team'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-config-'));
  const files: Partial<Record<FileKind, string | null>> = { ...BASE, ...overrides };
  for (const [kind, text] of Object.entries(files) as [FileKind | 'grantflow', string | null | undefined][]) {
    if (kind === 'grantflow' || text === null || text === undefined) continue;
    fs.mkdirSync(path.join(dir, kind), { recursive: true });
    fs.writeFileSync(path.join(dir, kind, `${team}.yaml`), text);
  }
  if (typeof overrides.grantflow === 'string') fs.writeFileSync(path.join(dir, 'grantflow.yaml'), overrides.grantflow);
  return dir;
}

/** The 1-based line of the line marked with `#<` in a fixture text. */
export function markedLine(text: string): number {
  const index = text.split('\n').findIndex((line) => line.includes('#<'));
  if (index < 0) throw new Error('fixture has no #< marker');
  return index + 1;
}

/** A config folder of several teams: each team's files by kind. */
export type Folder = Record<string, Partial<Record<FileKind, string>>>;

/** Writes every team of `teams` into one new config folder. */
export function writeFolder(teams: Folder): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-all-'));
  for (const [team, files] of Object.entries(teams)) {
    for (const [kind, text] of Object.entries(files)) {
      fs.mkdirSync(path.join(dir, kind), { recursive: true });
      fs.writeFileSync(path.join(dir, kind, `${team}.yaml`), text);
    }
  }
  return dir;
}

/** An aws-accounts file with one environment, prod. */
export const accountsYaml = (prod: string) => `aws-accounts:\n  prod: "${prod}"\n`;
/** An aws-policies file with one policy: ReadOnlyAccess and one custom action. */
export const policyYaml = (name: string, action: string) =>
  `aws-policies:\n  ${name}:\n    description: "${name}"\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]\n    custom_statements:\n      - effect: Allow\n        actions: ["${action}"]\n        resources: ["*"]\n`;
/** A permanent-access file granting `user`@example.com the policy `name` in prod. */
export const grantYaml = (user: string, name: string) =>
  `permanent-access:\n  - description: "${user}"\n    users: [${user}@example.com]\n    environments: [prod]\n    grants: [${name}]\n`;

/** Team `a` with policy `b-c` and team `a-b` with policy `c`, both in account 111111111111, both granting alice. */
export const LOOK_ALIKES: Folder = {
  a: { 'aws-accounts': accountsYaml('111111111111'), 'aws-policies': policyYaml('b-c', 's3:GetObject'), 'permanent-access': grantYaml('alice', 'b-c') },
  'a-b': { 'aws-accounts': accountsYaml('111111111111'), 'aws-policies': policyYaml('c', 'ec2:RebootInstances'), 'permanent-access': grantYaml('alice', 'c') },
  x: { 'aws-accounts': accountsYaml('999999999999'), 'aws-policies': policyYaml('p', 's3:ListBucket'), 'permanent-access': grantYaml('carol', 'p') },
};
