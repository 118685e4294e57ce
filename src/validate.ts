// Everything `validate` checks, offline: files, shapes, references, names, actions, dates, limits;
// and, for a whole config folder, what lies between teams. `plan` and `submit` call this first, so
// bad input never reaches AWS or Temporal.
import { actionCatalogAbout, loadActionCatalog } from './config/action-catalog';
import {
  environmentsInFolder,
  loadSettings,
  loadTeam,
  teamFromTexts,
  teamsInFolder,
  type LoadedTeam,
  type PartialTeam,
  type TeamLoad,
  type TeamTexts,
} from './config/load';
import { AWS_MANAGED_POLICIES_SOURCE } from './core/aws-managed-policies';
import { error, hasErrors, sortDiagnostics, type Diagnostic } from './core/diagnostics';
import type { Expansion } from './core/expand';
import { checkTeam, type CatalogAbout, type FolderContext, type Locate } from './core/rules';
import { checkAcrossTeams, type CheckedTeam } from './core/rules/cross-team';
import { UNKNOWN_ENVIRONMENT, UNKNOWN_POLICY } from './core/rules/references';
import type { TeamConfig } from './core/team-config';

export interface ValidTeam {
  config: TeamConfig;
  expansion: Expansion;
  files: string[];
  /** Where a value is written in the team's files. */
  locate: Locate;
}

