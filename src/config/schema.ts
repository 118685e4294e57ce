// The shapes of the YAML files a team keeps in git. These zod schemas are the only definition of
// the config's types (see z.infer below); grantflow.yaml's keys take theirs from the settings table
// (src/core/settings-table.ts). Semantic rules that need more than one file live in src/core/rules/.
import { z } from 'zod';
import type { FileKind } from '../core/team-config';
import { settingsFileShape } from '../core/settings-table';
import { text } from '../core/yaml-text';

/** One string or a list of them; the documented format uses lists, and a single value is accepted for convenience. */
const oneOrMany = (what: string) =>
  z.union([text(what).transform((value) => [value]), z.array(text(what)).min(1, `${what} must list at least one value`)], {
    error: () => `${what} must be a string or a list of strings`,
  });

const conditionValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1)]);

export const statementInputSchema = z
  .strictObject({
    // IAM accepts an empty Sid (it is the same as none); only the characters are restricted.
    sid: z
      .string()
      .regex(/^[A-Za-z0-9]*$/, 'sid may contain only letters and digits (IAM rule)')
      .optional(),
    effect: z.enum(['Allow', 'Deny'], {
      error: (issue) =>
        issue.input === undefined
          ? 'effect is required: "Allow" or "Deny"'
          : `effect must be "Allow" or "Deny" (case-sensitive), got ${JSON.stringify(issue.input)}`,
    }),
    actions: oneOrMany('actions').optional(),
    not_actions: oneOrMany('not_actions').optional(),
    resources: oneOrMany('resources').optional(),
    not_resources: oneOrMany('not_resources').optional(),
    conditions: z.record(z.string().min(1), z.record(z.string().min(1), conditionValue)).optional(),
  })
  .superRefine((statement, ctx) => {
    const both = (a: keyof typeof statement, b: keyof typeof statement, what: string) => {
      if (statement[a] !== undefined && statement[b] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [b], message: `a statement takes ${a} or ${b}, not both` });
      } else if (statement[a] === undefined && statement[b] === undefined) {
        ctx.addIssue({ code: 'custom', path: [], message: `a statement needs ${what}: add ${a} (or ${b})` });
      }
    };
    both('actions', 'not_actions', 'actions');
    both('resources', 'not_resources', 'resources');
  });

export const policyInputSchema = z.strictObject({
  description: text('description'),
  managed_policies: z.array(text('managed policy ARN')).optional(),
  custom_statements: z.array(statementInputSchema).optional(),
  /** The inline policy, on each principal granted this policy, that holds the same statements (written by `grantflow import`). */
  replaces_inline: text('replaces_inline').optional(),
  /** An IAM Identity Center permission set that exists already, assigned as it is (Identity Center principals only). */
  permission_set: text('permission_set').optional(),
});

export const accountsFileSchema = z.strictObject({
  'aws-accounts': z.record(
    z.string(),
    z
      .string({ error: (issue) => (issue.input === undefined ? 'an account id is required' : undefined) })
      .regex(/^\d{12}$/, 'an AWS account id is exactly 12 digits, written in quotes, e.g. "123456789012"'),
  ),
});

export const policiesFileSchema = z.strictObject({
  'aws-policies': z.record(z.string(), policyInputSchema),
  /** This team's choice, over grantflow.yaml's: actions and AWS managed policies unknown offline are errors. */
  strict_actions: z.boolean().optional(),
});

export const permanentEntrySchema = z.strictObject({
  description: text('description'),
  users: z.array(text('user')).optional(),
  roles: z.array(text('role')).optional(),
  /** IAM Identity Center users (user name or email) and groups (display name): `users` and `roles` stay IAM's. */
  sso_users: z.array(text('sso_user')).optional(),
  sso_groups: z.array(text('sso_group')).optional(),
  environments: z.array(text('environment')).min(1, 'environments must list at least one environment'),
  grants: z.array(text('grant')).min(1, 'grants must list at least one policy'),
  /** grantflow takes over what the entry's principals held before it: found attachments, and inline originals once its policy is attached. */
  adopt: z.boolean().optional(),
});

