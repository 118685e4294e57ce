// AWS errors, turned into errors that say what failed, where, and how to fix it, and whether a
// retry can help. Temporal's retry policy does the retrying (the SDK's own makes two quick tries at
// most). IAM's modelled errors are recognised by the SDK's exception classes; AccessDenied and
// throttling have no class of their own and are recognised by their error code.
import {
  ConcurrentModificationException,
  InvalidInputException,
  LimitExceededException,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  ServiceFailureException,
} from '@aws-sdk/client-iam';

export type AwsErrorType =
  | 'PrincipalNotFound'
  | 'PolicyNotFound'
  | 'DeployerRoleDenied'
  | 'AccessDenied'
  /** The principal lacks the permission boundary the grant requires (nothing was granted): BOUNDARY_MISSING. */
  | 'BoundaryMissing'
  | 'LimitExceeded'
  | 'MalformedPolicy'
  | 'NotOwnedByGrantflow'
  | 'IamUnavailable'
  /** The workflow gave up on the attempt (cancelled, timed out); nothing more is sent. */
  | 'Abandoned'
  /** IAM Identity Center (identity-center-errors.ts): no such user or group, or a name two match, */
  | 'IdentityNotFound'
  | 'IdentityAmbiguous'
  /** no such permission set, an assignment that failed, the service throttling or down, or no instance configured. */
  | 'PermissionSetNotFound'
  | 'AssignmentFailed'
  | 'IdentityCenterUnavailable'
  | 'IdentityCenterNotConfigured'
  | 'Unexpected';

export class GrantflowAwsError extends Error {
  constructor(
    readonly type: AwsErrorType,
    message: string,
    readonly retryable: boolean,
    readonly awsCode?: string,
  ) {
    super(message);
    this.name = type;
  }
}

/** IAM could not be read at all (no credentials, the deployer role refused, IAM down): a read-only command cannot tell the truth, so it exits 3. */
export class IamUnreadable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IamUnreadable';
  }
}

export interface CallContext {
  account: string;
  environment?: string;
  operation: string;
  principalType?: 'user' | 'role';
  principal?: string;
  policyArn?: string;
  roleArn?: string;
  /**
   * Until this moment (epoch ms), "no such user or policy" is taken for IAM's propagation delay (a
   * user or policy created a moment ago is not yet visible everywhere) and is retried.
   */
  notFoundRetryUntil?: number;
}

interface AwsLikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown']);

export function accountLabel(context: Pick<CallContext, 'account' | 'environment'>): string {
  return context.environment ? `${context.environment} (${context.account})` : context.account;
}

export function awsErrorCode(error: unknown): string {
  const e = error as AwsLikeError;
  return e?.name && e.name !== 'Error' ? e.name : (e?.Code ?? e?.code ?? 'Error');
}

export function isNoSuchEntity(error: unknown): boolean {
  return error instanceof NoSuchEntityException;
}

export function isNetworkError(error: unknown): boolean {
  const e = error as AwsLikeError & { cause?: AwsLikeError };
  const code = e?.code ?? e?.cause?.code;
  return (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    /socket hang up|ECONNREFUSED|ECONNRESET|timed? ?out|EPIPE|network/i.test(e?.message ?? '') ||
    e?.name === 'TimeoutError'
  );
}

/** What a caller should see for an error from `operation`. */
export function classifyAwsError(error: unknown, context: CallContext): GrantflowAwsError {
  if (error instanceof GrantflowAwsError) return error;
  const e = error as AwsLikeError;
  const code = awsErrorCode(error);
  const status = e?.$metadata?.httpStatusCode;
  const awsMessage = e?.message ?? String(error);
  const where = `account ${accountLabel(context)}`;
  const who = context.principal ? `${context.principalType ?? 'user'} ${context.principal}` : undefined;

  const propagating = context.notFoundRetryUntil !== undefined && Date.now() < context.notFoundRetryUntil;
  const retryingUntil = propagating ? `; retrying until ${new Date(context.notFoundRetryUntil!).toISOString()} in case IAM has not propagated it yet` : '';
  if (isNoSuchEntity(error) && context.principal && !context.policyArn) {
    const create =
      context.principalType === 'role'
        ? `aws iam create-role --role-name ${context.principal} --assume-role-policy-document file://trust.json`
        : `aws iam create-user --user-name ${context.principal}`;
    return new GrantflowAwsError(
      'PrincipalNotFound',
      `IAM ${who} does not exist in ${where}. IAM users and roles must exist before access is granted: ` +
        `create it with \`${create}\` using credentials for account ${context.account}, or fix the name in the YAML${retryingUntil}`,
      propagating,
      code,
    );
  }
  if (isNoSuchEntity(error) && context.policyArn) {
    return new GrantflowAwsError(
      'PolicyNotFound',
      `managed policy ${context.policyArn} does not exist in ${where} (${context.operation}: ${awsMessage}); fix the ARN in aws-policies${retryingUntil}`,
      propagating,
      code,
    );
  }
  const denied = code === 'AccessDenied' || status === 403;
  if (context.operation === 'AssumeRole' && denied) {
    return new GrantflowAwsError(
      'DeployerRoleDenied',
      `cannot assume the deployer role ${context.roleArn} in ${where}: ${awsMessage}. Check that the role exists and that its ` +
        'trust policy allows the credentials grantflow runs with (`grantflow deployer-policy` prints both policies)',
      false,
      code,
    );
  }
  if (denied) {
    return new GrantflowAwsError(
      'AccessDenied',
      `the deployer role may not call iam:${context.operation} in ${where}${who ? ` on ${who}` : ''}: ${awsMessage}. ` +
        'Update the role policy from `grantflow deployer-policy`',
      false,
      code,
    );
  }
  // SDK v3 treats LimitExceeded as throttling and would retry it; it is a quota, and retrying cannot help.
  if (error instanceof LimitExceededException) {
    return new GrantflowAwsError(
      'LimitExceeded',
      `IAM limit reached in ${where}${who ? ` for ${who}` : ''} during ${context.operation}: ${awsMessage}. ` +
        'Detach or remove something first, or raise the quota with Service Quotas',
      false,
      code,
    );
  }
  if (error instanceof MalformedPolicyDocumentException || error instanceof InvalidInputException) {
    return new GrantflowAwsError('MalformedPolicy', `IAM refused ${context.operation} in ${where}: ${awsMessage}`, false, code);
  }
  if (
    THROTTLING.has(code) ||
    (status !== undefined && status >= 500) ||
    error instanceof ServiceFailureException ||
    error instanceof ConcurrentModificationException ||
    isNetworkError(error)
  ) {
    return new GrantflowAwsError(
      'IamUnavailable',
      `IAM ${context.operation} in ${where} failed and will be retried: ${code}${status ? ` (HTTP ${status})` : ''}: ${awsMessage}`,
      true,
      code,
    );
  }
  return new GrantflowAwsError('Unexpected', `${context.operation} in ${where} failed: ${code}: ${awsMessage}`, true, code);
}
