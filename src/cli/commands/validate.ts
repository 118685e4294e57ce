import { expiryParts } from '../../core/grant-derived';
import { CONFIG_OPTION, defineCommand, EXIT, JSON_OPTION, write } from '../command';
import { expiry, table } from '../table';
import { loadValidTeam, NOW_OPTION } from '../team-input';

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'Check a team\'s YAML completely, offline, and list the grants it expands to.',
  arguments: [{ name: 'team', required: true }],
  options: { config: CONFIG_OPTION, now: NOW_OPTION, json: JSON_OPTION },
  description: `
Reads config/aws-accounts, aws-policies, permanent-access and temporary-access/<team>.yaml (and
grantflow.yaml), checks every reference, name, ARN, action, date and IAM size limit, and prints
each problem as <file>:<line>:<col>: error|warning: <message> on stderr. On success it prints the
expanded grants (principal, account/env, policy, kind, expiry) on stdout. It makes no network call.`,
  exitCodes: 'Exit codes: 0 valid (warnings allowed), 1 errors found, 2 usage error.',
  async run({ values, positionals, io }) {
    const team = positionals[0]!;
    const { validation, nowMs } = await loadValidTeam(io, team, { config: values.config, nowMs: values.now });
    if (values.json) {
      const grants = validation.ok
        ? validation.team.expansion.grants.map((g) => ({
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
          }))
        : [];
      const skipped = validation.ok ? validation.team.expansion.skipped : [];
      write(io.stdout, JSON.stringify({ team, valid: validation.ok, grants, skipped, diagnostics: validation.diagnostics }, null, 2));
      return validation.ok ? EXIT.ok : EXIT.failed;
    }
    if (!validation.ok) return EXIT.failed;

    const { grants, skipped } = validation.team.expansion;
    const rows = grants.map((g) => [
      `${g.principalType}/${g.principal}`,
      `${g.environment} (${g.account})`,
      g.policy,
      g.kind,
      g.startsAt && Date.parse(g.startsAt) > nowMs ? `${expiry(g.expiresAt, nowMs)}, starts ${g.startsAt}` : expiry(g.expiresAt, nowMs),
    ]);
    write(io.stdout, table(['PRINCIPAL', 'ACCOUNT', 'POLICY', 'KIND', 'EXPIRES'], rows));
    const permanent = grants.filter((g) => g.kind === 'permanent').length;
    write(
      io.stdout,
      `\n${team}: valid; ${grants.length} grants (${permanent} permanent, ${grants.length - permanent} temporary)` +
        (skipped.length ? `, ${skipped.length} expired entr${skipped.length === 1 ? 'y' : 'ies'} skipped` : '') +
        ` from ${validation.team.files.length} files`,
    );
    return EXIT.ok;
  },
});
