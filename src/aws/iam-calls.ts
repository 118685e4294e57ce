// How the IAM procedures send a call. A call is a request: an operation's name and the SDK command
// that sends it, made by `request` (or `listing`, for a listing read page by page with the SDK's
// paginator). `request` checks at compile time that the operation is one of operations.ts (the list
// the client's middleware enforces, in accounts.ts) and that the command is that operation's, and
// gives the caller the command's own result type; no cast stands between a call and the client.
// `call` and its kin send a request, unless its attempt was abandoned, and turn a failure into an
// error that names the account and principal (errors.ts).
import type * as IamSdk from '@aws-sdk/client-iam';
import type { $Command, IAMClient, IAMClientResolvedConfig, IAMPaginationConfiguration, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-iam';
import { classifyAwsError, GrantflowAwsError, isNoSuchEntity, type CallContext } from './errors';
import { operationName, type IamOperation } from './operations';
import { RateLimitAbandoned } from './rate-limit';

export interface Target {
  client: IAMClient;
  account: string;
  environment?: string;
  /** Aborted when the workflow abandons the attempt (cancelled, timed out): no call is sent after that. */
  signal?: AbortSignal;
  /** Until this moment (epoch ms) IAM's "no such user/policy" is taken for propagation delay and retried. */
  notFoundRetryUntil?: number;
}

/** An IAM command with input `I` and output `O`, as the IAM client sends it. */
type IamCommand<I extends ServiceInputTypes, O extends ServiceOutputTypes> = $Command<I, O, IAMClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes>;

/** The SDK's command for an operation: `AttachUserPolicy` -> `AttachUserPolicyCommand`. */
type CommandOf<Op extends IamOperation> = InstanceType<(typeof IamSdk)[`${Op}Command`]>;

/**
 * The operations of operations.ts whose command a command of input `I` and output `O` can be: the
 * name given with a command must be one of these. Commands of the same shape (GetPolicy and
 * DeletePolicy, AttachUserPolicy and DetachUserPolicy) cannot be told apart by their types, nor the
 * pages of listings of the same shape (ListUserTags and ListRoleTags): `sameOperation` tells them
 * apart, before anything is sent.
 */
type OperationOf<I extends ServiceInputTypes, O extends ServiceOutputTypes> = {
  [Op in IamOperation]: IamCommand<I, O> extends CommandOf<Op> ? Op : never;
}[IamOperation];

/** The operations the SDK reads page by page (`paginateListPolicies`...), and the page of each. */
type PaginatedOperation = { [Op in IamOperation]: `paginate${Op}` extends keyof typeof IamSdk ? Op : never }[IamOperation];
type PageOf<Op extends PaginatedOperation> = ReturnType<(typeof IamSdk)[`paginate${Op}`]> extends AsyncIterable<infer P> ? P : never;

/** One IAM call, ready to send: the operation's name (for error messages) and, inside `send`, its command. */
export interface IamRequest<T> {
  readonly operation: IamOperation;
  readonly send: (client: IAMClient, options: { abortSignal?: AbortSignal }) => Promise<T>;
}

/** An IAM listing, read page by page with the SDK's paginator. */
export interface IamListing<P> {
  readonly operation: PaginatedOperation;
  readonly pages: (client: IAMClient) => AsyncIterable<P>;
}

/** Refuses a command named as another operation than the one it sends (a mistake the types let through: see OperationOf). */
function sameOperation(operation: IamOperation, command: object): void {
  const sent = command.constructor.name;
  if (operationName(sent) !== operation) throw new Error(`${sent} is sent as ${operation}: name the operation the command sends`);
}

/** The request that sends `command` as `operation`; it answers the command's output. */
export function request<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
  operation: NoInfer<OperationOf<I, O>>,
  command: IamCommand<I, O>,
): IamRequest<O> {
  sameOperation(operation, command);
  return { operation, send: (client, options) => client.send(command, options) };
}

