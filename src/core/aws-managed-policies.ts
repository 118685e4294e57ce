// AWS managed policies known offline: whether an `arn:<partition>:iam::aws:policy/...` exists, how
// big its default version is in IAM's count, and how many statements it has. Pure lookups over the
// generated table (aws-managed-policies-table.ts); safe to import anywhere, workflow code included.
import { AWS_MANAGED_POLICIES_SOURCE, AWS_MANAGED_POLICIES_TABLE } from './aws-managed-policies-table';
import { closest } from './suggest';

export { AWS_MANAGED_POLICIES_SOURCE };

export interface AwsManagedPolicy {
  name: string;
  /** IAM path, `/` or e.g. `/service-role/`. */
  path: string;
  /** The default version's id, e.g. `v3`. */
  version: string;
  /** Non-whitespace characters of the default version's minified JSON document. */
  size: number;
  statements: number;
}

interface Index {
  bySuffix: Map<string, AwsManagedPolicy>;
  byName: Map<string, AwsManagedPolicy[]>;
  suffixes: string[];
}

let index: Index | undefined;

function load(): Index {
  if (index) return index;
  const bySuffix = new Map<string, AwsManagedPolicy>();
  const byName = new Map<string, AwsManagedPolicy[]>();
  for (const line of AWS_MANAGED_POLICIES_TABLE.split('\n')) {
    if (!line) continue;
    const [suffix, version, size, statements] = line.split(' ') as [string, string, string, string];
    const slash = suffix.lastIndexOf('/');
    const policy = { name: suffix.slice(slash + 1), path: `/${suffix.slice(0, slash + 1)}`, version, size: Number(size), statements: Number(statements) };
    bySuffix.set(suffix, policy);
    byName.set(policy.name.toLowerCase(), [...(byName.get(policy.name.toLowerCase()) ?? []), policy]);
  }
  index = { bySuffix, byName, suffixes: [...bySuffix.keys()] };
  return index;
}

const AWS_POLICY_ARN = /^arn:([a-z-]+):iam::aws:policy\/(.+)$/;

/** What follows `policy/` in the policy's ARN: `ReadOnlyAccess`, `job-function/ViewOnlyAccess`. */
export function arnSuffix(policy: Pick<AwsManagedPolicy, 'path' | 'name'>): string {
  return `${policy.path.slice(1)}${policy.name}`;
}

export function awsManagedPolicyArn(partition: string, policy: Pick<AwsManagedPolicy, 'path' | 'name'>): string {
  return `arn:${partition}:iam::aws:policy/${arnSuffix(policy)}`;
}

/** The AWS managed policy an ARN names, in any partition; undefined when the table lacks it. */
export function findAwsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  const match = AWS_POLICY_ARN.exec(arn);
  return match ? load().bySuffix.get(match[2]!) : undefined;
}

/**
 * The ARN probably meant by one the table lacks: the same name under its real path or in its real
 * letter case, else the nearest name.
 */
export function suggestAwsManagedPolicy(arn: string): string | undefined {
  const match = AWS_POLICY_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, suffix] = match as unknown as [string, string, string];
  const { byName, suffixes, bySuffix } = load();
  const name = suffix.slice(suffix.lastIndexOf('/') + 1);
  const sameName = byName.get(name.toLowerCase());
  if (sameName?.length === 1) return awsManagedPolicyArn(partition, sameName[0]!);
  const near = closest(suffix, suffixes);
  return near ? awsManagedPolicyArn(partition, bySuffix.get(near)!) : undefined;
}

/** Every policy in the table, sorted by ARN. */
export function allAwsManagedPolicies(): AwsManagedPolicy[] {
  return [...load().bySuffix.values()];
}
