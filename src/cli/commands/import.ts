import fs from 'node:fs';
import path from 'node:path';
import { AccountClients } from '../../aws/accounts';
import { readAccountListing } from '../../aws/authorization-details';
import { formatDiagnostic } from '../../core/diagnostics';
import { plural } from '../../core/grant-outcomes';
import { deployerFor } from '../../core/grant-derived';
import { importAccounts, type ImportResult } from '../../core/import/convert';
import { renderImport } from '../../core/import/render';
import { TEAM_NAME } from '../../core/names';
import { FILE_KINDS, type FileKind } from '../../core/team-config';
import { loadSettings, type TeamTexts } from '../../config/load';
import { validateTeamTexts } from '../../validate';
import { CONFIG_OPTION, defineCommand, EXIT, JSON_OPTION, UsageError, write, type Io } from '../command';
import { table } from '../table';

const ENVIRONMENT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** `--account ENV=ID`: an environment name and its 12-digit account id. */
function parseAccount(raw: string): { environment: string; account: string } {
  const match = /^([^=]+)=(\d{12})$/.exec(raw.trim());
  if (!match) throw new UsageError(`--account: "${raw}" is not ENV=ID with a 12-digit account id, e.g. prod=123456789012`);
  if (!ENVIRONMENT_NAME.test(match[1]!)) throw new UsageError(`--account: environment "${match[1]}" may contain only letters, digits, _ . - (at most 64)`);
  return { environment: match[1]!, account: match[2]! };
}

function parsePattern(raw: string): RegExp {
  try {
    return new RegExp(raw);
  } catch (error) {
    throw new UsageError(`--principals: "${raw}" is not a regular expression: ${(error as Error).message}`);
  }
}

function reportTable(result: ImportResult): string {
  return table(
    ['ACCOUNT', 'KIND', 'NAME', 'ON', 'WHY NOT IMPORTED'],
    result.reserved.map((r) => [`${r.environment} (${r.account})`, r.kind, r.name, r.principal ?? '-', r.reason]),
  );
}

function summary(result: ImportResult): string {
  const { counts } = result;
  return (
    `${plural(counts.users, 'user')} and ${plural(counts.roles, 'role')} in ${plural(result.entries.length, 'entry', 'entries')}, ` +
    `${plural(result.policies.length, 'policy', 'policies')}` +
    (counts.holdingNothing ? `; ${plural(counts.holdingNothing, 'principal')} held nothing to import` : '') +
    (counts.notChosen ? `; ${plural(counts.notChosen, 'principal')} not chosen (--principals, --skip-roles)` : '')
  );
}

/** The team's files that exist in the folder already. */
function existing(dir: string, team: string): { kind: FileKind; file: string; text: string }[] {
  return FILE_KINDS.flatMap((kind) => {
    const file = path.join(dir, kind, `${team}.yaml`);
    return fs.existsSync(file) ? [{ kind, file, text: fs.readFileSync(file, 'utf8') }] : [];
  });
}

