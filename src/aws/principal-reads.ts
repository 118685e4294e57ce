// Reads of principals' attachments and tags, shared by the applies waiting in one account. At AWS's
// pace every call spends a token, and a burst of new grants asks the same questions of every
// principal: what is attached before it writes, and whether its marks stand after. Once more of those
// reads are waiting than one listing of the whole account would cost (GetAccountAuthorizationDetails,
// up to 1,000 principals a page), one listing answers them all. Each waiting read is answered by a
// listing that began after it asked, so it sees everything an individual read would have seen.
//
// Only applies share: a revoke's reads go on their own, first in the budget. A principal the listing
// does not show (created a moment ago, not yet propagated) is read on its own, with the usual
// "no such user" handling. A deployer role without the listing's permission (one set up by an earlier
// release) is read principal by principal, as before.
import { paginateGetAccountAuthorizationDetails, type GetAccountAuthorizationDetailsCommandOutput, type IAMClient, type Tag } from '@aws-sdk/client-iam';
import { canonicalPrincipal } from '../core/names';
import type { PrincipalType } from '../core/ids';
import { currentCallClass, withCallClass, type CallClass } from './rate-limit';

export type PrincipalNeed = 'attached' | 'tags';

export interface PrincipalState {
  attached?: Set<string>;
  tags?: Tag[];
}

interface Asker {
  type: PrincipalType;
  name: string;
  needs: readonly PrincipalNeed[];
}

/** Before the first listing of an account shows how many pages it takes: up to 5,000 principals. */
export const FIRST_LISTING_PAGES = 5;
/** The most principals one page of the listing returns. */
export const LISTING_PAGE_SIZE = 1000;

export function principalKey(type: PrincipalType, name: string): string {
  return `${type}/${canonicalPrincipal(name)}`;
}

/**
 * Whether one listing of the account pays: it costs fewer calls than reading each waiting principal
 * on its own, and those calls would wait for the account's budget (`spare`: the calls it can make at
 * once). With budget to spare the reads go alone: a listing costs AWS and the worker work in
 * proportion to the account's principals, and saves no time.
 */
export function listingPays(waiting: readonly Pick<Asker, 'needs'>[], listingPages: number, spare = 0): boolean {
  const alone = waiting.reduce((sum, asker) => sum + asker.needs.length, 0);
  return alone > listingPages && alone > spare;
}

/** Every user and role of the listing, by type and lower-case name: what is attached, and the tags. */
export function indexListing(pages: readonly GetAccountAuthorizationDetailsCommandOutput[]): Map<string, Required<PrincipalState>> {
  const index = new Map<string, Required<PrincipalState>>();
  const add = (type: PrincipalType, name: string | undefined, attached: { PolicyArn?: string }[] | undefined, tags: Tag[] | undefined) => {
    if (!name) return;
    index.set(principalKey(type, name), {
      attached: new Set((attached ?? []).map((p) => p.PolicyArn).filter((arn): arn is string => Boolean(arn))),
      tags: tags ?? [],
    });
  };
  for (const page of pages) {
    for (const user of page.UserDetailList ?? []) add('user', user.UserName, user.AttachedManagedPolicies, user.Tags);
    for (const role of page.RoleDetailList ?? []) add('role', role.RoleName, role.AttachedManagedPolicies, role.Tags);
  }
  return index;
}

/** What the asker wanted, out of the listing's answer. */
function only(state: Required<PrincipalState>, needs: readonly PrincipalNeed[]): PrincipalState {
  return { ...(needs.includes('attached') ? { attached: state.attached } : {}), ...(needs.includes('tags') ? { tags: state.tags } : {}) };
}

interface Waiting extends Asker {
  /** The asker's own read, in the asker's call class (its priority and the signal that abandons it). */
  alone: () => Promise<PrincipalState>;
  signal?: AbortSignal;
  resolve: (state: PrincipalState) => void;
  reject: (error: unknown) => void;
}

export interface ListingStats {
  listings: number;
  answeredByListing: number;
  readAlone: number;
}

