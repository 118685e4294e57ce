// The normalised form of one team's config: what `validate` produces from the YAML files and what
// `submit` hands to the team's reconcile workflow. Plain JSON, so it crosses the Temporal boundary
// as is, and every function that reads it is deterministic (safe inside workflows).
import { z } from 'zod';
import { settingsDefaults, settingsShape } from './settings-table';

/** The kinds of team file, each in its own folder as `<team>.yaml` (the last, break-glass rules, is optional and newer). */
export const FILE_KINDS = ['aws-accounts', 'aws-policies', 'permanent-access', 'temporary-access', 'break-glass'] as const;
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
  /** The inline policy these statements came from (`replaces_inline`): plan reads it, adoption deletes it. */
  replacesInline: z.string().optional(),
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
  /** `adopt: true`: the entry's grants take over what their principals held before grantflow. */
  adopt: z.boolean().optional(),
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

/** Someone the rule lets approve a request, proven by a signature with this key (an OpenSSH ed25519 public key line). */
export const breakGlassApproverSchema = z.object({ user: userRefSchema, key: z.string() });

/**
 * A break-glass rule: who may ask for urgent access without a merge, to which environments and
 * policies, for how long at most, and whose signed approvals (how many) grant it.
 */
export const breakGlassRuleSchema = z.object({
  description: z.string(),
  requesters: z.array(userRefSchema),
  environments: z.array(z.string()),
  grants: z.array(z.string()),
  maxDurationMs: z.number(),
  approvers: z.array(breakGlassApproverSchema),
  approvals: z.number().int(),
  /** How long a request waits for its approvals before it lapses. */
  openForMs: z.number(),
  /** An approver may approve a request for themselves (then only with a reason, and every approver is told). */
  selfApproval: z.boolean(),
  requireTicket: z.boolean(),
  /** Within how long after approval a temporary-access entry must record the grant, or `history` calls it unratified. */
  ratifyWithinMs: z.number(),
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
  /** The break-glass rules by name (absent when the team has no break-glass file). */
  breakGlass: z.record(z.string(), breakGlassRuleSchema).optional(),
});

export type SourceRef = z.infer<typeof sourceRefSchema>;
export type IamStatement = z.infer<typeof iamStatementSchema>;
export type Policy = z.infer<typeof policySchema>;
export type UserRef = z.infer<typeof userRefSchema>;
export type PermanentGrantEntry = z.infer<typeof permanentGrantEntrySchema>;
export type TemporaryGrantEntry = z.infer<typeof temporaryGrantEntrySchema>;
export type Settings = z.infer<typeof settingsSchema>;
export type BreakGlassApprover = z.infer<typeof breakGlassApproverSchema>;
export type BreakGlassRule = z.infer<typeof breakGlassRuleSchema>;
export type TeamConfig = z.infer<typeof teamConfigSchema>;

/** Each setting's default (./settings-table.ts); a setting without one is unset. */
export const DEFAULT_SETTINGS: Settings = settingsDefaults();
