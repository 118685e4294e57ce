// Reads a team's YAML files from the config folder. The only part of config handling that touches
// the file system; everything after it is pure.
import fs from 'node:fs';
import path from 'node:path';
import { error, warning, type Diagnostic, type Position } from '../core/diagnostics';
import { reservedNameProblem, TEAM_NAME } from '../core/names';
import { FILE_KINDS, type FileKind, type Settings } from '../core/team-config';
import { SETTINGS_KIND, type Locate } from '../core/rules/context';
import { FILE_SCHEMAS, settingsFileSchema, type SettingsFile } from './schema';
import { checkNotificationSinks, resolveNotifications, resolveSettings, type NotificationSettings } from './settings';
import { normalizeTeam, type TeamFiles } from './normalize';
import { parseYaml, type YamlSource } from './yaml-source';
import { zodIssuesToDiagnostics } from './zod-diagnostics';
import type { TeamConfig } from '../core/team-config';

export const SETTINGS_FILE = 'grantflow.yaml';

export interface LoadedTeam {
  config: TeamConfig;
  locate: Locate;
  /** Paths of the files read, for messages. */
  files: string[];
  /** The kinds of file the team has (those of `files`). */
  kinds: FileKind[];
}

/**
 * What of a team could be read when some of it could not: the files that parsed, normalised, and
 * the kinds of file that failed (their content is missing from `config`). Checks that do not depend
 * on the failed files can still run on it, so one run reports every independent mistake.
 */
export interface PartialTeam extends LoadedTeam {
  broken: FileKind[];
}

export interface TeamLoad {
  loaded?: LoadedTeam;
  /** Present when `loaded` is absent because of errors in the team's files (not its settings). */
  partial?: PartialTeam;
  diagnostics: Diagnostic[];
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cause;
  }
}

/** The maps whose keys are names (environments, policies), and what a key there names. */
const NAMED_MAPS: Partial<Record<FileKind, string>> = { 'aws-accounts': 'environment name', 'aws-policies': 'policy name', 'break-glass': 'rule name' };

/**
 * Keys such as `constructor` or `__proto__` would be confused with JavaScript's object machinery (a
 * schema check even drops `__proto__` silently), so they are refused before anything reads them.
 */
function reservedKeys(kind: FileKind | undefined, source: YamlSource): Diagnostic[] {
  const what = kind && NAMED_MAPS[kind];
  const map = what ? (source.data as Record<string, unknown> | undefined)?.[kind] : undefined;
  if (!what || !map || typeof map !== 'object') return [];
  return Object.keys(map).flatMap((key) => {
    const problem = reservedNameProblem(key, what);
    return problem ? [error(source.locate([kind, key], { key: true }), problem)] : [];
  });
}

function parseFile(file: string, text: string, schema: (typeof FILE_SCHEMAS)[FileKind] | typeof settingsFileSchema, kind?: FileKind) {
  const parsed = parseYaml(file, text);
  if (parsed.diagnostics.length > 0) return { source: parsed.source, diagnostics: parsed.diagnostics, data: undefined };
  if (parsed.source.data === null || parsed.source.data === undefined) {
    return {
      source: parsed.source,
      diagnostics: [warning({ file, line: 1, col: 1 }, 'the file is empty; it is read as "none of this kind"', 'empty-file')],
      data: undefined,
    };
  }
  const reserved = reservedKeys(kind, parsed.source);
  if (reserved.length > 0) return { source: parsed.source, diagnostics: reserved, data: undefined };
  const result = schema.safeParse(parsed.source.data);
  if (!result.success) {
    return { source: parsed.source, diagnostics: zodIssuesToDiagnostics(result.error.issues, parsed.source, schema), data: undefined };
  }
  return { source: parsed.source, diagnostics: [], data: result.data };
}

/** Settings as read, with where each value of grantflow.yaml is written (line 1 when there is no such file). */
export interface LoadedSettings {
  settings: Settings;
  diagnostics: Diagnostic[];
  locate?: YamlSource['locate'];
}

/** The settings in `<dir>/grantflow.yaml` (optional) with environment overrides. */
export function loadSettings(dir: string, env: Record<string, string | undefined>): LoadedSettings {
  const file = path.join(dir, SETTINGS_FILE);
  const text = readIfPresent(file);
  let data: SettingsFile | undefined;
  let source: YamlSource | undefined;
  const diagnostics: Diagnostic[] = [];
  if (text !== undefined) {
    const parsed = parseFile(file, text, settingsFileSchema);
    diagnostics.push(...parsed.diagnostics);
    data = parsed.data as SettingsFile | undefined;
    source = parsed.source;
  }
  const at = (key: keyof SettingsFile, ...rest: (string | number)[]): Position => source?.locate([key, ...rest]) ?? { file, line: 1, col: 1 };
  const resolved = resolveSettings(data, env, at);
  // The notification sinks as far as they are known without the worker's environment (the worker
  // checks the same, then reads the URLs): a bad sink fails `validate` as a bad setting does.
  const sinks = checkNotificationSinks(data, (segments) => source?.locate(segments) ?? { file, line: 1, col: 1 });
  return {
    settings: resolved.settings,
    diagnostics: [...diagnostics, ...resolved.diagnostics, ...sinks.diagnostics],
    ...(source ? { locate: source.locate } : {}),
  };
}

/** Where a key of grantflow.yaml is written (the file's first line when the key or the file is missing). */
export function locateSetting(dir: string, key: string): Position {
  const file = path.join(dir, SETTINGS_FILE);
  const text = readIfPresent(file);
  if (text === undefined) return { file, line: 1, col: 1 };
  return parseYaml(file, text).source.locate([key], { key: true });
}

