import { countByKind, countBySeverity, formatDiagnostic, type Diagnostic } from '../../core/diagnostics';
import { plural as count } from '../../core/grant-outcomes';
import type { GrantSpec } from '../../core/grant';
import { expiryParts, notCopied, unconditionedParts } from '../../core/grant-derived';
import { catalogsAbout, validateAll, type Validation } from '../../validate';
import { CONFIG_OPTION, defineCommand, EXIT, UsageError, write, type Io } from '../command';
import { expiry, table } from '../table';
import { WORKER_CONFIG_OPTION } from '../worker-authority';
import { loadValidTeam, NOW_OPTION, withGuardrails } from '../team-input';

function grantJson(g: GrantSpec) {
  return {
    id: g.id,
    kind: g.kind,
    principalType: g.principalType,
    principal: g.principal,
    account: g.account,
    environment: g.environment,
    policy: g.policy,
    ...(g.startsAt ? { startsAt: g.startsAt } : {}),
    ...(g.expiresAt ? { expiresAt: g.expiresAt } : {}),
    source: `${g.source.file}:${g.source.line}`,
    ...expiryParts(g),
    ...(notCopied(g).length ? { notCopied: notCopied(g) } : {}),
    ...(unconditionedParts(g).length ? { withoutMfa: unconditionedParts(g) } : {}),
  };
}

/** What `--json` says about one team's diagnostics besides listing them. */
function diagnosticsJson(diagnostics: readonly Diagnostic[]) {
  return { counts: countBySeverity(diagnostics), warningsByKind: countByKind(diagnostics, 'warning'), diagnostics };
}

function teamJson(team: string, validation: Validation) {
  return {
    team,
    valid: validation.ok,
    grants: validation.ok ? validation.team.expansion.grants.map(grantJson) : [],
    skipped: validation.ok ? validation.team.expansion.skipped : [],
    ...diagnosticsJson(validation.diagnostics),
  };
}

function summary(team: string, validation: Validation): string {
  if (!validation.ok) {
    const errors = validation.diagnostics.filter((d) => d.severity === 'error').length;
    return `${team}: ${errors} error${errors === 1 ? '' : 's'}`;
  }
  const { grants, skipped } = validation.team.expansion;
  const permanent = grants.filter((g) => g.kind === 'permanent').length;
  return (
    `${team}: valid; ${count(grants.length, 'grant')} (${permanent} permanent, ${grants.length - permanent} temporary)` +
    (skipped.length ? `, ${skipped.length} expired entr${skipped.length === 1 ? 'y' : 'ies'} skipped` : '') +
    ` from ${validation.team.files.length} files`
  );
}

