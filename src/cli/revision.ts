// Which revision of the config a submission is: the git commit and its time when the config folder
// is in a git work tree, and who submits it.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Revision } from '../core/revision';

function git(dir: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function currentRevision(configDir: string, env: Record<string, string | undefined>, now = new Date()): Revision {
  const commit = env.GRANTFLOW_REVISION ?? env.GITHUB_SHA ?? git(configDir, ['rev-parse', 'HEAD']);
  const committedAt = env.GRANTFLOW_REVISION_TIME ?? (commit ? git(configDir, ['log', '-1', '--format=%cI', commit]) : undefined);
  const dirty = !env.GRANTFLOW_REVISION && commit !== undefined && git(configDir, ['status', '--porcelain', '--', '.']) !== undefined;
  const submittedBy = env.GRANTFLOW_SUBMITTED_BY ?? env.GITHUB_ACTOR ?? git(configDir, ['config', 'user.email']) ?? env.USER ?? os.userInfo().username;
  return {
    ...(commit ? { commit: dirty ? `${commit}-dirty` : commit } : {}),
    ...(committedAt ? { committedAt: new Date(committedAt).toISOString() } : {}),
    submittedAt: now.toISOString(),
    submittedBy,
  };
}
