// A string as the YAML files write it, shared by the file schemas (src/config/schema.ts) and the
// schemas of grantflow.yaml's settings (./settings-table.ts, ./notification-sink.ts).
import { z } from 'zod';

/** A required, trimmed, non-empty string; its messages name `what`. */
export const text = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${what} is required` : undefined) })
    .trim()
    .min(1, `${what} must not be empty`);