export type Validation = { ok: true; team: ValidTeam; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

interface Options {
  dir: string;
  env: Record<string, string | undefined>;
  nowMs: number;
}

export async function validateTeam(options: Options & { team: string }): Promise<Validation> {
  return validateLoaded(loadTeam(options.dir, options.team, options.env), options);
}

/**
 * Validates a team from its files' texts, as if they were the team's files in `dir` (whose
 * grantflow.yaml and other teams count as they would): what `import` checks before it writes anything.
 */
export async function validateTeamTexts(options: Options & { team: string; texts: TeamTexts }): Promise<Validation> {
  return validateLoaded(teamFromTexts(options.team, options.texts, loadSettings(options.dir, options.env), options.dir), options);
}

async function validateLoaded(loaded: TeamLoad, options: Options): Promise<Validation> {
  const catalog = await loadActionCatalog([(loaded.loaded ?? loaded.partial)?.config].filter((c) => c !== undefined));
  const team = loaded.loaded ?? loaded.partial;
  const teams = teamsInFolder(options.dir);
  const folder = team && folderOf(team, teams, () => environmentsInFolder(options.dir, teams));
  const checks = { ...options, catalog, ...(folder ? { folder } : {}) };
  if (!loaded.loaded) return notLoaded(loaded, checks);
  return checkLoaded(loaded.loaded, loaded.diagnostics, checks).validation;
}

/**
 * What a team's checks learn of its config folder: the folder's teams, and, only when require_mfa
 * names an environment the team does not define (reading every team's aws-accounts file costs), the
 * environments the folder's teams define.
 */
function folderOf(team: LoadedTeam, teams: readonly string[], environments: () => string[] | undefined): FolderContext {
  const own = team.config.accounts;
  const needed = (team.config.settings.requireMfa ?? []).some((environment) => !Object.hasOwn(own, environment));
  const known = needed ? environments() : undefined;
  return { teams, kinds: team.kinds, ...(known ? { environments: known } : {}) };
}

type CheckOptions = { nowMs: number; catalog: Awaited<ReturnType<typeof loadActionCatalog>>; folder?: FolderContext };

/**
 * A team some of whose files could not be read or normalised: besides those errors, the checks run
 * on what could be read, so that one run reports every mistake that does not hide behind another.
 * Findings that would only follow from the missing content are dropped: an unknown environment when
 * the accounts file failed, an unknown policy when the policies file did, and anything located in a
 * file that failed.
 */
function notLoaded(loaded: TeamLoad, options: CheckOptions): Validation {
  if (!loaded.partial) return { ok: false, diagnostics: sortDiagnostics(loaded.diagnostics) };
  return { ok: false, diagnostics: sortDiagnostics([...loaded.diagnostics, ...independentFindings(loaded.partial, options)]) };
}

function independentFindings(partial: PartialTeam, options: CheckOptions): Diagnostic[] {
  const check = checkTeam(partial.config, { ...options, locate: partial.locate });
  const brokenFiles = new Set(partial.broken.map((kind) => partial.locate(kind, []).file));
  return check.diagnostics.filter(
    (d) =>
      !brokenFiles.has(d.file) &&
      !(d.kind === UNKNOWN_ENVIRONMENT && partial.broken.includes('aws-accounts')) &&
      !(d.kind === UNKNOWN_POLICY && partial.broken.includes('aws-policies')),
  );
}

function checkLoaded(loaded: LoadedTeam, loadDiagnostics: readonly Diagnostic[], options: CheckOptions): { validation: Validation; checked: CheckedTeam } {
  const { config, locate, files } = loaded;
  const check = checkTeam(config, { ...options, locate });
  const diagnostics = sortDiagnostics([...loadDiagnostics, ...check.diagnostics]);
  const checked = { config, expansion: check.expansion, locate };
  if (hasErrors(diagnostics)) return { validation: { ok: false, diagnostics }, checked };
  return { validation: { ok: true, team: { config, expansion: check.expansion, files, locate }, diagnostics }, checked };
}

export interface FolderValidation {
  ok: boolean;
  teams: { team: string; validation: Validation }[];
  /** What no single team's check can see (clashes and overlaps between teams), or an unusable folder. */
  folder: Diagnostic[];
}

/** Every team of the config folder, each checked as `validateTeam` does, and then against each other. */
export async function validateAll(options: Options): Promise<FolderValidation> {
  const teams = teamsInFolder(options.dir);
  if (teams.length === 0) {
    const at = { file: options.dir, line: 1, col: 1 };
    return {
      ok: false,
      teams: [],
      folder: [
        error(
          at,
          `no team found in config folder "${options.dir}" (no aws-accounts, aws-policies, permanent-access or temporary-access/<team>.yaml); ` +
            'pass --config DIR or set GRANTFLOW_CONFIG',
        ),
      ],
    };
  }
  const loaded = teams.map((team) => ({ team, ...loadTeam(options.dir, team, options.env) }));
  const catalog = await loadActionCatalog(
    loaded.flatMap((l) => {
      const config = (l.loaded ?? l.partial)?.config;
      return config ? [config] : [];
    }),
  );
  const checked: CheckedTeam[] = [];
  let environments: { known: string[] | undefined } | undefined;
  const folderEnvironments = () => (environments ??= { known: environmentsInFolder(options.dir, teams) }).known;
  const results = loaded.map(({ team, loaded: files, partial, diagnostics }) => {
    const read = files ?? partial;
    const checks = { nowMs: options.nowMs, catalog, ...(read ? { folder: folderOf(read, teams, folderEnvironments) } : {}) };
    if (!files) return { team, validation: notLoaded({ diagnostics, ...(partial ? { partial } : {}) }, checks) };
    const result = checkLoaded(files, diagnostics, checks);
    checked.push(result.checked);
    return { team, validation: result.validation };
  });
  const folder = sortDiagnostics(checkAcrossTeams(checked));
  return { ok: results.every((r) => r.validation.ok) && !hasErrors(folder), teams: results, folder };
}

export interface CatalogsAbout {
  actions: CatalogAbout;
  awsManagedPolicies: { source: string; dataAsOf: string; count: number };
}

/** The offline catalogues validation reads, and how old their data is. */
export async function catalogsAbout(): Promise<CatalogsAbout> {
  const { source, dataAsOf, count } = AWS_MANAGED_POLICIES_SOURCE;
  return { actions: await actionCatalogAbout(), awsManagedPolicies: { source, dataAsOf, count } };
}
