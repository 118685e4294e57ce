// Shared principal reads: when one listing of the account pays, that a listing answers only the reads
// that asked before it was sent, and what happens when it is refused or misses a principal. The IAM
// client's `send` is a stub the test answers by hand, so each step is in the test's control.
import assert from 'node:assert/strict';
import { GetAccountAuthorizationDetailsCommand, IAMClient, type GetAccountAuthorizationDetailsCommandOutput } from '@aws-sdk/client-iam';
import { FIRST_LISTING_PAGES, indexListing, listingPays, listingStats, readPrincipal, type PrincipalState } from '../../../src/aws/principal-reads';
import { withCallClass } from '../../../src/aws/rate-limit';

describe('shared principal reads: when a listing pays', () => {
  const cases: { name: string; needs: number[]; pages: number; spare?: number; pays: boolean }[] = [
    { name: 'one read, one page', needs: [1], pages: 1, pays: false },
    { name: 'two reads, one page, a budget that can send both at once', needs: [1, 1], pages: 1, spare: 2, pays: false },
    { name: 'three reads, one page, a budget that can send two at once', needs: [1, 1, 1], pages: 1, spare: 2, pays: true },
    { name: 'two reads, one page, calls already waiting for the budget', needs: [1, 1], pages: 1, spare: -40, pays: true },
    { name: 'two reads, one page', needs: [1, 1], pages: 1, pays: true },
    { name: 'a read of both, one page', needs: [2], pages: 1, pays: true },
    { name: 'five reads before the first listing (five pages assumed)', needs: [1, 1, 1, 1, 1], pages: FIRST_LISTING_PAGES, pays: false },
    { name: 'six reads before the first listing', needs: [1, 1, 1, 1, 1, 1], pages: FIRST_LISTING_PAGES, pays: true },
    { name: 'nothing waiting', needs: [], pages: 1, pays: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const waiting = c.needs.map((n) => ({ needs: (['attached', 'tags'] as const).slice(0, n) }));
      assert.equal(listingPays(waiting, c.pages, c.spare), c.pays);
    });
  }
});

describe('shared principal reads: the listing, indexed', () => {
  it('keys users and roles by type and lower-case name, with their attachments and tags', () => {
    const index = indexListing([
      {
        UserDetailList: [
          { UserName: 'Alice', AttachedManagedPolicies: [{ PolicyArn: 'arn:a' }, {}], Tags: [{ Key: 'k', Value: 'v' }] },
          { UserName: 'bob' },
          {},
        ],
      },
      { RoleDetailList: [{ RoleName: 'alice', AttachedManagedPolicies: [{ PolicyArn: 'arn:r' }] }] },
    ] as GetAccountAuthorizationDetailsCommandOutput[]);
    assert.deepEqual([...index.keys()].sort(), ['role/alice', 'user/alice', 'user/bob']);
    assert.deepEqual([...index.get('user/alice')!.attached], ['arn:a']);
    assert.deepEqual(index.get('user/alice')!.tags, [{ Key: 'k', Value: 'v' }]);
    assert.deepEqual([...index.get('user/bob')!.attached], []);
    assert.deepEqual(index.get('user/bob')!.tags, []);
    assert.deepEqual([...index.get('role/alice')!.attached], ['arn:r']);
  });
});

