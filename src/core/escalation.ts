// The published privilege-escalation paths in AWS (Rhino Security Labs' list and its successors):
// actions that let a principal give itself, or act as, something more powerful than it was granted.
// Pure data and matching; the rule that warns about them is rules/escalation.ts.
import { bareOperator, hasWildcard, wildcardRegex } from './actions';

export interface EscalationPath {
  /** `service:Action` as AWS spells it. */
  action: string;
  /**
   * `alone`: the action by itself is the path. `with-pass-role`: only together with an `iam:PassRole`
   * that neither its resources nor an `iam:PassedToService` condition limit. `on-any-role`: only when
   * its resources include every role.
   */
  needs: 'alone' | 'with-pass-role' | 'on-any-role';
  /** What it enables, completing "…, which lets a principal …". */
  enables: string;
  /** The action is harmless when every resource is the caller's own user (`${aws:username}`). */
  selfIsSafe?: true;
  /** The path is closed when an `iam:PolicyARN` condition keeps administrator policies out. */
  policyArnLimits?: true;
}

const alone = (action: string, enables: string, limits: Pick<EscalationPath, 'selfIsSafe' | 'policyArnLimits'> = {}): EscalationPath => ({
  action,
  needs: 'alone',
  enables,
  ...limits,
});
const withPassRole = (action: string, enables: string): EscalationPath => ({ action, needs: 'with-pass-role', enables });

export const ESCALATION_PATHS: readonly EscalationPath[] = [
  alone('iam:CreatePolicyVersion', 'write a new default version, allowing everything, of a managed policy it holds'),
  alone('iam:SetDefaultPolicyVersion', 'switch a policy it holds back to an older, broader version'),
  alone('iam:AttachUserPolicy', 'attach any managed policy, AdministratorAccess included, to a user such as itself', { policyArnLimits: true }),
  alone('iam:AttachGroupPolicy', 'attach any managed policy to a group it belongs to', { policyArnLimits: true }),
  alone('iam:AttachRolePolicy', 'attach any managed policy to a role it can assume', { policyArnLimits: true }),
  alone('iam:PutUserPolicy', 'write an inline policy allowing anything into a user such as itself'),
  alone('iam:PutGroupPolicy', 'write an inline policy allowing anything into a group it belongs to'),
  alone('iam:PutRolePolicy', 'write an inline policy allowing anything into a role it can assume'),
  alone('iam:CreateAccessKey', 'create access keys for another user and act as that user', { selfIsSafe: true }),
  alone('iam:CreateLoginProfile', 'give another user a console password and sign in as that user', { selfIsSafe: true }),
  alone('iam:UpdateLoginProfile', "change another user's console password and sign in as that user", { selfIsSafe: true }),
  alone('iam:AddUserToGroup', 'add itself to a more privileged group'),
  alone('iam:UpdateAssumeRolePolicy', "rewrite a role's trust policy so that it can assume the role"),
  alone('iam:PutUserPermissionsBoundary', 'widen the permissions boundary that caps a user'),
  alone('iam:DeleteUserPermissionsBoundary', 'remove the permissions boundary that caps a user'),
  alone('iam:PutRolePermissionsBoundary', 'widen the permissions boundary that caps a role'),
  alone('iam:DeleteRolePermissionsBoundary', 'remove the permissions boundary that caps a role'),
  { action: 'sts:AssumeRole', needs: 'on-any-role', enables: 'assume any role whose trust policy admits this account' },
  alone('lambda:UpdateFunctionCode', 'replace the code of a function that runs as a more privileged role'),
  alone('lambda:UpdateFunctionConfiguration', "add a layer that runs its own code inside a function, with the function's role"),
  alone('glue:UpdateDevEndpoint', "put its SSH key on an existing Glue development endpoint and use the endpoint's role"),
  alone('sagemaker:CreatePresignedNotebookInstanceUrl', "open an existing notebook instance and use the instance's role"),
  alone('ssm:SendCommand', "run commands on an instance and use the instance's role"),
  alone('ssm:StartSession', "open a shell on an instance and use the instance's role"),
  alone('ec2-instance-connect:SendSSHPublicKey', "push an SSH key to an instance and use the instance's role"),
  alone('codebuild:StartBuild', "override an existing project's buildspec and run code as the project's role"),
  withPassRole('ec2:RunInstances', 'launch an instance with a more privileged role and read its credentials'),
  withPassRole('lambda:CreateFunction', 'create a function with a more privileged role and run it'),
  withPassRole('cloudformation:CreateStack', 'create a stack that builds anything as a more privileged role'),
  withPassRole('cloudformation:UpdateStack', 'update a stack so that it builds anything as a more privileged role'),
  withPassRole('cloudformation:CreateChangeSet', 'run a change set that builds anything as a more privileged role'),
  withPassRole('glue:CreateDevEndpoint', 'create a Glue development endpoint with a more privileged role and log in to it'),
  withPassRole('glue:CreateJob', 'create a Glue job that runs code as a more privileged role'),
  withPassRole('glue:UpdateJob', 'point a Glue job at a more privileged role and its own code'),
  withPassRole('datapipeline:CreatePipeline', 'create a Data Pipeline that runs commands as a more privileged role'),
  withPassRole('sagemaker:CreateNotebookInstance', 'create a notebook instance with a more privileged role and open it'),
  withPassRole('sagemaker:CreateTrainingJob', 'run a training job as a more privileged role'),
  withPassRole('sagemaker:CreateProcessingJob', 'run a processing job as a more privileged role'),
  withPassRole('codebuild:CreateProject', 'create a build project that runs code as a more privileged role'),
  withPassRole('codebuild:UpdateProject', 'point a build project at a more privileged role'),
  withPassRole('ecs:RegisterTaskDefinition', 'run a task as a more privileged role'),
  withPassRole('apprunner:CreateService', 'create an App Runner service that runs as a more privileged role'),
  withPassRole('codestar:CreateProject', 'create a CodeStar project that builds anything as a more privileged role'),
];

