// Replacements: a grant the YAML gave a new expiry (or wrote its principal in another case) is a new
// grant workflow. The new grant first, so there is no moment without access; the old one goes once
// the new one is active.
import { WorkflowNotFoundError } from '@temporalio/client';
import { readyReplacements } from '../../core/reconcile-plan';
import { statusQuery } from '../../../workflows/messages';
import type { PassContext } from '../context';
import { waitForEach } from '../waiting';
import { revoke } from './signal';

/** How long a pass waits for a replacement to become active before leaving the old grant for a later pass. */
const REPLACEMENT_WAIT_MS = 20_000;
const REPLACEMENT_POLL_MS = 250;

type Pair = { from: string; to: string };

/**
 * Revokes each old grant whose replacement is active. A new grant that cannot be active yet (its
 * start_date is ahead, or it ended without becoming active) leaves the old one for a later pass;
 * so does one that is slow, after a short wait. Both are reported as waiting.
 */
export async function replace(ctx: PassContext, pairs: readonly Pair[]): Promise<void> {
  if (pairs.length === 0) return;
  const byNew = new Map(pairs.map((pair) => [pair.to, pair]));
  const { settled, open } = await waitForEach<'ready' | 'notYet'>(
    pairs.map((pair) => pair.to),
    {
      withinMs: REPLACEMENT_WAIT_MS,
      everyMs: REPLACEMENT_POLL_MS,
      read: async (to) => {
        const split = readyReplacements([byNew.get(to)!], new Map([[to, await grantState(ctx, to)]]), Date.now());
        return split.ready.length > 0 ? 'ready' : split.notYet.length > 0 ? 'notYet' : undefined;
      },
      onRead: () => ctx.deps.heartbeat('waiting for replacements'),
    },
  );
  const ready = [...settled].flatMap(([to, outcome]) => (outcome === 'ready' ? [byNew.get(to)!] : []));
  ctx.report.waiting.push(...[...settled].flatMap(([to, outcome]) => (outcome === 'notYet' ? [to] : [])), ...open);
  const revoked = await revoke(
    ctx,
    ready.map((p) => ({ id: p.from, cause: 'superseded' as const, reason: 'replaced by a new expiry' })),
  );
  ctx.report.replaced.push(...ready.filter((p) => revoked.includes(p.from)));
}

/** A grant's state by query, or none when its workflow is gone. */
async function grantState(ctx: PassContext, id: string): Promise<{ state: string; startsAt?: string } | undefined> {
  try {
    const status = await ctx.deps.temporal.workflow.getHandle(id).query(statusQuery);
    return { state: status.state, ...(status.startsAt ? { startsAt: status.startsAt } : {}) };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