/** A client whose every send waits until the test answers it. */
function stubClient() {
  const client = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const sent: { command: unknown; answer: (value: unknown) => void; fail: (error: unknown) => void }[] = [];
  client.send = ((command: unknown) =>
    new Promise<unknown>((answer, fail) => {
      sent.push({ command, answer, fail });
    })) as IAMClient['send'];
  return { client, sent };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** A read whose own answer is a promise the test settles. */
function aloneRead() {
  let answer!: (state: PrincipalState) => void;
  const calls: number[] = [];
  const promise = new Promise<PrincipalState>((resolve) => (answer = resolve));
  return {
    calls,
    answer: (state: PrincipalState) => answer(state),
    read: () => {
      calls.push(1);
      return promise;
    },
  };
}

const listingPage = (users: { name: string; arns: string[] }[]): GetAccountAuthorizationDetailsCommandOutput =>
  ({
    UserDetailList: users.map((u) => ({ UserName: u.name, AttachedManagedPolicies: u.arns.map((PolicyArn) => ({ PolicyArn })), Tags: [] })),
    $metadata: {},
  }) as never;

describe('shared principal reads: who the listing answers', () => {
  const apply = <T>(fn: () => Promise<T>) => withCallClass({ priority: 'apply' }, fn);

  it('reads a lone principal on its own, and lets the reads that queued behind it share one listing', async () => {
    const { client, sent } = stubClient();
    const first = aloneRead();
    const firstAnswer = apply(() => readPrincipal(client, { type: 'user', name: 'u0', needs: ['attached'] }, first.read));
    await flush();
    assert.equal(first.calls.length, 1, 'the first read goes alone');
    const later = Array.from({ length: 6 }, () => aloneRead());
    const answers = later.map((r, i) => apply(() => readPrincipal(client, { type: 'user', name: `U${i + 1}`, needs: ['attached'] }, r.read)));
    await flush();
    assert.equal(sent.length, 0, 'no listing while the first read is under way');
    first.answer({ attached: new Set(['arn:first']) });
    assert.deepEqual([...(await firstAnswer).attached!], ['arn:first']);
    await flush();
    assert.equal(sent.length, 1);
    assert.ok(sent[0]!.command instanceof GetAccountAuthorizationDetailsCommand);
    assert.deepEqual((sent[0]!.command as GetAccountAuthorizationDetailsCommand).input.Filter, ['User']);
    sent[0]!.answer(listingPage(later.map((_, i) => ({ name: `u${i + 1}`, arns: [`arn:${i + 1}`] }))));
    const states = await Promise.all(answers);
    assert.deepEqual(
      states.map((s) => [...s.attached!]),
      later.map((_, i) => [`arn:${i + 1}`]),
    );
    assert.ok(
      later.every((r) => r.calls.length === 0),
      'none of them read alone',
    );
    assert.deepEqual(listingStats(client), { listings: 1, answeredByListing: 6, readAlone: 1 });
  });

  it('never answers a read from a listing sent before it asked', async () => {
    const { client, sent } = stubClient();
    const early = Array.from({ length: 7 }, () => aloneRead());
    // The first goes alone and answers at once; the six behind it share a listing.
    early[0]!.answer({ attached: new Set() });
    const earlyAnswers = early.map((r, i) => apply(() => readPrincipal(client, { type: 'user', name: `e${i}`, needs: ['attached'] }, r.read)));
    await flush();
    assert.equal(sent.length, 1, 'the listing is sent');
    const late = aloneRead();
    late.answer({ attached: new Set(['arn:late-own-read']) });
    const lateAnswer = apply(() => readPrincipal(client, { type: 'user', name: 'e3', needs: ['attached'] }, late.read));
    await flush();
    sent[0]!.answer(listingPage(early.map((_, i) => ({ name: `e${i}`, arns: ['arn:listed'] }))));
    await Promise.all(earlyAnswers);
    // The late read, although the listing shows its principal, waits for a round of its own.
    assert.deepEqual([...(await lateAnswer).attached!], ['arn:late-own-read']);
    assert.equal(late.calls.length, 1);
  });

  it('reads each principal alone when the listing is refused, and does not ask for it again', async () => {
    const { client, sent } = stubClient();
    const round = (names: string[]) => {
      const reads = names.map(() => aloneRead());
      reads.forEach((r, i) => r.answer({ tags: [{ Key: 'own', Value: names[i]! }] }));
      return { reads, answers: reads.map((r, i) => apply(() => readPrincipal(client, { type: 'role', name: names[i]!, needs: ['tags'] }, r.read))) };
    };
    const blocker = aloneRead();
    const blocked = apply(() => readPrincipal(client, { type: 'role', name: 'first', needs: ['tags'] }, blocker.read));
    await flush();
    const one = round(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    blocker.answer({ tags: [] });
    await blocked;
    await flush();
    assert.equal(sent.length, 1);
    sent[0]!.fail(Object.assign(new Error('not authorized to perform iam:GetAccountAuthorizationDetails'), { name: 'AccessDenied' }));
    const states = await Promise.all(one.answers);
    assert.deepEqual(
      states.map((s) => s.tags![0]!.Value),
      ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'],
    );
    // Another burst in the same account: straight to the principals' own reads.
    const blocker2 = aloneRead();
    const blocked2 = apply(() => readPrincipal(client, { type: 'role', name: 'again', needs: ['tags'] }, blocker2.read));
    await flush();
    const two = round(['s1', 's2', 's3', 's4', 's5', 's6', 's7']);
    blocker2.answer({ tags: [] });
    await blocked2;
    await Promise.all(two.answers);
    assert.equal(sent.length, 1, 'no second listing');
    assert.ok(two.reads.every((r) => r.calls.length === 1));
  });

  it('reads a principal the listing does not show on its own (IAM may not have propagated it yet)', async () => {
    const { client, sent } = stubClient();
    const reads = Array.from({ length: 7 }, () => aloneRead());
    reads.forEach((r, i) => r.answer({ attached: new Set([`arn:own-${i}`]) }));
    const answers = reads.map((r, i) => apply(() => readPrincipal(client, { type: 'user', name: `n${i}`, needs: ['attached'] }, r.read)));
    await flush();
    sent[0]!.answer(listingPage([1, 2, 3, 4, 5].map((i) => ({ name: `n${i}`, arns: ['arn:listed'] }))));
    const states = await Promise.all(answers);
    assert.deepEqual([...states[6]!.attached!], ['arn:own-6']);
    assert.deepEqual([...states[3]!.attached!], ['arn:listed']);
    assert.equal(reads[6]!.calls.length, 1);
  });

  it('does not share the reads of a revoke or of a pass', async () => {
    const { client, sent } = stubClient();
    const reads = Array.from({ length: 8 }, () => aloneRead());
    reads.forEach((r) => r.answer({ attached: new Set() }));
    await Promise.all(
      reads.map((r, i) =>
        withCallClass({ priority: i % 2 ? 'revoke' : 'reconcile' }, () => readPrincipal(client, { type: 'user', name: `x${i}`, needs: ['attached'] }, r.read)),
      ),
    );
    assert.equal(sent.length, 0);
    assert.ok(reads.every((r) => r.calls.length === 1));
  });
});