export const permanentFileSchema = z.strictObject({
  'permanent-access': z
    .array(permanentEntrySchema)
    .nullable()
    .transform((entries) => entries ?? []),
});

export const temporaryEntrySchema = z
  .strictObject({
    description: text('description'),
    /** Exactly one of: an IAM user, an IAM Identity Center user (user name or email), an Identity Center group (display name). */
    user: text('user').optional(),
    sso_user: text('sso_user').optional(),
    sso_group: text('sso_group').optional(),
    environment: text('environment'),
    grant: text('grant'),
    expiration_date: text('expiration_date'),
    start_date: text('start_date').optional(),
    reason: text('reason').optional(),
    ticket: text('ticket').optional(),
  })
  .superRefine((entry, ctx) => {
    const given = (['user', 'sso_user', 'sso_group'] as const).filter((key) => entry[key] !== undefined);
    if (given.length === 0)
      ctx.addIssue({ code: 'custom', path: [], message: 'a temporary entry needs its principal: add user (an IAM user), sso_user or sso_group' });
    if (given.length > 1)
      ctx.addIssue({ code: 'custom', path: [given[1]!], message: `a temporary entry names one principal: ${given.join(' and ')} are both given; keep one` });
  });

export const temporaryFileSchema = z.strictObject({
  'temporary-access': z
    .array(temporaryEntrySchema)
    .nullable()
    .transform((entries) => entries ?? []),
});

export const breakGlassApproverInputSchema = z.strictObject({
  user: text('user'),
  /** The approver's SSH public key, as one OpenSSH line: `ssh-ed25519 AAAA… comment`. */
  key: text('key'),
});

export const breakGlassRuleInputSchema = z.strictObject({
  description: text('description'),
  requesters: z.array(text('requester')).min(1, 'requesters must list at least one user'),
  environments: z.array(text('environment')).min(1, 'environments must list at least one environment'),
  grants: z.array(text('grant')).min(1, 'grants must list at least one policy'),
  max_duration: text('max_duration'),
  approvers: z.array(breakGlassApproverInputSchema).min(1, 'approvers must list at least one approver'),
  approvals: z.number().int('approvals is a whole number').min(1, 'approvals must be at least 1').optional(),
  open_for: text('open_for').optional(),
  self_approval: z.boolean().optional(),
  require_ticket: z.boolean().optional(),
  ratify_within: text('ratify_within').optional(),
});

export const breakGlassFileSchema = z.strictObject({
  'break-glass': z
    .record(z.string(), breakGlassRuleInputSchema)
    .nullable()
    .transform((rules) => rules ?? {}),
});

/**
 * grantflow.yaml: settings shared by every team in the config folder; environment variables override.
 * Each key's shape is declared with the rest of the setting in src/core/settings-table.ts.
 */
export const settingsFileSchema = z.strictObject(settingsFileShape());

export type StatementInput = z.infer<typeof statementInputSchema>;
export type PolicyInput = z.infer<typeof policyInputSchema>;
export type AccountsFile = z.infer<typeof accountsFileSchema>;
export type PoliciesFile = z.infer<typeof policiesFileSchema>;
export type PermanentEntry = z.infer<typeof permanentEntrySchema>;
export type PermanentFile = z.infer<typeof permanentFileSchema>;
export type TemporaryEntry = z.infer<typeof temporaryEntrySchema>;
export type TemporaryFile = z.infer<typeof temporaryFileSchema>;
export type BreakGlassRuleInput = z.infer<typeof breakGlassRuleInputSchema>;
export type BreakGlassFile = z.infer<typeof breakGlassFileSchema>;
export type SettingsFile = z.infer<typeof settingsFileSchema>;

/** The schema of each kind of team file. */
export const FILE_SCHEMAS = {
  'aws-accounts': accountsFileSchema,
  'aws-policies': policiesFileSchema,
  'permanent-access': permanentFileSchema,
  'temporary-access': temporaryFileSchema,
  'break-glass': breakGlassFileSchema,
} as const satisfies Record<FileKind, unknown>;