class AccountReads {
  private waiting: Waiting[] = [];
  private draining = false;
  private listingPages = FIRST_LISTING_PAGES;
  private listingRefused = false;
  readonly stats: ListingStats = { listings: 0, answeredByListing: 0, readAlone: 0 };

  constructor(
    private readonly client: IAMClient,
    /** The calls the account's budget can make at once; unknown, none. */
    private readonly spare: () => number = () => 0,
  ) {}

  read(asker: Asker, alone: () => Promise<PrincipalState>, cls: CallClass): Promise<PrincipalState> {
    return new Promise<PrincipalState>((resolve, reject) => {
      this.waiting.push({ ...asker, alone: () => withCallClass(cls, alone), ...(cls.signal ? { signal: cls.signal } : {}), resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** One round at a time: what asks while a round's reads wait for their tokens goes in the next. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const round = this.waiting.splice(0);
        if (!this.listingRefused && listingPays(round, this.listingPages, this.spare())) await this.answerByListing(round);
        else await Promise.all(round.map((w) => this.answerAlone(w)));
      }
    } finally {
      this.draining = false;
    }
  }

  private async answerAlone(w: Waiting): Promise<void> {
    this.stats.readAlone++;
    try {
      w.resolve(await w.alone());
    } catch (error) {
      w.reject(error);
    }
  }

  private async answerByListing(round: Waiting[]): Promise<void> {
    // The listing is abandoned only when every asker abandoned its attempt.
    const abandon = new AbortController();
    const signals = round.map((w) => w.signal);
    if (signals.every((s): s is AbortSignal => s !== undefined)) {
      const check = () => {
        if (signals.every((s) => s.aborted)) abandon.abort();
      };
      for (const s of signals) s.addEventListener('abort', check, { once: true });
      check();
    }
    const types = [...new Set(round.map((w) => (w.type === 'user' ? 'User' : 'Role')))];
    let index: Map<string, Required<PrincipalState>>;
    try {
      const pages: GetAccountAuthorizationDetailsCommandOutput[] = [];
      await withCallClass({ priority: 'apply', signal: abandon.signal }, async () => {
        const listing = paginateGetAccountAuthorizationDetails({ client: this.client, pageSize: LISTING_PAGE_SIZE }, { Filter: types });
        for await (const page of listing) pages.push(page);
      });
      this.stats.listings++;
      this.listingPages = Math.max(1, pages.length);
      index = indexListing(pages);
    } catch (error) {
      if (isDenied(error)) this.listingRefused = true;
      // Whatever stopped the listing, each asker's own read has the usual retries and error messages.
      await Promise.all(round.map((w) => this.answerAlone(w)));
      return;
    }
    await Promise.all(
      round.map(async (w) => {
        const state = index.get(principalKey(w.type, w.name));
        if (!state) return this.answerAlone(w);
        this.stats.answeredByListing++;
        w.resolve(only(state, w.needs));
      }),
    );
  }
}

function isDenied(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'AccessDenied' || e?.name === 'AccessDeniedException' || e?.$metadata?.httpStatusCode === 403;
}

const byClient = new WeakMap<IAMClient, AccountReads>();
const spareOf = new WeakMap<IAMClient, () => number>();

/** Tells the shared reads of `client`'s account how many calls its budget can make at once. */
export function readsPacedBy(client: IAMClient, spare: () => number): void {
  spareOf.set(client, spare);
}

function readsOf(client: IAMClient): AccountReads {
  let reads = byClient.get(client);
  if (!reads) {
    reads = new AccountReads(client, spareOf.get(client));
    byClient.set(client, reads);
  }
  return reads;
}

/**
 * A principal's attachments and/or tags. Inside an apply the read may be answered by a listing of the
 * account shared with the other applies waiting there; anywhere else it is `alone()`.
 */
export function readPrincipal(client: IAMClient, asker: Asker, alone: () => Promise<PrincipalState>): Promise<PrincipalState> {
  const cls = currentCallClass();
  if (cls.priority !== 'apply') return alone();
  return readsOf(client).read(asker, alone, cls);
}

/** How the account's shared reads were answered so far in this process (for tests and benchmarks). */
export function listingStats(client: IAMClient): ListingStats {
  return { ...readsOf(client).stats };
}
