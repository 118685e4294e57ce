// All of a team's offline checks, in one call. Pure: no file, network or clock access.
import { sortDiagnostics, type Diagnostic } from '../diagnostics';
import { expandTeam, type Expansion } from '../expand';
import type { TeamConfig } from '../team-config';
import { breakGlassRules } from './break-glass';
import type { ActionCatalog, FolderContext, Locate, Rule } from './context';
import { duplicateRules } from './duplicates';
import { escalationRules } from './escalation';
import { identityCenterRules } from './identity-center';
import { limitRules } from './limits';
import { nameRules } from './names';
import { policyRules } from './policies';
import { referenceRules } from './references';
import { settingsRules } from './settings';
import { temporaryRules } from './temporary';

const RULES: readonly Rule[] = [
  referenceRules,
  nameRules,
  settingsRules,
  policyRules,
  escalationRules,
  temporaryRules,
  limitRules,
  duplicateRules,
  breakGlassRules,
  identityCenterRules,
];

export interface TeamCheck {
  expansion: Expansion;
  diagnostics: Diagnostic[];
}

export function checkTeam(config: TeamConfig, options: { nowMs: number; locate: Locate; catalog?: ActionCatalog; folder?: FolderContext }): TeamCheck {
  const expansion = expandTeam(config, options.nowMs);
  const context = { config, expansion, ...options };
  return { expansion, diagnostics: sortDiagnostics(RULES.flatMap((rule) => rule(context))) };
}

export type { ActionCatalog, CatalogAbout, FolderContext, Locate } from './context';