async function validateFolder(io: Io, options: { config: string; nowMs: number; json: boolean; workerConfig?: string | undefined }): Promise<number> {
  const all = await validateAll({ dir: options.config, env: io.env, nowMs: options.nowMs });
  const teams = all.teams.map((t) => ({ team: t.team, validation: withGuardrails(t.validation, options.config, options.workerConfig) }));
  const result = { ...all, teams, ok: all.ok && teams.every((t) => t.validation.ok) };
  // A finding in grantflow.yaml, which the teams share, is in every team's result: it is listed once.
  const seen = new Set<string>();
  const everything = [...result.teams.flatMap((t) => t.validation.diagnostics), ...result.folder].filter((d) => {
    const key = formatDiagnostic(d);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (options.json) {
    write(
      io.stdout,
      JSON.stringify(
        {
          all: true,
          valid: result.ok,
          catalog: await catalogsAbout(),
          ...diagnosticsJson(everything),
          teams: result.teams.map((t) => teamJson(t.team, t.validation)),
          acrossTeams: diagnosticsJson(result.folder),
        },
        null,
        2,
      ),
    );
    return result.ok ? EXIT.ok : EXIT.failed;
  }
  for (const d of everything) write(io.stderr, formatDiagnostic(d));
  for (const { team, validation } of result.teams) write(io.stdout, summary(team, validation));
  const valid = result.teams.filter((t) => t.validation.ok).length;
  const across = countBySeverity(result.folder);
  write(
    io.stdout,
    `\n${count(result.teams.length, 'team')}: ${valid} valid, ${result.teams.length - valid} with errors; ` +
      `across teams: ${count(across.error, 'error')}, ${count(across.warning, 'warning')}, ${count(across.note, 'note')}`,
  );
  if (!result.ok) write(io.stderr, 'validate --all: errors found; nothing was sent to AWS or Temporal');
  return result.ok ? EXIT.ok : EXIT.failed;
}

export const validateCommand = defineCommand({
  name: 'validate',
  summary: "Check a team's YAML (or every team's, with --all) completely, offline, and list the grants it expands to.",
  arguments: [{ name: 'team' }],
  usage: 'grantflow validate <team> | --all [--config DIR] [--now ISO] [--worker-config FILE] [--json]',
  options: {
    config: CONFIG_OPTION,
    all: { type: 'boolean', description: 'every team in the config folder, and the checks across teams' },
    now: NOW_OPTION,
    'worker-config': {
      ...WORKER_CONFIG_OPTION,
      description: "also check against the worker's guardrails in this file (what the worker would refuse is an error)",
    },
    json: {
      type: 'boolean',
      description: 'print the result as JSON on stdout, with counts of diagnostics (warnings by kind) and the version and date of the offline catalogues',
    },
  },
  description: `
Reads config/aws-accounts, aws-policies, permanent-access and temporary-access/<team>.yaml (and
grantflow.yaml, with its notification sinks: names, lead times and url_env names, but not the URL
variables, which only the worker needs), checks every reference, name, ARN, action, date and IAM
size limit, and prints each problem as <file>:<line>:<col>: error|warning|note: <message> on
stderr. On success it prints the expanded grants (principal, account/env, policy, kind, expiry) on
stdout. It makes no network call.

Errors are what IAM or grantflow's limits would refuse (exit 1). Warnings are what IAM accepts but
is probably not meant: an action or AWS managed policy the offline catalogues do not know (an error
with strict_actions: true), privilege-escalation paths, an iam:PassRole nothing limits, an unknown
aws: condition key, Allow with not_actions or not_resources, and more (exit 0).

With --all it checks every team in the config folder, then what no single team can see: two teams
that would write the same IAM object (error), one environment name meaning different accounts
(warning), the same principal granted the same managed policy by two teams (note). It prints one
line per team and a total.`,
  exitCodes: 'Exit codes: 0 valid (warnings and notes allowed), 1 errors found, 2 usage error.',
  async run({ values, positionals, io }) {
    const nowMs = values.now ?? Date.now();
    if (values.all) {
      if (positionals.length > 0) throw new UsageError(`give a team or --all, not both (got "${positionals[0]}")`);
      return validateFolder(io, { config: values.config, nowMs, json: values.json, workerConfig: values['worker-config'] });
    }
    const team = positionals[0];
    if (team === undefined) throw new UsageError('missing argument: which team? (or --all for every team)');
    const { validation } = await loadValidTeam(io, team, { config: values.config, nowMs, workerConfig: values['worker-config'] });
    if (values.json) {
      write(io.stdout, JSON.stringify({ ...teamJson(team, validation), catalog: await catalogsAbout() }, null, 2));
      return validation.ok ? EXIT.ok : EXIT.failed;
    }
    if (!validation.ok) return EXIT.failed;

    const { grants } = validation.team.expansion;
    const rows = grants.map((g) => [
      `${g.principalType}/${g.principal}`,
      `${g.environment} (${g.account})`,
      g.policy,
      g.kind,
      g.startsAt && Date.parse(g.startsAt) > nowMs ? `${expiry(g.expiresAt, nowMs)}, starts ${g.startsAt}` : expiry(g.expiresAt, nowMs),
    ]);
    write(io.stdout, table(['PRINCIPAL', 'ACCOUNT', 'POLICY', 'KIND', 'EXPIRES'], rows));
    // Which managed policies of temporary grants AWS will not expire by itself, known before submit.
    for (const g of grants) {
      for (const part of notCopied(g))
        write(
          io.stdout,
          `note: ${g.principalType}/${g.principal} ${g.policy} in ${g.environment}: ${part.arn} is attached as is, so only the workflow expires it (${part.reason})`,
        );
      for (const arn of unconditionedParts(g))
        write(
          io.stdout,
          `warning: ${g.principalType}/${g.principal} ${g.policy} in ${g.environment} requires MFA, but ${arn} is attached as is and cannot carry the condition`,
        );
    }
    write(io.stdout, `\n${summary(team, validation)}`);
    return EXIT.ok;
  },
});