/** The `notifications:` sinks and `web_ui_url` of grantflow.yaml, URLs read from `env` (the worker's). */
export function loadNotifications(dir: string, env: Record<string, string | undefined>): NotificationSettings & { diagnostics: Diagnostic[] } {
  const file = path.join(dir, SETTINGS_FILE);
  const text = readIfPresent(file);
  if (text === undefined) return { sinks: [], diagnostics: [] };
  const parsed = parseFile(file, text, settingsFileSchema);
  const data = parsed.data as SettingsFile | undefined;
  const at = (segments: readonly (string | number)[]): Position => parsed.source?.locate(segments) ?? { file, line: 1, col: 1 };
  const resolved = resolveNotifications(data, env, at);
  return { ...resolved, diagnostics: [...parsed.diagnostics, ...resolved.diagnostics] };
}

/** The text of each of a team's files that exists, keyed by kind, with the path used in messages. */
export type TeamTexts = Partial<Record<FileKind, { file: string; text: string }>>;

/**
 * Parses, shape-checks and normalises one team from its files' texts (pure: no file system), so the
 * same code serves the CLI and tests. `loaded` is absent when a file could not be read into shape.
 */
export function teamFromTexts(team: string, texts: TeamTexts, settings: LoadedSettings, dir: string): TeamLoad {
  const diagnostics: Diagnostic[] = [...settings.diagnostics];
  const files: TeamFiles = { team };
  const sources: Partial<Record<FileKind, YamlSource>> = {};
  let shapeErrors = false;
  const broken: FileKind[] = [];
  for (const kind of FILE_KINDS) {
    const input = texts[kind];
    if (!input) continue;
    const parsed = parseFile(input.file, input.text, FILE_SCHEMAS[kind], kind);
    sources[kind] = parsed.source;
    diagnostics.push(...parsed.diagnostics);
    if (parsed.diagnostics.some((d) => d.severity === 'error')) shapeErrors = true;
    if (parsed.data === undefined) {
      broken.push(kind);
      continue;
    }
    const relative = `${kind}/${team}.yaml`;
    const key = (
      {
        'aws-accounts': 'accounts',
        'aws-policies': 'policies',
        'permanent-access': 'permanent',
        'temporary-access': 'temporary',
        'break-glass': 'breakGlass',
      } as const
    )[kind];
    (files as unknown as Record<string, unknown>)[key] = { data: parsed.data, source: parsed.source, relative };
  }
  const locate: Locate = (kind, segments, options) => {
    if (kind === SETTINGS_KIND) return settings.locate?.(segments, options) ?? { file: path.join(dir, SETTINGS_FILE), line: 1, col: 1 };
    return sources[kind]?.locate(segments, options) ?? { file: texts[kind]?.file ?? path.join(dir, kind, `${team}.yaml`), line: 1, col: 1 };
  };

  if (settings.diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const normalized = normalizeTeam(files, settings.settings);
  diagnostics.push(...normalized.diagnostics);
  const kinds = FILE_KINDS.filter((kind) => texts[kind]);
  const read = kinds.map((kind) => texts[kind]!.file);
  if (shapeErrors || normalized.diagnostics.some((d) => d.severity === 'error')) {
    return { partial: { config: normalized.config, locate, files: read, kinds, broken }, diagnostics };
  }
  return { loaded: { config: normalized.config, locate, files: read, kinds }, diagnostics };
}

/** Reads and normalises one team from the config folder. */
export function loadTeam(dir: string, team: string, env: Record<string, string | undefined>): TeamLoad {
  const dirPosition: Position = { file: dir, line: 1, col: 1 };
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    return { diagnostics: [error(dirPosition, `config folder "${dir}" not found; pass --config DIR or set GRANTFLOW_CONFIG`)] };
  }
  if (!TEAM_NAME.test(team)) {
    return { diagnostics: [error(dirPosition, `team name "${team}" may contain only letters, digits, _ and - (at most 64 characters)`)] };
  }
  const texts: TeamTexts = {};
  for (const kind of FILE_KINDS) {
    const file = path.join(dir, kind, `${team}.yaml`);
    const text = readIfPresent(file);
    if (text !== undefined) texts[kind] = { file, text };
  }
  if (Object.keys(texts).length === 0) {
    const expected = FILE_KINDS.map((kind) => path.join(dir, kind, `${team}.yaml`)).join(', ');
    return { diagnostics: [error(dirPosition, `team "${team}" has no config files; expected at least one of ${expected}`)] };
  }
  return teamFromTexts(team, texts, loadSettings(dir, env), dir);
}

/**
 * The environments the given teams of the config folder define in their aws-accounts files (only
 * the names, whether or not the rest of a file is right), sorted; undefined when a file that exists
 * could not be read as YAML, since its environments are then unknown.
 */
export function environmentsInFolder(dir: string, teams: readonly string[]): string[] | undefined {
  const environments = new Set<string>();
  for (const team of teams) {
    const file = path.join(dir, 'aws-accounts', `${team}.yaml`);
    const text = readIfPresent(file);
    if (text === undefined) continue;
    const parsed = parseYaml(file, text);
    if (parsed.diagnostics.length > 0) return undefined;
    const accounts = (parsed.source.data as Record<string, unknown> | null | undefined)?.['aws-accounts'];
    if (accounts && typeof accounts === 'object' && !Array.isArray(accounts)) for (const name of Object.keys(accounts)) environments.add(name);
  }
  return [...environments].sort();
}

/** Every team with at least one file in the config folder, sorted. */
export function teamsInFolder(dir: string): string[] {
  const teams = new Set<string>();
  for (const kind of FILE_KINDS) {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(dir, kind));
    } catch {
      continue;
    }
    for (const name of names) if (name.endsWith('.yaml')) teams.add(name.slice(0, -'.yaml'.length));
  }
  return [...teams].sort();
}
