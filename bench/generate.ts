// Generated team configs for benchmarks: as many grants as asked, written as the YAML users write.
import fs from 'node:fs';
import path from 'node:path';

export const BENCH_ACCOUNTS = ['111111111111', '222222222222', '333333333333'];

/** `count` account ids: the three above first, then made-up ones, for an organisation's worth of accounts. */
export function benchAccounts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => BENCH_ACCOUNTS[i] ?? String(400_000_000_000 + i));
}

export interface GeneratedTeam {
  dir: string;
  team: string;
  /** IAM users the grants need, by account. */
  users: Record<string, string[]>;
  grants: number;
}

function write(dir: string, kind: string, team: string, text: string): void {
  fs.mkdirSync(path.join(dir, kind), { recursive: true });
  fs.writeFileSync(path.join(dir, kind, `${team}.yaml`), text);
}

function accountsYaml(accounts: readonly string[] = BENCH_ACCOUNTS): string {
  return `aws-accounts:\n${accounts.map((a, i) => `  env${i}: "${a}"`).join('\n')}\n`;
}

const POLICIES = `aws-policies:
  reader:
    description: "Read only"
    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    custom_statements:
      - effect: Allow
        actions: ["s3:ListBucket", "s3:GetObject", "ec2:DescribeInstances"]
        resources: ["*"]
  auditor:
    description: "Audit"
    managed_policies: ["arn:aws:iam::aws:policy/SecurityAudit"]
`;

/** `count` permanent grants spread evenly over the accounts (the first `accounts` of the three): one user × account × policy each. */
export function permanentTeam(dir: string, team: string, count: number, userPrefix = 'u', accounts: readonly string[] = BENCH_ACCOUNTS): GeneratedTeam {
  const perAccount = Math.ceil(count / accounts.length);
  const users: Record<string, string[]> = {};
  const entries: string[] = [];
  accounts.forEach((account, i) => {
    const names = Array.from({ length: perAccount }, (_, j) => `${userPrefix}${i}-${j}`).slice(0, Math.max(0, count - i * perAccount));
    users[account] = names;
    if (names.length)
      entries.push(
        `  - description: "readers in env${i}"\n    users:\n${names.map((n) => `      - ${n}@example.com`).join('\n')}\n    environments: [env${i}]\n    grants: [reader]`,
      );
  });
  write(dir, 'aws-accounts', team, accountsYaml(accounts));
  write(dir, 'aws-policies', team, POLICIES);
  write(dir, 'permanent-access', team, `permanent-access:\n${entries.join('\n')}\n`);
  return { dir, team, users, grants: count };
}

/** `count` temporary grants in the first account, one user each, all expiring at `expiresAt`. */
export function temporaryTeam(dir: string, team: string, count: number, expiresAt: string, userPrefix = 't'): GeneratedTeam {
  const names = Array.from({ length: count }, (_, j) => `${userPrefix}${j}`);
  write(dir, 'aws-accounts', team, accountsYaml());
  write(dir, 'aws-policies', team, POLICIES);
  write(
    dir,
    'temporary-access',
    team,
    `temporary-access:\n${names.map((n) => `  - description: "tmp ${n}"\n    user: ${n}@example.com\n    environment: env0\n    grant: reader\n    expiration_date: "${expiresAt}"`).join('\n')}\n`,
  );
  return { dir, team, users: { [BENCH_ACCOUNTS[0]!]: names }, grants: count };
}

/** The validate benchmark's config: `temporary` temporary and `permanent` permanent entries. */
export function largeTeam(dir: string, team: string, temporary: number, permanent: number, nowMs: number): GeneratedTeam {
  const expiry = (i: number) => new Date(nowMs + (1 + (i % 100)) * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  write(dir, 'aws-accounts', team, accountsYaml());
  write(dir, 'aws-policies', team, POLICIES);
  write(
    dir,
    'permanent-access',
    team,
    `permanent-access:\n${Array.from({ length: permanent }, (_, i) => `  - description: "p${i}"\n    users: [p${i}@example.com]\n    environments: [env${i % 3}]\n    grants: [${i % 2 ? 'reader' : 'auditor'}]`).join('\n')}\n`,
  );
  write(
    dir,
    'temporary-access',
    team,
    `temporary-access:\n${Array.from({ length: temporary }, (_, i) => `  - description: "t${i}"\n    user: t${i}@example.com\n    environment: env${i % 3}\n    grant: auditor\n    expiration_date: "${expiry(i)}"\n    ticket: T-${i}`).join('\n')}\n`,
  );
  return { dir, team, users: {}, grants: temporary + permanent };
}
