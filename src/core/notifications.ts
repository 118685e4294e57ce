// Notifications: what grantflow tells a webhook when a grant is granted, about to expire, revoked,
// failed, or its revoke is still retrying, and when it refused something that did not come from a
// verified submission (a submission, a grant started by hand, a signal carrying access); and what
// becomes of a break-glass request (requested, approved, self-approved, denied, lapsed). The sinks
// (grantflow.yaml `notifications:`, resolved by the worker) and the messages' two formats live here;
// delivery is an activity (activities/), started from the grant or request workflow so that it never
// waits for it. Pure.

import type { PrincipalType } from './ids';

/** The events of a break-glass request. */
export const REQUEST_EVENTS = ['requested', 'approved', 'self-approved', 'denied', 'lapsed'] as const;
export type RequestEvent = (typeof REQUEST_EVENTS)[number];

export const NOTIFICATION_EVENTS = ['granted', 'expiring', 'revoked', 'failed', 'revoke-stuck', 'refused', ...REQUEST_EVENTS] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
/** The events of a grant (or of a submission: `refused`). */
export type GrantEvent = Exclude<NotificationEvent, RequestEvent>;
export const NOTIFICATION_FORMATS = ['slack', 'json'] as const;
export type NotificationFormat = (typeof NOTIFICATION_FORMATS)[number];

export const DEFAULT_EXPIRING_BEFORE_MS = 60 * 60 * 1000;
export const DEFAULT_REVOKE_STUCK_AFTER_MS = 10 * 60 * 1000;

/** What a grant workflow needs to know of the sinks: no URLs (they stay in the worker). */
export interface NotificationPlan {
  sinks: { name: string; events: NotificationEvent[]; expiringBeforeMs: number; revokeStuckAfterMs: number }[];
}

/** One event of one grant run, as the grant workflow hands it to delivery. */
export interface GrantNotification {
  event: GrantEvent;
  /** When it happened (workflow time). */
  at: string;
  grant: {
    id: string;
    runId: string;
    team: string;
    principalType: PrincipalType;
    principal: string;
    account: string;
    environment: string;
    policy: string;
    kind: 'permanent' | 'temporary';
    expiresAt?: string;
    reason?: string;
    ticket?: string;
  };
  /** revoked: expired, early, removed, superseded, beyond-limit, retired, lifted. */
  cause?: string;
  endedBy?: string;
  endReason?: string;
  /** failed, revoke-stuck: the last error. */
  error?: string;
  /** expiring: how long before the expiry it was sent; revoke-stuck: how long the revoke has been retrying. */
  afterMs?: number;
  /** refused: which refusal of the run this is (a run may refuse several forged signals). */
  sequence?: number;
}

/** One event of a break-glass request, as the request workflow hands it to delivery. */
export interface RequestNotification {
  event: RequestEvent;
  at: string;
  request: {
    id: string;
    runId: string;
    team: string;
    rule: string;
    principal: string;
    environment: string;
    account?: string;
    policy?: string;
    /** How long the access is asked for, as written (`2h`). */
    duration: string;
    reason: string;
    ticket?: string;
    requestedBy: string;
    /** Every approver the rule names: a self-approval is announced to each of them. */
    approvers: string[];
    expiresAt?: string;
    grantId?: string;
  };
  /** requested: the command an approver runs. */
  approveCommand?: string;
  /** approved, self-approved: who approved; denied: who denied. */
  by?: string;
  /** denied: why; self-approved: the approver's reason. */
  endReason?: string;
}

/** A submission the worker refused (unsigned, tampered, below a guardrail...), told by the team's reconcile workflow. */
export interface SubmissionNotification {
  event: 'refused';
  at: string;
  submission: { team: string; reconcileId: string; runId: string; staged?: string; revision?: string };
  error: string;
  sequence: number;
}

export type NotificationMessage = GrantNotification | SubmissionNotification | RequestNotification;

/**
 * `<grant id>/<event>/<run id>`, plus the reminder's lead for `expiring` and `revoke-stuck` and the
 * refusal's sequence: the same event of the same run has the same key.
 */
