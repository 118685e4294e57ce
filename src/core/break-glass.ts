// Urgent access without waiting for a merge ("break glass"): a request names a rule of the team's
// break-glass file, a user, an environment, a policy and a duration; approvers the rule names sign
// the request's exact terms; enough signatures make it an ordinary temporary grant, counted from the
// approval, whose id is the one a temporary-access entry for it would have. Pure: which rule is in
// force, and whether a signature is valid, are decided by the worker (src/reconcile/break-glass.ts,
// src/trust/approvals.ts) with these functions.
import { canonicalJson } from './canonical-json';
import { digest } from './digest';
import { canonicalPrincipal, iamUserName } from './names';
import type { BreakGlassRule, TeamConfig, TemporaryGrantEntry } from './team-config';
import { DAY_MS, formatDuration, toIamTime } from './time';

/** What a rule says when its file leaves it out. */
export const BREAK_GLASS_DEFAULTS = { approvals: 1, openForMs: 60 * 60 * 1000, ratifyWithinMs: 3 * DAY_MS } as const;

/** The states a request workflow shows (search attribute GrantState, and `grantflow requests --state`). */
export const REQUEST_STATES = ['checking', 'requested', 'approved', 'denied', 'lapsed', 'granted', 'failed'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** Names the approval statement's format inside the signed text, so that no other signed text verifies as one. */
export const APPROVAL_FORMAT = 'grantflow-approval/1';

/** The command an approver runs, as the `requested` notification and `grantflow request` show it. */
export function approveCommand(requestId: string): string {
  return `grantflow approve ${requestId} --key ~/.ssh/id_ed25519`;
}

export function breakGlassFile(team: string): string {
  return `break-glass/${team}.yaml`;
}

/** What a requester asks for; the worker checks it against the rule in the team's newest verified config. */
export interface RequestAsk {
  team: string;
  rule: string;
  /** The user to receive the access, as the rule's requesters write users (an email or an IAM user name). */
  user: string;
  environment: string;
  /** Needed only when the rule grants more than one policy. */
  policy?: string;
  durationMs: number;
  reason: string;
  ticket?: string;
  /** Who ran the command (recorded; the access goes to `user`). */
  requestedBy: string;
}

/**
 * A request's exact terms, as the worker fixed them from the rule in force: what an approver signs.
 * `runId` is the request workflow's run, assigned by the server, so a signature over one request
 * never counts for another (nor for a new run under the same id).
 */
export interface RequestTerms {
  requestId: string;
  runId: string;
  team: string;
  rule: string;
  /** The rule as it was when the request was checked: an approval after the rule changed is refused. */
  ruleDigest: string;
  /** The revision of the verified config the rule came from. */
  revision: string;
  principal: string;
  principalWritten: string;
  environment: string;
  account: string;
  policy: string;
  durationMs: number;
  reason: string;
  ticket?: string;
  requestedBy: string;
}

/** What a request shows of its rule: who may approve, how many must, and its times. */
export interface RuleView {
  source: string;
  approvers: string[];
  approvals: number;
  openForMs: number;
  selfApproval: boolean;
  ratifyWithinMs: number;
}

/** The rule's identity apart from where it is written: moving it in the file is no change. */
export function ruleDigest(rule: BreakGlassRule): string {
  return digest(canonicalJson({ ...rule, source: undefined }));
}

function where(rule: BreakGlassRule): string {
  return `${rule.source.file}:${rule.source.line}`;
}

const sameUser = (a: string, b: string) => canonicalPrincipal(a) === canonicalPrincipal(b);

/**
 * The request's terms under the team's verified config, or why the worker refuses it (a message that
 * names the rule's file and line and the fix). `maxTemporaryDays`: the team's, under the worker's ceiling.
 */
export function checkRequest(
  config: TeamConfig,
  ask: RequestAsk,
  context: { requestId: string; runId: string; revision: string; maxTemporaryDays: number },
): { ok: true; terms: RequestTerms; view: RuleView } | { ok: false; reason: string } {
  const refuse = (reason: string) => ({ ok: false as const, reason });
  const rules = config.breakGlass ?? {};
  const rule = Object.hasOwn(rules, ask.rule) ? rules[ask.rule] : undefined;
  if (!rule) {
    const names = Object.keys(rules).sort();
    return refuse(
      names.length
        ? `team ${config.team} has no break-glass rule "${ask.rule}" in its verified config; its rules are ${names.join(', ')} (${breakGlassFile(config.team)})`
        : `team ${config.team}'s verified config has no break-glass rules: write them in ${breakGlassFile(config.team)} and submit the team`,
    );
  }
  const requester = rule.requesters.find((r) => sameUser(r.name, iamUserName(ask.user.trim())));
  if (!requester) {
    return refuse(
      `${ask.user} may not request under rule ${ask.rule} (${where(rule)}): its requesters are ${rule.requesters.map((r) => r.written).join(', ')}`,
    );
  }
  if (!rule.environments.includes(ask.environment)) {
    return refuse(`rule ${ask.rule} (${where(rule)}) covers ${rule.environments.join(', ')}, not ${ask.environment}: use --env ${rule.environments[0]}`);
  }
  const account = Object.hasOwn(config.accounts, ask.environment) ? config.accounts[ask.environment] : undefined;
  if (account === undefined) return refuse(`environment ${ask.environment} has no account in aws-accounts/${config.team}.yaml`);
  let policy = ask.policy;
  if (policy === undefined) {
    if (rule.grants.length !== 1) return refuse(`rule ${ask.rule} (${where(rule)}) grants ${rule.grants.join(', ')}: name one with --policy`);
    policy = rule.grants[0]!;
  }
  if (!rule.grants.includes(policy)) return refuse(`rule ${ask.rule} (${where(rule)}) grants ${rule.grants.join(', ')}, not ${policy}`);
  if (!Object.hasOwn(config.policies, policy)) return refuse(`policy ${policy} is not defined in aws-policies/${config.team}.yaml`);
  if (!(ask.durationMs > 0)) return refuse('the duration must be more than zero, such as 30m or 2h');
  if (ask.durationMs > rule.maxDurationMs) {
    return refuse(
      `asked for ${formatDuration(ask.durationMs)}; rule ${ask.rule} (${where(rule)}) allows at most ${formatDuration(rule.maxDurationMs)} (max_duration): ask for ${formatDuration(rule.maxDurationMs)} or less`,
    );
  }
  if (ask.durationMs > context.maxTemporaryDays * DAY_MS) {
    return refuse(
      `asked for ${formatDuration(ask.durationMs)}; temporary access may last at most ${context.maxTemporaryDays} days (max_temporary_days, under the worker's ceiling)`,
    );
  }
  if (ask.reason.trim() === '') return refuse('a request needs a reason: say why with --reason');
  if (rule.requireTicket && !ask.ticket?.trim()) return refuse(`rule ${ask.rule} (${where(rule)}) requires a ticket: add --ticket`);
  return {
    ok: true,
    terms: {
      requestId: context.requestId,
      runId: context.runId,
      team: config.team,
      rule: ask.rule,
      ruleDigest: ruleDigest(rule),
      revision: context.revision,
      principal: requester.name,
      principalWritten: requester.written,
      environment: ask.environment,
      account,
      policy,
      durationMs: ask.durationMs,
      reason: ask.reason.trim(),
      ...(ask.ticket?.trim() ? { ticket: ask.ticket.trim() } : {}),
      requestedBy: ask.requestedBy,
    },
    view: ruleView(rule),
  };
}

export function ruleView(rule: BreakGlassRule): RuleView {
  return {
    source: where(rule),
    approvers: rule.approvers.map((a) => a.user.written),
    approvals: rule.approvals,
    openForMs: rule.openForMs,
    selfApproval: rule.selfApproval,
    ratifyWithinMs: rule.ratifyWithinMs,
  };
}

/** What an approver signs: the request's terms, when, and (approving their own request) why. */
export interface ApprovalStatement {
  format: typeof APPROVAL_FORMAT;
  request: RequestTerms;
  signedAt: string;
  /** Required when the approver is the user the access goes to. */
  selfReason?: string;
}

export function approvalStatement(terms: RequestTerms, signedAt: string, selfReason?: string): ApprovalStatement {
  return { format: APPROVAL_FORMAT, request: terms, signedAt, ...(selfReason?.trim() ? { selfReason: selfReason.trim() } : {}) };
}

/** An approval as it travels: the exact text signed, the signature, and which key made it. */
export interface SignedApproval {
  statement: string;
  /** ed25519 over the statement's UTF-8 bytes, base64. */
  signature: string;
  /** The key's fingerprint, `SHA256:…` as ssh-keygen -l prints it. */
  keyId: string;
}

/** The text a signature covers. */
export function approvalText(statement: ApprovalStatement): string {
  return canonicalJson(statement);
}

/** The fields of the terms a statement differs in (none: it is over exactly these terms). */
export function termsMismatch(signed: RequestTerms, terms: RequestTerms): string[] {
  const keys = [...new Set([...Object.keys(signed), ...Object.keys(terms)])].sort();
  return keys.filter(
    (key) => canonicalJson((signed as unknown as Record<string, unknown>)[key]) !== canonicalJson((terms as unknown as Record<string, unknown>)[key]),
  );
}

/** An approval the worker verified: who, when they signed, and whether it was for themselves. */
export interface CountedApproval {
  approver: string;
  signedAt: string;
  self: boolean;
}

/**
 * Whether `counted` (in the order they were accepted) approve the request: the first `needed`
 * distinct approvers. The grant counts from the latest of their signatures, so the expiry follows
 * from what was signed alone: a request replayed or reset grants no later expiry.
 */
export function tally(
  needed: number,
  durationMs: number,
  counted: readonly CountedApproval[],
): { approved: false } | { approved: true; approvers: string[]; approvedAt: string; expiresAt: string } {
  const seen = new Map<string, CountedApproval>();
  for (const approval of counted) if (!seen.has(canonicalPrincipal(approval.approver))) seen.set(canonicalPrincipal(approval.approver), approval);
  const first = [...seen.values()].slice(0, needed);
  if (first.length < needed) return { approved: false };
  const approvedMs = Math.max(...first.map((a) => Math.floor(Date.parse(a.signedAt) / 1000) * 1000));
  return { approved: true, approvers: first.map((a) => a.approver), approvedAt: toIamTime(approvedMs), expiresAt: toIamTime(approvedMs + durationMs) };
}

/** The temporary-access entry that records an approved request: it expands to the break-glass grant's very id. */
/** A temporary entry for an IAM user: break-glass grants are IAM users' (never Identity Center's). */
export type UserTemporaryEntry = TemporaryGrantEntry & { user: NonNullable<TemporaryGrantEntry['user']> };

export function breakGlassEntry(terms: RequestTerms, approval: { expiresAt: string; approvers: readonly string[] }, ruleLine: number): UserTemporaryEntry {
  return {
    description: `Break-glass ${terms.requestId} (rule ${terms.rule}), approved by ${approval.approvers.join(', ')}`,
    user: { written: terms.principalWritten, name: terms.principal },
    environment: terms.environment,
    grant: terms.policy,
    expiresAt: approval.expiresAt,
    reason: terms.reason,
    ...(terms.ticket ? { ticket: terms.ticket } : {}),
    source: { file: breakGlassFile(terms.team), line: ruleLine },
  };
}

/** The entry as lines to add under `temporary-access:` in temporary-access/<team>.yaml. */
export function printedEntry(entry: UserTemporaryEntry): string {
  // JSON strings are YAML double-quoted scalars: whatever a reason holds, the entry reads back the same.
  const lines = [
    `  - description: ${JSON.stringify(entry.description)}`,
    `    user: ${JSON.stringify(entry.user.written)}`,
    `    environment: ${JSON.stringify(entry.environment)}`,
    `    grant: ${JSON.stringify(entry.grant)}`,
    `    expiration_date: ${entry.expiresAt}`,
    ...(entry.reason ? [`    reason: ${JSON.stringify(entry.reason)}`] : []),
    ...(entry.ticket ? [`    ticket: ${JSON.stringify(entry.ticket)}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** Whether the rule still lets this grant stand: a pass revokes a break-glass grant whose rule no longer does. */
export function ruleAdmits(rule: BreakGlassRule | undefined, grant: { principal: string; environment: string; policy: string }): boolean {
  if (!rule) return false;
  return rule.requesters.some((r) => sameUser(r.name, grant.principal)) && rule.environments.includes(grant.environment) && rule.grants.includes(grant.policy);
}

/** What a break-glass grant's memo says of where it came from (visibility lists it: the reconcile pass and `history` read it). */
export interface BreakGlassMark {
  request: string;
  rule: string;
  requestedBy: string;
  approvers: string[];
  approvedAt: string;
  /** By when a temporary-access entry must record it, or `history` calls it unratified. */
  ratifyBy: string;
}
