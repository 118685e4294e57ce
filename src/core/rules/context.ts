// What every rule is given: the normalised config, the moment "now", a way to point at the YAML,
// and (when validating on a workstation or in CI) the catalogue of IAM actions.
import type { Diagnostic, Position } from '../diagnostics';
import type { Expansion } from '../expand';
import type { FileKind, TeamConfig } from '../team-config';

export type PathSegment = string | number;

/** `grantflow.yaml`, the settings the teams of a config folder share, as a kind of file to locate in. */
export const SETTINGS_KIND = 'grantflow';
export type LocatableKind = FileKind | typeof SETTINGS_KIND;

/**
 * Where the value at `path` in the team's file of `kind` (or in grantflow.yaml) is written (`key`:
 * where its key is). In a list, a string segment names the first item of that value.
 */
export type Locate = (kind: LocatableKind, path: readonly PathSegment[], options?: { key?: boolean }) => Position;

/** Which catalogue a check used, so that a message can say how old its knowledge is. */
export interface CatalogAbout {
  source: string;
  version: string;
  /** The day its data was taken, `YYYY-MM-DD`. */
  date: string;
}

/** IAM's actions by service prefix (lower case), and its global condition keys. */
export interface ActionCatalog {
  /** Every service prefix the catalogue knows. */
  services(): readonly string[];
  /** The actions of a service the config mentions (undefined for an unknown prefix). */
  actionsOf(service: string): readonly string[] | undefined;
  /** `aws:…` keys as AWS spells them; tag keys as `aws:RequestTag/tag-key`. */
  globalConditionKeys(): readonly string[];
  about: CatalogAbout;
}

/**
 * What a team's checks know of the config folder it was read from, given by whoever read the folder
 * (rules read no files). Absent when a team is checked on its own: the rules then take the team for
 * the whole folder.
 */
export interface FolderContext {
  /** Every team with a file in the folder, this one included, as its file names spell it. */
  teams: readonly string[];
  /** The kinds of file this team has in the folder (a finding about the team as a whole points at the first). */
  kinds: readonly FileKind[];
  /**
   * The environments the folder's teams define in their aws-accounts files. Absent when not every
   * one could be read, or when not needed (require_mfa names only this team's environments).
   */
  environments?: readonly string[];
}

export interface RuleContext {
  config: TeamConfig;
  nowMs: number;
  locate: Locate;
  expansion: Expansion;
  /** Absent where the catalogue is not loaded (inside workflows); the action rules then skip. */
  catalog?: ActionCatalog;
  /** What is known of the config folder beyond this team (its other teams, their environments). */
  folder?: FolderContext;
}

export type Rule = (context: RuleContext) => Diagnostic[];

/** `aws-accounts/<team>.yaml`: how a message names another file of the same team. */
export function teamFile(kind: FileKind, team: string): string {
  return `${kind}/${team}.yaml`;
}
