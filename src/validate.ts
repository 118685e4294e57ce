// Everything `validate` checks, offline: files, shapes, references, names, actions, dates, limits.
// `plan` and `submit` call this first, so bad input never reaches AWS or Temporal.
import { loadActionCatalog } from './config/action-catalog';
import { loadTeam } from './config/load';
import { hasErrors, sortDiagnostics, type Diagnostic } from './core/diagnostics';
import type { Expansion } from './core/expand';
import { checkTeam } from './core/rules';
import type { TeamConfig } from './core/team-config';

export interface ValidTeam {
  config: TeamConfig;
  expansion: Expansion;
  files: string[];
}

export type Validation = { ok: true; team: ValidTeam; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

export async function validateTeam(options: {
  dir: string;
  team: string;
  env: Record<string, string | undefined>;
  nowMs: number;
}): Promise<Validation> {
  const loaded = loadTeam(options.dir, options.team, options.env);
  if (!loaded.loaded) return { ok: false, diagnostics: sortDiagnostics(loaded.diagnostics) };
  const { config, locate, files } = loaded.loaded;
  const catalog = await loadActionCatalog([config]);
  const check = checkTeam(config, { nowMs: options.nowMs, locate, catalog });
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...check.diagnostics]);
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  return { ok: true, team: { config, expansion: check.expansion, files }, diagnostics };
}
