// The normalised form of one team's config: what `validate` produces from the YAML files and what
// `submit` hands to the team's reconcile workflow. Plain JSON, so it crosses the Temporal boundary
// as is, and every function that reads it is deterministic (safe inside workflows).
import { z } from 'zod';

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
  source: sourceRefSchema,
});

/** A user as written in YAML (`bert@example.com`) and as IAM knows it (`bert`). */
export const userRefSchema = z.object({ written: z.string(), name: z.string() });

export const permanentGrantEntrySchema = z.object({
  description: z.string(),
  users: z.array(userRefSchema),
  roles: z.array(z.string()),
  environments: z.array(z.string()),
  grants: z.array(z.string()),
  source: sourceRefSchema,
});

export const temporaryGrantEntrySchema = z.object({
  description: z.string(),
  user: userRefSchema,
  environment: z.string(),
  grant: z.string(),
  expiresAt: z.string(),
  startsAt: z.string().optional(),
  reason: z.string().optional(),
  ticket: z.string().optional(),
  source: sourceRefSchema,
});

export const settingsSchema = z.object({
  deployerRole: z.string(),
  deployerExternalId: z.string().optional(),
  partition: z.enum(['aws', 'aws-cn', 'aws-us-gov']),
  maxTemporaryDays: z.number(),
  reconcileIntervalMs: z.number(),
  taskQueue: z.string(),
  maxManagedPoliciesPerPrincipal: z.number(),
  iamCallsPerSecond: z.number(),
  revokeMaxBackoffMs: z.number(),
  /** Actions and AWS managed policies unknown to the offline catalogues are errors, not warnings. */
  strictActions: z.boolean().optional(),
  /** How long a user or policy IAM says does not exist is retried, in case it was created a moment ago. */
  iamPropagationWaitMs: z.number(),
  /** Temporary grants: managed policies as expiring copies (`copy`, the default) or attached as they are. */
  temporaryManagedPolicies: z.enum(['copy', 'attach']).optional(),
  /** Environments whose grants' Allow statements all require MFA (a Deny applies with or without it). */
  requireMfa: z.array(z.string()).optional(),
  /** The permission boundary every principal must carry: for every environment, or by environment. */
  permissionsBoundary: z.union([z.object({ all: z.string() }), z.object({ byEnvironment: z.record(z.string(), z.string()) })]).optional(),
});

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

export const DEFAULT_SETTINGS: Settings = {
  deployerRole: 'AWSSelfServeDeployer',
  partition: 'aws',
  maxTemporaryDays: 6,
  reconcileIntervalMs: 60 * 60 * 1000,
  taskQueue: 'grantflow',
  maxManagedPoliciesPerPrincipal: 10,
  iamCallsPerSecond: 10,
  revokeMaxBackoffMs: 60 * 1000,
  iamPropagationWaitMs: 2 * 60 * 1000,
};