/** The same call, answering what `answer` reads from its output. */
export function answering<O, T>(sent: IamRequest<O>, answer: (output: O) => T): IamRequest<T> {
  return { operation: sent.operation, send: async (client, options) => answer(await sent.send(client, options)) };
}

/** The listing `operation`, whose pages `pages` reads with the SDK's paginator for it, given the paging configuration. */
export function listing<Op extends PaginatedOperation>(
  operation: Op,
  pages: (paging: IAMPaginationConfiguration) => AsyncIterable<NoInfer<PageOf<Op>>>,
): IamListing<PageOf<Op>> {
  return {
    operation,
    pages: (client) =>
      pages({
        client,
        withCommand: (command) => {
          sameOperation(operation, command);
          return command;
        },
      }),
  };
}

class AttemptAbandoned extends GrantflowAwsError {
  constructor(target: Target) {
    super('Abandoned', `the attempt in account ${target.account} was abandoned by its workflow; no further IAM call is sent`, true);
  }
}

/**
 * Sends one request, unless the attempt was abandoned: an apply the workflow gave up on (cancelled,
 * timed out, superseded) must not write to IAM after the revoke that follows it.
 */
function send<T>(target: Target, sent: IamRequest<T>): Promise<T> {
  if (target.signal?.aborted) return Promise.reject(new AttemptAbandoned(target));
  return sent.send(target.client, target.signal ? { abortSignal: target.signal } : {});
}

export function callContext(target: Target, operation: string, extra: Partial<CallContext>): CallContext {
  return {
    account: target.account,
    environment: target.environment,
    operation,
    ...(target.notFoundRetryUntil !== undefined ? { notFoundRetryUntil: target.notFoundRetryUntil } : {}),
    ...extra,
  };
}

/** An AWS failure as a message naming account and principal; a call its abandoned attempt took out of the rate limit's queue says so. */
function classified(target: Target, error: unknown, operation: string, extra: Partial<CallContext>): GrantflowAwsError {
  if (error instanceof RateLimitAbandoned) return new AttemptAbandoned(target);
  return classifyAwsError(error, callContext(target, operation, extra));
}

/** Runs one AWS call and turns its failure into an error that names the account and principal. */
export async function call<T>(target: Target, sent: IamRequest<T>, extra: Partial<CallContext> = {}): Promise<T> {
  try {
    return await send(target, sent);
  } catch (error) {
    throw classified(target, error, sent.operation, extra);
  }
}

/** Like `call`, but IAM's NoSuchEntity is an answer (undefined), not an error. */
export async function callOrAbsent<T>(target: Target, sent: IamRequest<T>, extra: Partial<CallContext> = {}): Promise<T | undefined> {
  try {
    return await send(target, sent);
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw classified(target, error, sent.operation, extra);
  }
}

/** Sends one request and leaves its failure as the SDK threw it, for a caller that reads some failures as answers. */
export function sendUnclassified<T>(target: Target, sent: IamRequest<T>): Promise<T> {
  return send(target, sent);
}

async function collect<P>(target: Target, pages: AsyncIterable<P>): Promise<P[]> {
  const all: P[] = [];
  for await (const page of pages) {
    if (target.signal?.aborted) throw new AttemptAbandoned(target);
    all.push(page);
  }
  return all;
}

/** Every page of a listing, read with the SDK's paginator; a failure names the account and principal. */
export async function allPages<P>(target: Target, list: IamListing<P>, extra: Partial<CallContext> = {}): Promise<P[]> {
  try {
    return await collect(target, list.pages(target.client));
  } catch (error) {
    throw classified(target, error, list.operation, extra);
  }
}

/** Like `allPages`, but IAM's NoSuchEntity is an answer (undefined), not an error. */
export async function allPagesOrAbsent<P>(target: Target, list: IamListing<P>, extra: Partial<CallContext> = {}): Promise<P[] | undefined> {
  try {
    return await collect(target, list.pages(target.client));
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw classified(target, error, list.operation, extra);
  }
}
