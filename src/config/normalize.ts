// From the files as written to the normalised TeamConfig: emails become IAM user names, dates become
// UTC timestamps, statements take IAM's JSON shape, and every entry remembers its file and line.
import { error, type Diagnostic } from '../core/diagnostics';
import { iamUserName } from '../core/names';
import { BREAK_GLASS_DEFAULTS } from '../core/break-glass';
import type { BreakGlassRule, IamStatement, Policy, Settings, TeamConfig, TemporaryGrantEntry } from '../core/team-config';
import { parseDuration, parseInstant } from '../core/time';
import type { AccountsFile, BreakGlassFile, PermanentFile, PoliciesFile, StatementInput, TemporaryFile } from './schema';
import type { YamlSource } from './yaml-source';

export interface TeamFiles {
  team: string;
  accounts?: { data: AccountsFile; source: YamlSource; relative: string };
  policies?: { data: PoliciesFile; source: YamlSource; relative: string };
  permanent?: { data: PermanentFile; source: YamlSource; relative: string };
  temporary?: { data: TemporaryFile; source: YamlSource; relative: string };
  breakGlass?: { data: BreakGlassFile; source: YamlSource; relative: string };
}

function toIamStatement(statement: StatementInput): IamStatement {
  return {
    ...(statement.sid !== undefined ? { Sid: statement.sid } : {}),
    Effect: statement.effect,
    ...(statement.actions ? { Action: statement.actions } : {}),
    ...(statement.not_actions ? { NotAction: statement.not_actions } : {}),
    ...(statement.resources ? { Resource: statement.resources } : {}),
    ...(statement.not_resources ? { NotResource: statement.not_resources } : {}),
    ...(statement.conditions ? { Condition: statement.conditions } : {}),
  };
}

export function normalizeTeam(files: TeamFiles, settings: Settings): { config: TeamConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];

  const policies: Record<string, Policy> = {};
  if (files.policies) {
    const { data, source, relative } = files.policies;
    for (const [name, policy] of Object.entries(data['aws-policies'])) {
      policies[name] = {
        description: policy.description,
        managedPolicyArns: policy.managed_policies ?? [],
        statements: (policy.custom_statements ?? []).map(toIamStatement),
        ...(policy.replaces_inline !== undefined ? { replacesInline: policy.replaces_inline } : {}),
        ...(policy.permission_set !== undefined ? { permissionSet: policy.permission_set } : {}),
        source: { file: relative, line: source.locate(['aws-policies', name], { key: true }).line },
      };
    }
  }

  const permanent: TeamConfig['permanent'] = [];
  if (files.permanent) {
    const { data, source, relative } = files.permanent;
    data['permanent-access'].forEach((entry, index) => {
      permanent.push({
        description: entry.description,
        users: (entry.users ?? []).map((written) => ({ written, name: iamUserName(written) })),
        roles: entry.roles ?? [],
        ...(entry.sso_users ? { ssoUsers: entry.sso_users } : {}),
        ...(entry.sso_groups ? { ssoGroups: entry.sso_groups } : {}),
        environments: entry.environments,
        grants: entry.grants,
        ...(entry.adopt ? { adopt: true } : {}),
        source: { file: relative, line: source.locate(['permanent-access', index]).line, index },
      });
    });
  }

  const temporary: TemporaryGrantEntry[] = [];
  if (files.temporary) {
    const { data, source, relative } = files.temporary;
    data['temporary-access'].forEach((entry, index) => {
      const path = ['temporary-access', index];
      const expiry = parseInstant(entry.expiration_date, { endOfDay: true });
      if (!expiry.ok) {
        diagnostics.push(error(source.locate([...path, 'expiration_date']), `expiration_date: ${expiry.reason}`));
        return;
      }
      const start = entry.start_date === undefined ? undefined : parseInstant(entry.start_date, { endOfDay: false });
      if (start && !start.ok) {
        diagnostics.push(error(source.locate([...path, 'start_date']), `start_date: ${start.reason}`));
        return;
      }
      temporary.push({
        description: entry.description,
        ...(entry.user !== undefined ? { user: { written: entry.user, name: iamUserName(entry.user) } } : {}),
        ...(entry.sso_user !== undefined ? { ssoUser: entry.sso_user } : {}),
        ...(entry.sso_group !== undefined ? { ssoGroup: entry.sso_group } : {}),
        environment: entry.environment,
        grant: entry.grant,
        expiresAt: expiry.iso,
        ...(start?.ok ? { startsAt: start.iso } : {}),
        ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
        ...(entry.ticket !== undefined ? { ticket: entry.ticket } : {}),
        source: { file: relative, line: source.locate(path).line, index },
      });
    });
  }

  const breakGlass = files.breakGlass ? normalizeBreakGlass(files.breakGlass, diagnostics) : undefined;

  // A team may choose strict_actions for itself in its aws-policies file, over grantflow.yaml.
  const strictActions = files.policies?.data.strict_actions;
  return {
    config: {
      team: files.team,
      accounts: { ...(files.accounts?.data['aws-accounts'] ?? {}) },
      policies,
      permanent,
      temporary,
      settings: strictActions === undefined ? settings : { ...settings, strictActions },
      ...(breakGlass ? { breakGlass } : {}),
    },
    diagnostics,
  };
}

/** The break-glass rules, durations read and defaults filled in; a duration that cannot be read is an error at its line. */
function normalizeBreakGlass(file: NonNullable<TeamFiles['breakGlass']>, diagnostics: Diagnostic[]): Record<string, BreakGlassRule> {
  const { data, source, relative } = file;
  const rules: Record<string, BreakGlassRule> = {};
  for (const [name, rule] of Object.entries(data['break-glass'])) {
    const duration = (key: 'max_duration' | 'open_for' | 'ratify_within', fallback: number): number | undefined => {
      const written = rule[key];
      if (written === undefined) return fallback;
      const ms = parseDuration(written);
      if (ms !== undefined && ms > 0) return ms;
      diagnostics.push(error(source.locate(['break-glass', name, key]), `${key}: "${written}" is not a duration such as 30m, 4h or 2d`));
      return undefined;
    };
    const maxDurationMs = duration('max_duration', 0);
    const openForMs = duration('open_for', BREAK_GLASS_DEFAULTS.openForMs);
    const ratifyWithinMs = duration('ratify_within', BREAK_GLASS_DEFAULTS.ratifyWithinMs);
    if (maxDurationMs === undefined || openForMs === undefined || ratifyWithinMs === undefined) continue;
    rules[name] = {
      description: rule.description,
      requesters: rule.requesters.map((written) => ({ written, name: iamUserName(written) })),
      environments: rule.environments,
      grants: rule.grants,
      maxDurationMs,
      approvers: rule.approvers.map((approver) => ({ user: { written: approver.user, name: iamUserName(approver.user) }, key: approver.key })),
      approvals: rule.approvals ?? 1,
      openForMs,
      selfApproval: rule.self_approval ?? false,
      requireTicket: rule.require_ticket ?? false,
      ratifyWithinMs,
      source: { file: relative, line: source.locate(['break-glass', name], { key: true }).line },
    };
  }
  return rules;
}