export const PASS_ROLE = 'iam:PassRole';

const byLowerAction = new Map(ESCALATION_PATHS.map((p) => [p.action.toLowerCase(), p]));
const memo = new Map<string, readonly EscalationPath[]>();

/** The escalation paths an action pattern (`iam:Put*Policy`, `*`) stands for, without the catalogue. */
export function escalationsIn(pattern: string): readonly EscalationPath[] {
  const key = pattern.toLowerCase();
  let found = memo.get(key);
  if (!found) {
    if (key === '*') found = ESCALATION_PATHS;
    else if (!hasWildcard(key)) found = byLowerAction.has(key) ? [byLowerAction.get(key)!] : [];
    else {
      const regex = wildcardRegex(key);
      found = ESCALATION_PATHS.filter((p) => regex.test(p.action));
    }
    if (memo.size > 10_000) memo.clear();
    memo.set(key, found);
  }
  return found;
}

/** Whether an action pattern covers `iam:PassRole`. */
export function coversPassRole(pattern: string): boolean {
  const key = pattern.toLowerCase();
  if (!hasWildcard(key)) return key === 'iam:passrole';
  // Only a pattern starting with "i", "*" or "?" can match; that skips the regex for nearly all of them.
  return 'i*?'.includes(key[0]!) && wildcardRegex(key).test(PASS_ROLE);
}

// Two role ARNs no one would write on purpose: a resource pattern that matches them matches every role.
const ANY_ROLE_PROBES = ['arn:aws:iam::123456789012:role/q7Zx3Probe', 'arn:aws:iam::123456789012:role/deep/path/k9Wv2Probe'];

/**
 * Whether a resource pattern lets the statement act on every role of an account (`*`,
 * `arn:aws:iam::*:role/*`, `arn:aws:iam::111111111111:role/*`, …), whatever its partition and account.
 */
export function coversEveryRole(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return false;
  const regex = wildcardRegex(['arn', 'aws', parts[2], parts[3], '123456789012', ...parts.slice(5)].join(':'));
  return ANY_ROLE_PROBES.every((probe) => regex.test(probe));
}

/** Every resource is the caller's own user: `arn:aws:iam::*:user/${aws:username}`. */
export function onlySelf(resources: readonly string[]): boolean {
  return resources.length > 0 && resources.every((r) => /:user\/(?:[^:]*\/)?\$\{aws:username\}$/i.test(r));
}

/** AWS managed policies that amount to administrator or IAM-administrator access. */
export const ADMIN_MANAGED_POLICIES = ['AdministratorAccess', 'IAMFullAccess', 'PowerUserAccess'];

const LIMITING_OPERATORS = new Set(['StringEquals', 'StringLike', 'StringEqualsIgnoreCase', 'ArnEquals', 'ArnLike']);

/** Whether a positive condition on `key` lists values none of which `tooBroad` rejects. */
function conditionLimits(condition: Condition | undefined, key: string, tooBroad: (value: string) => boolean): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    if (!LIMITING_OPERATORS.has(bareOperator(operator))) continue;
    for (const [name, value] of Object.entries(entries)) {
      if (name.toLowerCase() !== key) continue;
      const values = [value].flat().map(String);
      if (values.length > 0 && !values.some(tooBroad)) return true;
    }
  }
  return false;
}

type Condition = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** Whether a statement's conditions limit which services it may pass a role to (`iam:PassedToService`). */
export function limitsPassedToService(condition: Condition | undefined): boolean {
  return conditionLimits(condition, 'iam:passedtoservice', (v) => v === '*');
}

/** Whether an `iam:PolicyARN` condition keeps every administrator policy from being attached. */
export function limitsPolicyArn(condition: Condition | undefined, partition = 'aws'): boolean {
  const admin = ADMIN_MANAGED_POLICIES.map((name) => `arn:${partition}:iam::aws:policy/${name}`);
  return conditionLimits(condition, 'iam:policyarn', (v) => admin.some((arn) => wildcardRegex(v).test(arn)));
}
