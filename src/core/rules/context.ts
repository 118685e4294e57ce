// What every rule is given: the normalised config, the moment "now", a way to point at the YAML,
// and (when validating on a workstation or in CI) the catalogue of IAM actions.
import type { Diagnostic, Position } from '../diagnostics';
import type { Expansion } from '../expand';
import type { FileKind, TeamConfig } from '../team-config';

export type PathSegment = string | number;

/** Where the value at `path` in the team's file of `kind` is written (`key`: where its key is). */
export type Locate = (kind: FileKind, path: readonly PathSegment[], options?: { key?: boolean }) => Position;

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

export interface RuleContext {
  config: TeamConfig;
  nowMs: number;
  locate: Locate;
  expansion: Expansion;
  /** Absent where the catalogue is not loaded (inside workflows); the action rules then skip. */
  catalog?: ActionCatalog;
}

export type Rule = (context: RuleContext) => Diagnostic[];

/** `aws-accounts/<team>.yaml`: how a message names another file of the same team. */
export function teamFile(kind: FileKind, team: string): string {
  return `${kind}/${team}.yaml`;
}
