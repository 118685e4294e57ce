// Who a name in the YAML is in the worker's identity store: an Identity Center user by user name or
// by any of its emails, a group by display name, each compared ignoring case. Exactly one must
// match: none is an unknown identity, two (an email that two users share, say) an ambiguous one, and
// either is refused rather than guessed. The directory is one listing of the store's users and
// groups, shared by every lookup of the process: a burst of grants, or a `plan`, reads the store
// once. A listing older than the maximum age is read again, and so is one that does not know a name
// it is asked for (the user may have been made a moment ago), at most every few seconds.
import { ListGroupsCommand, ListUsersCommand } from '@aws-sdk/client-identitystore';
import { ssoPrincipalKind, type SsoPrincipalType } from '../core/identity-center';
import type { IdentityCenterClients } from './identity-center-client';
import { allPages, identityStore, type IcTarget } from './identity-center-calls';

export interface StoreIdentity {
  id: string;
  type: SsoPrincipalType;
  /** The user name or the group's display name. */
  name: string;
  /** The user's emails (none for a group). */
  emails: string[];
}

export type Resolution = { ok: true; id: string; identity: StoreIdentity } | { ok: false; reason: 'unknown' | 'ambiguous'; message: string };

interface Listing {
  users: StoreIdentity[];
  groups: StoreIdentity[];
  readAt: number;
}

export interface IdentityDirectoryOptions {
  /** A listing older than this is read again (default 5 minutes). */
  maxAgeMs?: number;
  /** A name a listing does not know is looked for in a new one if the listing is older than this (default 10 s). */
  missRefreshMs?: number;
  now?: () => number;
}

export class IdentityDirectory {
  private listing: Promise<Listing> | undefined;
  private readonly maxAgeMs: number;
  private readonly missRefreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly clients: IdentityCenterClients,
    options: IdentityDirectoryOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.missRefreshMs = options.missRefreshMs ?? 10_000;
    this.now = options.now ?? (() => Date.now());
  }

  /** Who `written` is: exactly one user (by user name or email) or group (by display name) of the store. */
  async resolve(type: SsoPrincipalType, written: string, signal?: AbortSignal): Promise<Resolution> {
    let listing = await this.current(signal);
    let found = matches(listing, type, written);
    if (found.length === 0 && this.now() - listing.readAt > this.missRefreshMs) {
      listing = await this.current(signal, true);
      found = matches(listing, type, written);
    }
    return resolution(type, written, found, this.clients.settings.identityStoreId);
  }

  /** Every lookup of `written` in one listing, for `plan`: the same answers the worker will get. */
  async resolveAll(wanted: readonly { type: SsoPrincipalType; written: string }[], signal?: AbortSignal): Promise<Map<string, Resolution>> {
    const listing = await this.current(signal);
    return new Map(
      wanted.map(({ type, written }) => [
        identityKey(type, written),
        resolution(type, written, matches(listing, type, written), this.clients.settings.identityStoreId),
      ]),
    );
  }

  /** The listing, read again when it is too old (or `fresh` is asked); one read at a time, shared by every asker. */
  private current(signal: AbortSignal | undefined, fresh = false): Promise<Listing> {
    const previous = this.listing;
    const reuse = async (): Promise<Listing | undefined> => {
      if (!previous) return undefined;
      const listing = await previous.catch(() => undefined);
      if (!listing) return undefined;
      const age = this.now() - listing.readAt;
      return age <= this.maxAgeMs && !(fresh && age > this.missRefreshMs) ? listing : undefined;
    };
    const next = reuse().then((listing) => listing ?? this.read(signal));
    this.listing = next;
    // A failed read is not kept: the next asker reads again.
    next.catch(() => {
      if (this.listing === next) this.listing = undefined;
    });
    return next;
  }

  private async read(signal: AbortSignal | undefined): Promise<Listing> {
    const target: IcTarget = { clients: this.clients, ...(signal ? { signal } : {}) };
    const IdentityStoreId = this.clients.settings.identityStoreId;
    const users = await allPages(async (NextToken) => {
      const page = await identityStore(
        target,
        new ListUsersCommand({ IdentityStoreId, MaxResults: 100, ...(NextToken ? { NextToken } : {}) }),
        "the identity store's users",
      );
      return {
        items: (page.Users ?? []).map((u) => ({
          id: u.UserId!,
          type: 'sso-user' as const,
          name: u.UserName ?? '',
          emails: (u.Emails ?? []).flatMap((e) => (e.Value ? [e.Value] : [])),
        })),
        next: page.NextToken,
      };
    });
    const groups = await allPages(async (NextToken) => {
      const page = await identityStore(
        target,
        new ListGroupsCommand({ IdentityStoreId, MaxResults: 100, ...(NextToken ? { NextToken } : {}) }),
        "the identity store's groups",
      );
      return {
        items: (page.Groups ?? []).map((g) => ({ id: g.GroupId!, type: 'sso-group' as const, name: g.DisplayName ?? '', emails: [] })),
        next: page.NextToken,
      };
    });
    return { users, groups, readAt: this.now() };
  }
}

export function identityKey(type: SsoPrincipalType, written: string): string {
  return `${type}/${written.toLowerCase()}`;
}

function matches(listing: Listing, type: SsoPrincipalType, written: string): StoreIdentity[] {
  const wanted = written.toLowerCase();
  if (type === 'sso-group') return listing.groups.filter((g) => g.name.toLowerCase() === wanted);
  return listing.users.filter((u) => u.name.toLowerCase() === wanted || u.emails.some((e) => e.toLowerCase() === wanted));
}

function resolution(type: SsoPrincipalType, written: string, found: readonly StoreIdentity[], store: string): Resolution {
  const what = ssoPrincipalKind(type) === 'USER' ? 'user' : 'group';
  const by = type === 'sso-user' ? 'user name or email' : 'display name';
  if (found.length === 1) return { ok: true, id: found[0]!.id, identity: found[0]! };
  if (found.length === 0) {
    return {
      ok: false,
      reason: 'unknown',
      message: `no IAM Identity Center ${what} has the ${by} "${written}" in identity store ${store}; create it there (or let your identity provider sync it), or fix the name in the YAML`,
    };
  }
  const names = found.map((f) => `${f.name} (${f.id})`).join(', ');
  return {
    ok: false,
    reason: 'ambiguous',
    message:
      `"${written}" matches ${found.length} IAM Identity Center ${what}s in identity store ${store}: ${names}; grantflow assigns to exactly one, ` +
      `so write the ${type === 'sso-user' ? 'user name' : 'display name'} of the one you mean, or make it unique in the identity store`,
  };
}
