// A submitted config travels to Temporal in parts small enough for any payload limit, and is held
// by its submission workflow (workflows/submission.ts) for as long as it is the team's applied
// config. `grantflow submit` stages it; the reconcile workflow's activities read it back.
import type { Client } from '@temporalio/client';
import { digest } from '../core/digest';
import { submissionWorkflowId } from '../core/ids';
import type { SignedSubmission } from '../core/attestation';
import type { Revision } from '../core/revision';
import { teamConfigSchema, type TeamConfig } from '../core/team-config';
import { partQuery, signedQuery, stagedQuery, stagePartUpdate, type SubmissionInput, type SubmissionRef } from '../../workflows/messages';
import { GrantTeam } from '../../workflows/search-attributes';
import { askPatiently } from './patience';

/** Well under Temporal's 512 KB payload warning, JSON string escaping included. */
export const PART_CHARS = 200_000;

export interface StagedConfig {
  text: string;
  digest: string;
  parts: string[];
}

export function splitConfig(config: TeamConfig, partChars = PART_CHARS): StagedConfig {
  const text = JSON.stringify(config);
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += partChars) parts.push(text.slice(i, i + partChars));
  return { text, digest: digest(text), parts: parts.length ? parts : [''] };
}

/** Signs the exact config text a submission stages, for its team and revision (CI's key; see src/trust/submissions.ts). */
export type SubmissionSigner = (input: { team: string; revision: Revision; configText: string }) => SignedSubmission;

/**
 * Starts (or finds) the submission workflow for this config and stages every part it lacks. The
 * signature travels with the first part; the same config signed again (a new revision) is a new
 * submission workflow, so a signature is never replaced on a config already staged.
 */
export async function stageConfig(
  client: Client,
  config: TeamConfig,
  taskQueue: string,
  options: { sign?: SubmissionSigner; revision?: Revision; onPart?: (index: number, total: number) => void; onWait?: (line: string) => void } = {},
): Promise<SubmissionRef> {
  const staged = splitConfig(config);
  const signed = options.sign && options.revision ? options.sign({ team: config.team, revision: options.revision, configText: staged.text }) : undefined;
  // The signature is part of what is staged: a config signed for another revision is staged apart.
  const workflowId = submissionWorkflowId(config.team, signed ? digest(`${staged.digest}/${signed.signature}`) : staged.digest);
  const handle = await client.workflow.start<(input: SubmissionInput) => Promise<void>>('submissionWorkflow', {
    workflowId,
    taskQueue,
    args: [{ team: config.team, digest: staged.digest, parts: staged.parts.length, first: staged.parts[0]!, ...(signed ? { signed } : {}) }],
    // The same config submitted again finds the workflow that already holds it.
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [{ key: GrantTeam, value: config.team }],
    memo: { team: config.team, digest: staged.digest, parts: staged.parts.length, characters: staged.text.length },
  });
  // The submission workflow answers through a worker: a worker that is down or busy is waited for.
  const patiently = <T>(send: () => Promise<T>) =>
    askPatiently(send, { waitingFor: `a worker on task queue ${taskQueue}`, ...(options.onWait ? { onWait: options.onWait } : {}) });
  const status = await patiently(() => handle.query(stagedQuery));
  if (!status.complete) {
    for (let index = 1; index < staged.parts.length; index++) {
      // One update id per part: a part sent again after a lost answer is staged once.
      await patiently(() => handle.executeUpdate(stagePartUpdate, { updateId: `part-${index}`, args: [{ index, text: staged.parts[index]! }] }));
      options.onPart?.(index + 1, staged.parts.length);
    }
    const after = await patiently(() => handle.query(stagedQuery));
    if (!after.complete)
      throw new Error(`the config of team ${config.team} did not arrive whole in ${workflowId} (${after.staged}/${after.parts} parts); submit again`);
  }
  return { workflowId, digest: staged.digest, parts: staged.parts.length };
}

/** A staged submission as read back: the config's exact text, the config, and the signature that came with it. */
export interface StagedSubmission {
  ref: SubmissionRef;
  text: string;
  config: TeamConfig;
  signed?: SignedSubmission;
}

/**
 * Reads a staged submission back. Its text must match the digest the reference names; whether it
 * may be applied (its signature) is the caller's to decide (src/reconcile/authority.ts).
 */
export async function loadSubmission(client: Client, ref: SubmissionRef): Promise<StagedSubmission> {
  const handle = client.workflow.getHandle(ref.workflowId);
  const parts: string[] = [];
  for (let index = 0; index < ref.parts; index++) parts.push(await handle.query(partQuery, index));
  const text = parts.join('');
  if (digest(text) !== ref.digest) throw new Error(`the config held by ${ref.workflowId} does not match its digest ${ref.digest}; submit the team again`);
  const signed = await handle.query(signedQuery);
  return { ref, text, config: teamConfigSchema.parse(JSON.parse(text)), ...(signed ? { signed } : {}) };
}
