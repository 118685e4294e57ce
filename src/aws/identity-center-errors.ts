// IAM Identity Center's errors, turned into errors that say what failed and how to fix it, and
// whether a retry can help (as errors.ts does for IAM). Throttling, 5xx, lost connections and a
// conflicting request in progress (an assignment still being deleted, say) are retried; a refusal
// for permissions or a validation error is not.
import { awsErrorCode, GrantflowAwsError, isNetworkError } from './errors';

export interface IdentityCenterCallContext {
  operation: string;
  /** What the call was about, for the message: `permission set X`, `user Y in account Z`. */
  about?: string;
  /** The role grantflow acts through in the Identity Center account. */
  roleArn?: string;
}

const THROTTLING = new Set(['ThrottlingException', 'TooManyRequestsException', 'Throttling']);

export function isResourceNotFound(error: unknown): boolean {
  return awsErrorCode(error) === 'ResourceNotFoundException';
}

export function isConflict(error: unknown): boolean {
  return awsErrorCode(error) === 'ConflictException';
}

export function classifyIdentityCenterError(error: unknown, context: IdentityCenterCallContext): GrantflowAwsError {
  if (error instanceof GrantflowAwsError) return error;
  const code = awsErrorCode(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const awsMessage = (error as { message?: string })?.message ?? String(error);
  const about = context.about ? ` (${context.about})` : '';
  if (code === 'AccessDeniedException' || code === 'AccessDenied' || status === 403) {
    return new GrantflowAwsError(
      'AccessDenied',
      `the Identity Center role ${context.roleArn ?? ''} may not call ${context.operation}${about}: ${awsMessage}. ` +
        'Update its policy from `grantflow deployer-policy --worker-config FILE`',
      false,
      code,
    );
  }
  if (isConflict(error)) {
    return new GrantflowAwsError(
      'IdentityCenterUnavailable',
      `IAM Identity Center ${context.operation}${about} conflicts with a request still in progress (${awsMessage}); it is tried again`,
      true,
      code,
    );
  }
  if (THROTTLING.has(code) || (status !== undefined && status >= 500) || isNetworkError(error)) {
    return new GrantflowAwsError(
      'IdentityCenterUnavailable',
      `IAM Identity Center ${context.operation}${about} failed and will be retried: ${code}${status ? ` (HTTP ${status})` : ''}: ${awsMessage}`,
      true,
      code,
    );
  }
  if (code === 'ServiceQuotaExceededException') {
    return new GrantflowAwsError('LimitExceeded', `IAM Identity Center quota reached during ${context.operation}${about}: ${awsMessage}`, false, code);
  }
  if (code === 'ValidationException') {
    return new GrantflowAwsError('MalformedPolicy', `IAM Identity Center refused ${context.operation}${about}: ${awsMessage}`, false, code);
  }
  return new GrantflowAwsError('Unexpected', `IAM Identity Center ${context.operation}${about} failed: ${code}: ${awsMessage}`, true, code);
}
