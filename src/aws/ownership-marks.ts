// grantflow's ownership marks: a managed-policy attachment is grantflow's when the principal carries
// the tag `grantflow:attached:<digest of the ARN>` (its value the ARN, cut at 256 characters), written
// before grantflow attaches a policy that was not attached already. managed-attachments.ts says who
// may trust a mark, and how an attach and a concurrent release keep the marks right.
import type { Tag } from '@aws-sdk/client-iam';
import { digest } from '../core/digest';
import { ATTACHMENT_TAG_PREFIX, attachmentTagKey } from '../core/names';
import { allPages, call, callOrAbsent, type Target } from './iam-calls';
import { PRINCIPAL_CALLS, principalContext, type Principal } from './principal-calls';

const TAG_VALUE_MAX = 256;
/** The most tags (or tag keys) IAM takes in one TagUser/TagRole (UntagUser/UntagRole). */
const TAGS_PER_CALL = 50;

export function markerKey(arn: string): string {
  return attachmentTagKey(digest(arn));
}

export const markTag = (arn: string): Tag => ({ Key: markerKey(arn), Value: arn.slice(0, TAG_VALUE_MAX) });

export interface MarkKeys {
  keys: Set<string>;
  byValue: Map<string, string>;
}

export function markKeysOf(tags: readonly Tag[]): MarkKeys {
  const keys = new Set<string>();
  const byValue = new Map<string, string>();
  for (const tag of tags) {
    if (!tag.Key?.startsWith(ATTACHMENT_TAG_PREFIX) || !tag.Value) continue;
    keys.add(tag.Key);
    // A tag value holds 256 characters: a longer ARN is cut short there, and found by its key instead.
    if (tag.Value.length < TAG_VALUE_MAX) byValue.set(tag.Value, tag.Key);
  }
  return { keys, byValue };
}

/** Every tag on the principal. */
export async function listTags(target: Target, principal: Principal): Promise<Tag[]> {
  const pages = await allPages(target, PRINCIPAL_CALLS[principal.type].listTags(principal.name), principalContext(principal));
  return pages.flatMap((page) => page.Tags ?? []);
}

export async function listMarkKeys(target: Target, principal: Principal): Promise<MarkKeys> {
  return markKeysOf(await listTags(target, principal));
}

export async function tag(target: Target, principal: Principal, tags: Tag[]): Promise<void> {
  const extra = principalContext(principal);
  for (let i = 0; i < tags.length; i += TAGS_PER_CALL) {
    await call(target, PRINCIPAL_CALLS[principal.type].tag(principal.name, tags.slice(i, i + TAGS_PER_CALL)), extra);
  }
}

export async function untag(target: Target, principal: Principal, keys: string[]): Promise<void> {
  const extra = principalContext(principal);
  for (let i = 0; i < keys.length; i += TAGS_PER_CALL) {
    await callOrAbsent(target, PRINCIPAL_CALLS[principal.type].untag(principal.name, keys.slice(i, i + TAGS_PER_CALL)), extra);
  }
}
