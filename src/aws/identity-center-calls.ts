// How the Identity Center procedures send a call: the SDK command, sent by the instance's client
// (sso-admin or the identity store), unless its attempt was abandoned, with its failure turned into
// an error that says what to fix (identity-center-errors.ts). The command gives the result its type;
// the client's guard (call-middleware.ts) refuses an operation not listed in operations.ts.
import type {
  $Command as IdentityStoreCommandBase,
  IdentitystoreClientResolvedConfig,
  ServiceInputTypes as IdentityStoreInput,
  ServiceOutputTypes as IdentityStoreOutput,
} from '@aws-sdk/client-identitystore';
import type {
  $Command as SsoAdminCommandBase,
  SSOAdminClientResolvedConfig,
  ServiceInputTypes as SsoAdminInput,
  ServiceOutputTypes as SsoAdminOutput,
} from '@aws-sdk/client-sso-admin';
import { GrantflowAwsError } from './errors';
import type { IdentityCenterClients } from './identity-center-client';
import { classifyIdentityCenterError, isResourceNotFound } from './identity-center-errors';
import { operationName } from './operations';
import { RateLimitAbandoned } from './rate-limit';

/** What an Identity Center procedure acts on: the instance's clients, and the attempt it belongs to. */
export interface IcTarget {
  clients: IdentityCenterClients;
  /** Aborted when the workflow abandons the attempt: no call is sent after that. */
  signal?: AbortSignal;
  /** Until this moment (epoch ms) a user, group or permission set not found is taken for propagation delay and retried. */
  notFoundRetryUntil?: number;
}

type SsoAdminCommand<I extends SsoAdminInput, O extends SsoAdminOutput> = SsoAdminCommandBase<
  I,
  O,
  SSOAdminClientResolvedConfig,
  SsoAdminInput,
  SsoAdminOutput
>;
type IdentityStoreCommand<I extends IdentityStoreInput, O extends IdentityStoreOutput> = IdentityStoreCommandBase<
  I,
  O,
  IdentitystoreClientResolvedConfig,
  IdentityStoreInput,
  IdentityStoreOutput
>;

function abandoned(): GrantflowAwsError {
  return new GrantflowAwsError('Abandoned', 'the attempt was abandoned by its workflow; no further Identity Center call is sent', true);
}

async function send<O>(target: IcTarget, operation: string, about: string | undefined, sent: () => Promise<O>): Promise<O> {
  if (target.signal?.aborted) throw abandoned();
  try {
    return await sent();
  } catch (error) {
    if (error instanceof RateLimitAbandoned) throw abandoned();
    throw classifyIdentityCenterError(error, { operation, ...(about ? { about } : {}), roleArn: target.clients.roleArn });
  }
}

/** One sso-admin call; `about` names what it concerns in an error's message. */
export function ssoAdmin<I extends SsoAdminInput, O extends SsoAdminOutput>(target: IcTarget, command: SsoAdminCommand<I, O>, about?: string): Promise<O> {
  const operation = operationName(command.constructor.name);
  return send(target, operation, about, () => target.clients.ssoAdmin.send(command, target.signal ? { abortSignal: target.signal } : {}));
}

/** Like `ssoAdmin`, but Identity Center's ResourceNotFoundException is an answer (undefined), not an error. */
export async function ssoAdminOrAbsent<I extends SsoAdminInput, O extends SsoAdminOutput>(
  target: IcTarget,
  command: SsoAdminCommand<I, O>,
  about?: string,
): Promise<O | undefined> {
  if (target.signal?.aborted) throw abandoned();
  try {
    return await target.clients.ssoAdmin.send(command, target.signal ? { abortSignal: target.signal } : {});
  } catch (error) {
    if (isResourceNotFound(error)) return undefined;
    if (error instanceof RateLimitAbandoned) throw abandoned();
    throw classifyIdentityCenterError(error, {
      operation: operationName(command.constructor.name),
      ...(about ? { about } : {}),
      roleArn: target.clients.roleArn,
    });
  }
}

/** One identity store call. */
export function identityStore<I extends IdentityStoreInput, O extends IdentityStoreOutput>(
  target: IcTarget,
  command: IdentityStoreCommand<I, O>,
  about?: string,
): Promise<O> {
  const operation = operationName(command.constructor.name);
  return send(target, operation, about, () => target.clients.identityStore.send(command, target.signal ? { abortSignal: target.signal } : {}));
}

/** Every page of a listing: `page` sends one (given the token the last one returned) and answers its items and next token. */
export async function allPages<T>(page: (nextToken: string | undefined) => Promise<{ items: T[]; next: string | undefined }>): Promise<T[]> {
  const all: T[] = [];
  let next: string | undefined;
  do {
    const answer = await page(next);
    all.push(...answer.items);
    next = answer.next;
  } while (next);
  return all;
}

/** Waits `ms`, or less if the attempt is abandoned meanwhile (then it throws). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abandoned());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abandoned());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