export function idempotencyKey(message: NotificationMessage): string {
  if ('request' in message) return `${message.request.id}/${message.event}/${message.request.runId}`;
  if ('submission' in message) return `${message.submission.reconcileId}/refused/${message.submission.runId}/${message.sequence}`;
  const base = `${message.grant.id}/${message.event}/${message.grant.runId}`;
  const lead = message.afterMs !== undefined ? `${base}/${message.afterMs}` : base;
  return message.sequence !== undefined ? `${lead}/${message.sequence}` : lead;
}

/** The child workflow id of one message to one sink: starting it twice finds the first. */
export function notificationWorkflowId(sink: string, message: NotificationMessage): string {
  return `grantflow-notify/${sink}/${idempotencyKey(message)}`;
}

/** The sink name in a notification workflow id (doctor groups stuck deliveries by it). */
export function sinkOfNotificationWorkflowId(id: string): string | undefined {
  const match = /^grantflow-notify\/([^/]+)\//.exec(id);
  return match?.[1];
}

/** The sinks that want this message: the event, and for reminders their own lead. */
export function sinksFor(plan: NotificationPlan, message: { event: NotificationEvent; afterMs?: number | undefined }): string[] {
  return plan.sinks
    .filter((s) => s.events.includes(message.event))
    .filter((s) => message.event !== 'expiring' || s.expiringBeforeMs === message.afterMs)
    .filter((s) => message.event !== 'revoke-stuck' || s.revokeStuckAfterMs === message.afterMs)
    .map((s) => s.name);
}

/** The distinct leads of the sinks that want `event` (expiring, revoke-stuck), shortest wait first. */
export function leadsFor(plan: NotificationPlan, event: 'expiring' | 'revoke-stuck'): number[] {
  const leads = plan.sinks.filter((s) => s.events.includes(event)).map((s) => (event === 'expiring' ? s.expiringBeforeMs : s.revokeStuckAfterMs));
  return [...new Set(leads)].sort((a, b) => (event === 'expiring' ? b - a : a - b));
}

/** The Temporal Web UI page of the grant's run. */
export function grantUrl(webUiUrl: string | undefined, namespace: string, message: NotificationMessage): string | undefined {
  if (!webUiUrl) return undefined;
  const [id, runId] =
    'request' in message
      ? [message.request.id, message.request.runId]
      : 'submission' in message
        ? [message.submission.reconcileId, message.submission.runId]
        : [message.grant.id, message.grant.runId];
  return `${webUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(id)}/${encodeURIComponent(runId)}/history`;
}

function span(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes >= 120 && minutes % 60 === 0) return `${minutes / 60} h`;
  if (minutes >= 1) return `${minutes} min`;
  return `${Math.round(ms / 1000)} s`;
}

/** One line a person reads: what happened, to whom, where. */
export function notificationText(message: NotificationMessage): string {
  if ('request' in message) return requestText(message);
  if ('submission' in message) {
    const s = message.submission;
    return `Refused: a submission of team ${s.team}${s.revision ? ` (revision ${s.revision})` : ''} was not applied: ${message.error}`;
  }
  const g = message.grant;
  const who = `${g.principalType} ${g.principal}`;
  const what = `${g.policy} in ${g.environment} (${g.account})`;
  const until = g.expiresAt ? ` until ${g.expiresAt}` : ' (permanent)';
  const why = [g.reason ? `reason: ${g.reason}` : undefined, g.ticket ? `ticket: ${g.ticket}` : undefined].filter(Boolean).join(', ');
  const context = why ? ` [${why}]` : '';
  switch (message.event) {
    case 'granted':
      return `Granted: ${who} holds ${what}${until}${context}`;
    case 'expiring':
      return `Expiring: ${who} loses ${what} at ${g.expiresAt ?? 'its expiry'} (in ${span(message.afterMs ?? 0)})${context}`;
    case 'revoked': {
      const cause = message.cause ?? 'revoked';
      const by =
        message.cause === 'early'
          ? ` by ${message.endedBy ?? 'an operator'}${message.endReason ? `: ${message.endReason}` : ''}`
          : message.endReason
            ? `: ${message.endReason}`
            : '';
      return `Revoked (${cause}${by}): ${who} no longer holds ${what}${context}`;
    }
    case 'failed':
      return `Failed: ${who} could not be granted ${what}${message.error ? `: ${message.error}` : ''}${context}`;
    case 'revoke-stuck':
      return `Revoke stuck: ${who} still holds ${what}; revoking has been retrying for ${span(message.afterMs ?? 0)}${message.error ? `; last error: ${message.error}` : ''}`;
    case 'refused':
      return `Refused: grant ${g.id} (claimed for ${who}, ${what}) did not come from a verified submission${message.error ? `: ${message.error}` : ''}`;
  }
}

