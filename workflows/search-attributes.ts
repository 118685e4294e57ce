// The search attributes operators filter grants by in the Temporal Web UI.
import { defineSearchAttributeKey, type SearchAttributePair, type SearchAttributeUpdatePair } from '@temporalio/common';
import type { RequestAsk, RequestState, RequestTerms } from '../src/core/break-glass';
import type { GrantSpec } from '../src/core/grant';
import { canonicalPrincipal, iamUserName } from '../src/core/names';

export type GrantState = 'pending' | 'active' | 'revoking' | 'revoked' | 'failed';

export const GrantTeam = defineSearchAttributeKey('GrantTeam', 'KEYWORD');
export const GrantPrincipal = defineSearchAttributeKey('GrantPrincipal', 'KEYWORD');
export const GrantAccount = defineSearchAttributeKey('GrantAccount', 'KEYWORD');
export const GrantEnvironment = defineSearchAttributeKey('GrantEnvironment', 'KEYWORD');
export const GrantPolicy = defineSearchAttributeKey('GrantPolicy', 'KEYWORD');
export const GrantKind = defineSearchAttributeKey('GrantKind', 'KEYWORD');
export const GrantState = defineSearchAttributeKey('GrantState', 'KEYWORD');
export const GrantExpiresAt = defineSearchAttributeKey('GrantExpiresAt', 'DATETIME');

/** Every attribute grantflow needs registered in the namespace, with its type. */
export const SEARCH_ATTRIBUTES = [GrantTeam, GrantPrincipal, GrantAccount, GrantEnvironment, GrantPolicy, GrantKind, GrantState, GrantExpiresAt];

/** The attributes a grant starts with. */
export function grantSearchAttributes(spec: GrantSpec, state: GrantState): SearchAttributePair[] {
  return [
    { key: GrantTeam, value: spec.team },
    // IAM names are case-insensitive: `Bob` and `bob` are one principal to every lookup.
    { key: GrantPrincipal, value: canonicalPrincipal(spec.principal) },
    { key: GrantAccount, value: spec.account },
    { key: GrantEnvironment, value: spec.environment },
    { key: GrantPolicy, value: spec.policy },
    { key: GrantKind, value: spec.kind },
    { key: GrantState, value: state },
    ...(spec.expiresAt ? [{ key: GrantExpiresAt, value: new Date(spec.expiresAt) }] : []),
  ];
}

export function stateUpdate(state: GrantState): SearchAttributeUpdatePair[] {
  return [{ key: GrantState, value: state }];
}

/** A break-glass request's workflow is found by the same attributes, with GrantKind `request` and its own states in GrantState. */
export const REQUEST_KIND = 'request';

/** The attributes a request starts with (what it asks for; the worker's terms replace them once checked). */
export function requestSearchAttributes(ask: RequestAsk, state: RequestState, terms?: RequestTerms): SearchAttributePair[] {
  const policy = terms?.policy ?? ask.policy;
  return [
    { key: GrantTeam, value: ask.team },
    { key: GrantPrincipal, value: canonicalPrincipal(terms?.principal ?? iamUserName(ask.user)) },
    { key: GrantEnvironment, value: ask.environment },
    ...(policy ? [{ key: GrantPolicy, value: policy }] : []),
    ...(terms ? [{ key: GrantAccount, value: terms.account }] : []),
    { key: GrantKind, value: REQUEST_KIND },
    { key: GrantState, value: state },
  ];
}
