// How a plan and a submission read: in the terminal, as JSON, and as a GitHub step summary.
import fs from 'node:fs';
import type { PlanEntry } from '../core/plan';
import { SUMMARY_LIST_CAP, type PlanSummary } from '../../workflows/messages';
import { table } from './table';
import { shortCommit } from '../core/revision';
import { plural } from '../core/grant-outcomes';

function short(arn: string): string {
  return arn.replace(/^arn:[^:]+:iam::(aws|\d{12}):policy\//, '');
}

/** `add`, or `add (already in IAM)` for a grant whose access IAM holds already. */
export function actionText(entry: PlanEntry): string {
  return entry.alreadyInIam ? `${entry.action} (already in IAM)` : entry.action;
}

export function planTable(entries: readonly PlanEntry[]): string {
  const rows = entries.map((e) => [
    actionText(e),
    e.principal,
    e.environment ? `${e.environment} (${e.account})` : e.account,
    e.policy,
    e.kind,
    e.expiresAt ?? '-',
    [
      ...(e.problem ? [e.problem.includes('permissions_boundary') ? 'NO BOUNDARY' : 'OVER QUOTA'] : []),
      ...(e.drift.length ? [`drift: ${e.drift.map(short).join(', ')}`] : []),
      ...(e.replaces ? [`replaces ${e.replaces.split('/until/')[1]}`] : []),
      e.note ?? '',
    ]
      .filter(Boolean)
      .join('; '),
  ]);
  return table(['ACTION', 'PRINCIPAL', 'ACCOUNT', 'POLICY', 'KIND', 'EXPIRES', 'NOTES'], rows);
}

/** Which parts of each temporary grant AWS expires by itself and which only grantflow removes. */
export function expiryNotes(entries: readonly PlanEntry[]): string {
  const temporary = entries.filter(
    (e) => e.kind === 'temporary' && (e.action === 'add' || e.action === 'replace' || e.action === 'keep' || e.action === 'update'),
  );
  const lines = temporary.length ? ['Expiry of temporary grants:'] : [];
  for (const e of temporary) {
    lines.push(`  ${e.principal} ${e.policy} until ${e.expiresAt}:`);
    lines.push(`    AWS denies after expiry (DateLessThan aws:CurrentTime): ${e.awsExpires.length ? e.awsExpires.map(short).join(', ') : 'nothing'}`);
    lines.push(`    grantflow's workflow detaches at expiry: ${e.workflowExpires.length ? e.workflowExpires.map(short).join(', ') : 'nothing'}`);
    for (const part of e.notCopied ?? []) lines.push(`    attached as is, not as an expiring copy: ${short(part.arn)}: ${part.reason}`);
  }
  const withoutMfa = entries.filter((e) => e.withoutMfa?.length && e.action !== 'revoke' && e.action !== 'skip');
  for (const e of withoutMfa) {
    lines.push(
      `warning: ${e.principal} ${e.policy} in ${e.environment ?? e.account} requires MFA, but ${e.withoutMfa!.map(short).join(', ')} is attached as is and cannot carry the condition`,
    );
  }
  return lines.join('\n');
}

export function planCounts(entries: readonly PlanEntry[]): string {
  const count = (action: PlanEntry['action']) => entries.filter((e) => e.action === action).length;
  const drifted = entries.filter((e) => e.drift.length > 0).length;
  const already = entries.filter((e) => e.alreadyInIam).length;
  return `${count('add')} to add${already ? ` (${already} already in IAM)` : ''}, ${count('replace')} to replace, ${count('revoke')} to revoke, ${count('update')} to update, ${count('keep')} to keep (${drifted} drifted), ${count('sticky')} revoked early, ${count('skip')} expired`;
}

export function planMarkdown(team: string, entries: readonly PlanEntry[], heading: string): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `### ${heading}: ${team}`,
    '',
    planCounts(entries),
    '',
    '| action | principal | account | policy | kind | expires | notes |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const e of entries) {
    const notes = [...(e.problem ? [e.problem] : []), ...(e.drift.length ? [`drift: ${e.drift.map(short).join(', ')}`] : []), e.note ?? '']
      .filter(Boolean)
      .join('; ');
    lines.push(
      `| ${actionText(e)} | ${escape(e.principal)} | ${e.environment ?? ''} ${e.account} | ${escape(e.policy)} | ${e.kind} | ${e.expiresAt ?? '-'} | ${escape(notes)} |`,
    );
  }
  const temporary = entries.filter((e) => e.kind === 'temporary' && e.action !== 'revoke' && e.action !== 'skip');
  if (temporary.length) {
    lines.push('', 'AWS itself denies the inline policies and expiring copies after expiry; the workflow detaches managed policies attached as they are.');
  }
  return `${lines.join('\n')}\n`;
}

export function submissionSummary(summary: PlanSummary): string {
  const { counts } = summary;
  const lines = [
    `submitted ${summary.team}${summary.revision?.commit ? ` at ${shortCommit(summary.revision.commit)}` : ''}: ` +
      `${counts.added} added, ${counts.replaced} replaced, ${counts.revoked} revoked, ` +
      `${counts.kept} kept, ${counts.sticky} left revoked (early revocation), ${plural(counts.skippedExpired, 'expired entry', 'expired entries')} skipped` +
      (counts.cleaned ? `, ${plural(counts.cleaned, 'terminated grant')} cleaned up` : ''),
  ];
  for (const id of summary.added) lines.push(`  + ${id}`);
  for (const { from, to } of summary.replaced) lines.push(`  ~ ${to} (replaces ${from})`);
  for (const id of summary.waiting) lines.push(`  ~ ${id} is not active yet; the grant it replaces stays until it is`);
  for (const id of summary.revoked) lines.push(`  - ${id}`);
  for (const id of summary.sticky) lines.push(`  ! ${id} stays revoked; \`grantflow restore ${id}\` lifts it`);
  if (summary.truncated) lines.push(`  (lists cut at ${SUMMARY_LIST_CAP} ids each; \`grantflow status ${summary.team}\` lists every grant)`);
  const policies = Object.entries(summary.policies).filter(([, outcome]) => outcome !== 'unchanged');
  for (const [arn, outcome] of policies) lines.push(`  policy ${short(arn)}: ${outcome}`);
  for (const error of summary.errors) lines.push(`  error: ${error}`);
  return lines.join('\n');
}

/** Appends to $GITHUB_STEP_SUMMARY when GitHub Actions provides one. */
export function appendStepSummary(env: Record<string, string | undefined>, markdown: string): void {
  const file = env.GITHUB_STEP_SUMMARY;
  if (file) fs.appendFileSync(file, `${markdown}\n`);
}