export const importCommand = defineCommand({
  name: 'import',
  summary: "Write a team's YAML from what IAM holds now: its users and roles, and the policies each holds.",
  arguments: [{ name: 'team', required: true }],
  options: {
    account: {
      type: 'string',
      value: 'ENV=ID',
      description: 'an account to read, and the environment it becomes in the team files',
      multiple: true,
      required: true,
      parse: parseAccount,
    },
    out: {
      type: 'string',
      value: 'DIR',
      env: CONFIG_OPTION.env,
      default: CONFIG_OPTION.default,
      description: "the config folder the team's files are written to (its grantflow.yaml applies)",
    },
    principals: { type: 'string', value: 'REGEX', description: 'only users and roles whose name (or user/NAME, role/NAME) matches', parse: parsePattern },
    'skip-roles': { type: 'boolean', description: 'users only' },
    adopt: { type: 'boolean', description: 'every entry says adopt: true: once submitted, grantflow owns what it imported' },
    force: { type: 'boolean', description: "overwrite the team's aws-accounts, aws-policies and permanent-access files" },
    json: { ...JSON_OPTION, description: 'print what was written and what was not imported, and why, as JSON on stdout' },
  },
  description: `
Reads each account once (GetAccountAuthorizationDetails through the deployer role, page by page in
the account's IAM call budget; no read per principal) and writes the team's aws-accounts,
aws-policies and permanent-access files: every user and role with what it holds, each AWS managed or
customer-managed attachment as a policy of managed_policies (aws.<name>, customer.<env>.<name>), each
inline policy as the custom_statements of a policy of its own (inline.<name>, with replaces_inline
naming it). Principals holding the same policies in several accounts become one entry with several
environments, and principals holding the same policies one entry with several users or roles. The
output is sorted and its names stable: importing the same IAM again gives the same bytes.

Never imported, each listed with the reason: groups and their members, roles made by IAM Identity
Center, service-linked roles, the deployer role, grantflow's own policies and attachments (any
team's), inline policies of version 2008-10-17 that use \${...} variables, inline policies too large
for one managed policy, and principals that would exceed max_managed_policies_per_principal.

The files must pass \`grantflow validate\` before anything is written; otherwise import prints what
failed and writes nothing. It refuses to overwrite the team's files unless --force. Import only
reads IAM; what it writes is submitted like any YAML. Submitting it adds grantflow's policies beside
what is there and removes nothing; with adopt: true in an entry (--adopt, or \`grantflow adopt\`),
grantflow takes over what the entry's principals held, and removing the entry then revokes it.`,
  exitCodes: 'Exit codes: 0 written, 1 the files would not validate or exist already, 2 usage error, 3 AWS unreachable.',
  async run({ values, positionals, io }) {
    const team = positionals[0]!;
    if (!TEAM_NAME.test(team)) throw new UsageError(`team name "${team}" may contain only letters, digits, _ and - (at most 64 characters)`);
    const accounts = values.account;
    for (const key of ['environment', 'account'] as const) {
      const seen = accounts.map((a) => a[key]).find((value, i, all) => all.indexOf(value) !== i);
      if (seen !== undefined) throw new UsageError(`--account: ${key} ${seen} is given twice; one account is one environment`);
    }
    const dir = values.out;
    const found = existing(dir, team);
    const overwritten = found.filter((f) => f.kind !== 'temporary-access');
    if (overwritten.length > 0 && !values.force) {
      write(io.stderr, `import: ${overwritten.map((f) => f.file).join(', ')} exist already; nothing was read or written (--force overwrites them)`);
      return EXIT.failed;
    }
    const settings = loadSettings(dir, io.env);
    for (const d of settings.diagnostics) write(io.stderr, formatDiagnostic(d));
    if (settings.diagnostics.some((d) => d.severity === 'error')) return EXIT.failed;

    const result = await readAndConvert(io, team, accounts, settings.settings, values);
    const texts = renderImport(result);
    const files: TeamTexts = {};
    for (const [kind, text] of Object.entries(texts) as [FileKind, string][]) files[kind] = { file: path.join(dir, kind, `${team}.yaml`), text };
    // A temporary-access file the team has stays, and is checked with what import writes.
    for (const f of found.filter((f) => f.kind === 'temporary-access')) files[f.kind] = { file: f.file, text: f.text };
    const validation = await validateTeamTexts({ dir, team, texts: files, env: io.env, nowMs: Date.now() });
    for (const d of validation.diagnostics) write(io.stderr, formatDiagnostic(d));
    if (!validation.ok) {
      write(io.stderr, `import: the files it would write for ${team} do not pass validate (above); nothing was written`);
      return EXIT.failed;
    }
    const written = Object.keys(texts).map((kind) => {
      const file = files[kind as FileKind]!.file;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, files[kind as FileKind]!.text);
      return file;
    });
    printReport(io, result, written, values.json);
    return EXIT.ok;
  },
});

async function readAndConvert(
  io: Io,
  team: string,
  accounts: { environment: string; account: string }[],
  settings: ReturnType<typeof loadSettings>['settings'],
  options: { principals?: RegExp | undefined; 'skip-roles': boolean; adopt: boolean },
): Promise<ImportResult> {
  const clients = new AccountClients({ iamCallsPerSecond: settings.iamCallsPerSecond });
  const deployer = deployerFor(settings);
  try {
    const listings = await Promise.all(
      accounts.map(async ({ environment, account }) => {
        write(io.stderr, `import: reading ${environment} (${account}) through ${deployer.roleName}`);
        return readAccountListing(clients.target({ account, environment, deployer }), environment);
      }),
    );
    return importAccounts(listings, {
      team,
      settings,
      ...(options.principals ? { principals: options.principals } : {}),
      skipRoles: options['skip-roles'],
      adopt: options.adopt,
    });
  } finally {
    clients.destroy();
  }
}

function printReport(io: Io, result: ImportResult, written: string[], json: boolean): void {
  if (json) {
    write(
      io.stdout,
      JSON.stringify(
        {
          team: result.team,
          written,
          accounts: result.accounts,
          counts: { ...result.counts, policies: result.policies.length, entries: result.entries.length },
          notImported: result.reserved,
        },
        null,
        2,
      ),
    );
    return;
  }
  write(io.stdout, `wrote ${written.join(', ')}: ${summary(result)}`);
  if (result.reserved.length > 0) write(io.stdout, `\nnot imported (${result.reserved.length}):\n${reportTable(result)}`);
  write(
    io.stdout,
    `\nnext: \`grantflow plan ${result.team}\` (each grant reads "add (already in IAM)" where IAM holds its access already), review, commit, submit`,
  );
}
