// The normalised form of one team's config: what `validate` produces from the YAML files and what
// `submit` hands to the team's reconcile workflow. Plain JSON, so it crosses the Temporal boundary
// as is, and every function that reads it is deterministic (safe inside workflows).
import { z } from 'zod';
import { settingsDefaults, settingsShape } from './settings-table';

/** The four kinds of team file, each in its own folder as `<team>.yaml`. */
export const FILE_KINDS = ['aws-accounts', 'aws-policies', 'permanent-access', 'temporary-access'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

/** Where an entry was written; `index` is its position in the file's list (for pointing at its keys). */
export const sourceRefSchema = z.object({ file: z.string(), line: z.number().int(), index: z.number().int().optional() });

const conditionValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);

/** A statement in IAM's own JSON shape. */
export const iamStatementSchema = z.object({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: z.array(z.string()).optional(),
  NotAction: z.array(z.string()).optional(),
  Resource: z.array(z.string()).optional(),
  NotResource: z.array(z.string()).optional(),
  Condition: z.record(z.string(), z.record(z.string(), conditionValueSchema)).optional(),
});

export const policySchema = z.object({
  description: z.string(),
  managedPolicyArns: z.array(z.string()),
  statements: z.array(iamStatementSchema),
  /** An IAM Identity Center permission set that exists already, assigned as it is (then no managed policies or statements). */
  permissionSet: z.string().optional(),
  source: sourceRefSchema,
});

/** A user as written in YAML (`bert@example.com`) and as IAM knows it (`bert`). */
export const userRefSchema = z.object({ written: z.string(), name: z.string() });

export const permanentGrantEntrySchema = z.object({
  description: z.string(),
  users: z.array(userRefSchema),
  roles: z.array(z.string()),
  /** IAM Identity Center users (user name or email) and groups (display name), as written. */
  ssoUsers: z.array(z.string()).optional(),
  ssoGroups: z.array(z.string()).optional(),
  environments: z.array(z.string()),
  grants: z.array(z.string()),
  source: sourceRefSchema,
});

export const temporaryGrantEntrySchema = z.object({
  description: z.string(),
  /** The entry's principal: exactly one of an IAM user, an IAM Identity Center user, an Identity Center group. */
  user: userRefSchema.optional(),
  ssoUser: z.string().optional(),
  ssoGroup: z.string().optional(),
  environment: z.string(),
  grant: z.string(),
  expiresAt: z.string(),
  startsAt: z.string().optional(),
  reason: z.string().optional(),
  ticket: z.string().optional(),
  source: sourceRefSchema,
});

/** The normalised settings: a field per setting of ./settings-table.ts, which declares each one. */
export const settingsSchema = z.object(settingsShape());

export const teamConfigSchema = z.object({
  team: z.string(),
  accounts: z.record(z.string(), z.string()),
  policies: z.record(z.string(), policySchema),
  permanent: z.array(permanentGrantEntrySchema),
  temporary: z.array(temporaryGrantEntrySchema),
  settings: settingsSchema,
});

export type SourceRef = z.infer<typeof sourceRefSchema>;
export type IamStatement = z.infer<typeof iamStatementSchema>;
export type Policy = z.infer<typeof policySchema>;
export type UserRef = z.infer<typeof userRefSchema>;
export type PermanentGrantEntry = z.infer<typeof permanentGrantEntrySchema>;
export type TemporaryGrantEntry = z.infer<typeof temporaryGrantEntrySchema>;
export type Settings = z.infer<typeof settingsSchema>;
export type TeamConfig = z.infer<typeof teamConfigSchema>;

/** Each setting's default (./settings-table.ts); a setting without one is unset. */
export const DEFAULT_SETTINGS: Settings = settingsDefaults();
