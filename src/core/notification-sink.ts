// A notification sink as grantflow.yaml writes it and as the worker runs it. Its own module, so that
// the workflow code, which uses the events and messages of ./notifications, does not bundle zod.
import { z } from 'zod';

import { NOTIFICATION_EVENTS, NOTIFICATION_FORMATS, type NotificationPlan } from './notifications';
import { text } from './yaml-text';

/** One webhook sink under `notifications:` in grantflow.yaml; its URL is read from `url_env` on the worker. */
export const notificationSinkFileSchema = z.strictObject({
  name: text('name').regex(/^[A-Za-z0-9_.-]+$/, 'name may hold letters, digits, _ . - only'),
  url_env: text('url_env').regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'url_env names an environment variable (letters, digits, _), never the URL itself'),
  format: z.enum(NOTIFICATION_FORMATS),
  events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1).optional(),
  expiring_before: text('expiring_before').optional(),
  revoke_stuck_after: text('revoke_stuck_after').optional(),
});

/** A sink as the worker runs it: its URL already read from the environment variable the YAML names. */
export const notificationSinkSchema = z.object({
  name: z.string(),
  url: z.string(),
  format: z.enum(NOTIFICATION_FORMATS),
  events: z.array(z.enum(NOTIFICATION_EVENTS)),
  expiringBeforeMs: z.number(),
  revokeStuckAfterMs: z.number(),
});
export type NotificationSink = z.infer<typeof notificationSinkSchema>;

export function notificationPlan(sinks: readonly NotificationSink[]): NotificationPlan {
  return {
    sinks: sinks.map(({ name, events, expiringBeforeMs, revokeStuckAfterMs }) => ({ name, events: [...events], expiringBeforeMs, revokeStuckAfterMs })),
  };
}
