// What every rule is given: the normalised config, the moment "now", a way to point at the YAML,
// and (when validating on a workstation or in CI) the catalogue of IAM actions.
import type { Diagnostic, Position } from '../diagnostics';
import type { Expansion } from '../expand';
import type { FileKind, TeamConfig } from '../team-config';

export type PathSegment = string | number;

/** Where the value at `path` in the team's file of `kind` is written (`key`: where its key is). */
export type Locate = (kind: FileKind, path: readonly PathSegment[], options?: { key?: boolean }) => Position;

/** IAM's actions by service prefix (lower case). */
export interface ActionCatalog {
  services(): readonly string[];
  actionsOf(service: string): readonly string[] | undefined;
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
