// How AWS failures are classified: what is retried, what fails at once, and what the message says.
import assert from 'node:assert/strict';
import * as iam from '@aws-sdk/client-iam';
import { classifyAwsError, type AwsErrorType, type CallContext } from '../../../src/aws/errors';

/** The error the SDK throws for an IAM error code: its exception class where IAM models one, else its base class. */
function awsError(name: string, status: number, message = 'aws says no') {
  const $metadata = { httpStatusCode: status };
  const modelled = (iam as unknown as Record<string, unknown>)[name];
  if (typeof modelled === 'function' && modelled.prototype instanceof iam.IAMServiceException) {
    return new (modelled as new (options: { message: string; $metadata: object }) => iam.IAMServiceException)({ message, $metadata });
  }
  return new iam.IAMServiceException({ name, $fault: status >= 500 ? 'server' : 'client', message, $metadata });
}

// The cases are built when mocha loads this file, which can be many minutes before they run in the full
// suite: a deadline a minute ahead would have passed by then.
const STILL_PROPAGATING = Date.now() + 7 * 86_400_000;

describe('AWS error classification', function () {
  const context: CallContext = { account: '222222222222', environment: 'prod', operation: 'AttachUserPolicy', principalType: 'user', principal: 'bob' };
  const cases: { name: string; error: unknown; context?: Partial<CallContext>; type: AwsErrorType; retryable: boolean; message: RegExp }[] = [
    {
      name: 'a missing user',
      error: awsError('NoSuchEntityException', 404, 'The user with name bob cannot be found.'),
      type: 'PrincipalNotFound',
      retryable: false,
      message: /IAM user bob does not exist in account prod \(222222222222\).*aws iam create-user --user-name bob/,
    },
    {
      name: 'a missing role',
      error: awsError('NoSuchEntityException', 404),
      context: { principalType: 'role', principal: 'ci' },
      type: 'PrincipalNotFound',
      retryable: false,
      message: /IAM role ci does not exist.*aws iam create-role --role-name ci/,
    },
    {
      name: 'a missing AWS managed policy',
      error: awsError('NoSuchEntityException', 404),
      context: { policyArn: 'arn:aws:iam::aws:policy/NoSuch' },
      type: 'PolicyNotFound',
      retryable: false,
      message: /managed policy arn:aws:iam::aws:policy\/NoSuch does not exist in account prod/,
    },
    {
      name: 'a missing user while IAM may still be propagating it',
      error: awsError('NoSuchEntityException', 404, 'The user with name bob cannot be found.'),
      context: { notFoundRetryUntil: STILL_PROPAGATING },
      type: 'PrincipalNotFound',
      retryable: true,
      message: /IAM user bob does not exist.*aws iam create-user --user-name bob.*; retrying until \S+ in case IAM has not propagated it yet/,
    },
    {
      name: 'a missing user after the propagation wait',
      error: awsError('NoSuchEntityException', 404, 'The user with name bob cannot be found.'),
      context: { notFoundRetryUntil: Date.now() - 1 },
      type: 'PrincipalNotFound',
      retryable: false,
      message:
        /IAM user bob does not exist in account prod \(222222222222\)\. IAM users and roles must exist before access is granted: create it with `aws iam create-user --user-name bob` using credentials for account 222222222222, or fix the name in the YAML$/,
    },
    {
      name: 'a customer-managed policy created a moment ago (propagating)',
      error: awsError('NoSuchEntityException', 404),
      context: { policyArn: 'arn:aws:iam::222222222222:policy/grantflow/t/grantflow.t.p', notFoundRetryUntil: STILL_PROPAGATING },
      type: 'PolicyNotFound',
      retryable: true,
      message: /grantflow\.t\.p does not exist in account prod.*retrying until/,
    },
    {
      name: 'a customer-managed policy still missing after the wait',
      error: awsError('NoSuchEntityException', 404),
      context: { policyArn: 'arn:aws:iam::222222222222:policy/grantflow/t/grantflow.t.p', notFoundRetryUntil: Date.now() - 1 },
      type: 'PolicyNotFound',
      retryable: false,
      message: /grantflow\.t\.p does not exist in account prod .*fix the ARN in aws-policies$/,
    },
    {
      name: 'AccessDenied on AssumeRole',
      error: awsError('AccessDenied', 403, 'not authorized to perform sts:AssumeRole'),
      context: { operation: 'AssumeRole', roleArn: 'arn:aws:iam::222222222222:role/AWSSelfServeDeployer' },
      type: 'DeployerRoleDenied',
      retryable: false,
      message: /cannot assume the deployer role arn:aws:iam::222222222222:role\/AWSSelfServeDeployer in account prod.*trust policy/,
    },
    {
      name: 'AccessDenied on an IAM call',
      error: awsError('AccessDeniedException', 403),
      type: 'AccessDenied',
      retryable: false,
      message: /may not call iam:AttachUserPolicy in account prod \(222222222222\) on user bob.*deployer-policy/,
    },
    {
      name: 'LimitExceeded (which the SDK would treat as throttling)',
      error: awsError('LimitExceededException', 409, 'Cannot exceed quota for PoliciesPerUser: 10'),
      type: 'LimitExceeded',
      retryable: false,
      message: /IAM limit reached in account prod \(222222222222\) for user bob during AttachUserPolicy: Cannot exceed quota for PoliciesPerUser: 10/,
    },
    {
      name: 'throttling',
      error: awsError('Throttling', 400, 'Rate exceeded'),
      type: 'IamUnavailable',
      retryable: true,
      message: /will be retried: Throttling/,
    },
    { name: 'a 500', error: awsError('ServiceFailure', 500), type: 'IamUnavailable', retryable: true, message: /HTTP 500/ },
    { name: 'a 503 of unknown name', error: awsError('Whatever', 503), type: 'IamUnavailable', retryable: true, message: /HTTP 503/ },
    {
      name: 'a refused connection',
      error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      type: 'IamUnavailable',
      retryable: true,
      message: /ECONNREFUSED/,
    },
    { name: 'a dropped connection', error: new Error('socket hang up'), type: 'IamUnavailable', retryable: true, message: /socket hang up/ },
    {
      name: 'a malformed document',
      error: awsError('MalformedPolicyDocumentException', 400),
      type: 'MalformedPolicy',
      retryable: false,
      message: /IAM refused AttachUserPolicy/,
    },
  ];
  for (const c of cases) {
    it(`${c.retryable ? 'retries' : 'fails at once on'} ${c.name}`, () => {
      const classified = classifyAwsError(c.error, { ...context, ...c.context });
      assert.equal(classified.type, c.type);
      assert.equal(classified.retryable, c.retryable);
      assert.match(classified.message, c.message);
    });
  }
});
