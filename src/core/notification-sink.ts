// A notification sink as the worker runs it. Its own module, so that the workflow code, which uses
// the events and messages of ./notifications, does not bundle zod.
import { z } from 'zod';

import { NOTIFICATION_EVENTS, NOTIFICATION_FORMATS, type NotificationPlan } from './notifications';

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