function requestText(message: RequestNotification): string {
  const r = message.request;
  const what = `${r.policy ?? 'access'} in ${r.environment}${r.account ? ` (${r.account})` : ''} for ${r.duration}`;
  const context = [`rule ${r.rule}`, `reason: ${r.reason}`, ...(r.ticket ? [`ticket: ${r.ticket}`] : [])].join(', ');
  switch (message.event) {
    case 'requested':
      return `Break-glass requested: ${r.principal} asks for ${what} [${context}]; approvers ${r.approvers.join(', ')}: ${message.approveCommand ?? `grantflow approve ${r.id}`}`;
    case 'approved':
      return `Break-glass approved by ${message.by ?? 'its approvers'}: ${r.principal} gets ${what}${r.expiresAt ? ` until ${r.expiresAt}` : ''} [${context}]`;
    case 'self-approved':
      return `Break-glass SELF-APPROVED by ${message.by ?? r.principal}: ${r.principal} approved their own request for ${what} (why: ${message.endReason ?? 'no reason given'}) [${context}]; told to every approver: ${r.approvers.join(', ')}`;
    case 'denied':
      return `Break-glass denied by ${message.by ?? 'an operator'}${message.endReason ? `: ${message.endReason}` : ''}: ${r.principal} does not get ${what} [${context}]`;
    case 'lapsed':
      return `Break-glass lapsed: no approval in time; ${r.principal} does not get ${what} [${context}]`;
  }
}

/** The body POSTed to a sink, by its format. */
export function notificationBody(message: NotificationMessage, format: NotificationFormat, link: { url?: string }): Record<string, unknown> {
  const key = idempotencyKey(message);
  const text = notificationText(message);
  if (format === 'slack') {
    const linked = link.url ? `${text} <${link.url}|open in Temporal>` : text;
    const subject = 'request' in message ? message.request.id : 'submission' in message ? message.submission.reconcileId : message.grant.id;
    return {
      text: linked,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: linked } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `grantflow ${message.event} · ${subject} · key ${key}` }] },
      ],
    };
  }
  // What every JSON notification starts with, whatever it is about.
  const head = { schema: 'grantflow.notification/v1', idempotencyKey: key, event: message.event, at: message.at, text };
  if ('request' in message) {
    const r = message.request;
    return {
      ...head,
      grant: null,
      request: {
        ...r,
        account: r.account ?? null,
        policy: r.policy ?? null,
        ticket: r.ticket ?? null,
        expiresAt: r.expiresAt ?? null,
        grantId: r.grantId ?? null,
        url: link.url ?? null,
      },
      approveCommand: message.approveCommand ?? null,
      by: message.by ?? null,
      endReason: message.endReason ?? null,
    };
  }
  if ('submission' in message) {
    return {
      ...head,
      grant: null,
      submission: { ...message.submission, url: link.url ?? null },
      error: message.error,
    };
  }
  const g = message.grant;
  return {
    ...head,
    grant: {
      id: g.id,
      runId: g.runId,
      team: g.team,
      principalType: g.principalType,
      principal: g.principal,
      account: g.account,
      environment: g.environment,
      policy: g.policy,
      kind: g.kind,
      expiresAt: g.expiresAt ?? null,
      reason: g.reason ?? null,
      ticket: g.ticket ?? null,
      url: link.url ?? null,
    },
    cause: message.cause ?? null,
    endedBy: message.endedBy ?? null,
    endReason: message.endReason ?? null,
    error: message.error ?? null,
    afterMs: message.afterMs ?? null,
  };
}
