// grantflow's lint on IAM policy documents written by others (AWS's managed policies, say): each
// document becomes a policy's custom statements and goes through what validate does after reading
// the YAML (the file's schema, normalising, every rule with the offline catalogue).
import assert from 'node:assert/strict';
import { loadActionCatalog } from '../../src/config/action-catalog';
import { normalizeTeam } from '../../src/config/normalize';
import { FILE_SCHEMAS, type PoliciesFile } from '../../src/config/schema';
import type { YamlSource } from '../../src/config/yaml-source';
import type { Diagnostic } from '../../src/core/diagnostics';
import { checkTeam, type Locate } from '../../src/core/rules';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/team-config';

export type Statement = Record<string, unknown>;
export interface PolicyDocument {
  Version?: string;
  Statement: Statement | Statement[];
}

export const statementsOf = (document: PolicyDocument): Statement[] => [document.Statement].flat();
const list = (value: unknown) => (value === undefined ? undefined : [value].flat());

/** A statement of IAM's JSON as a team writes it in YAML (the keys of custom_statements). */
export function asWritten(s: Statement): Record<string, unknown> {
  return {
    ...(s.Sid !== undefined ? { sid: s.Sid } : {}),
    effect: s.Effect,
    ...(s.Action !== undefined ? { actions: list(s.Action) } : {}),
    ...(s.NotAction !== undefined ? { not_actions: list(s.NotAction) } : {}),
    ...(s.Resource !== undefined ? { resources: list(s.Resource) } : {}),
    ...(s.NotResource !== undefined ? { not_resources: list(s.NotResource) } : {}),
    ...(s.Condition !== undefined ? { conditions: s.Condition } : {}),
  };
}

/** The aws-policies file of a team (named `aws`) holding each document as one policy. */
export function policiesInput(documents: Record<string, PolicyDocument>): { 'aws-policies': Record<string, unknown> } {
  return {
    'aws-policies': Object.fromEntries(
      Object.entries(documents).map(([name, d]) => [name, { description: name, custom_statements: statementsOf(d).map(asWritten) }]),
    ),
  };
}

/** Every diagnostic names the policy it is about in its `file`. */
const locate: Locate = (_kind, segments) => ({ file: String(segments[1] ?? ''), line: 1, col: 1 });

/**
 * The diagnostics of a team's aws-policies file given as data. A document the file's schema refuses
 * is a failed assertion (the schema must accept what IAM accepts).
 */
export async function lintPoliciesFile(input: unknown, settings: Settings = DEFAULT_SETTINGS): Promise<Diagnostic[]> {
  const parsed = FILE_SCHEMAS['aws-policies'].safeParse(input);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 5)));
  const data: PoliciesFile = parsed.data;
  const source: YamlSource = { file: 'aws-policies/aws.yaml', data, locate: (segments) => locate('aws-policies', segments), sourceText: () => '' };
  const { config, diagnostics } = normalizeTeam({ team: 'aws', policies: { data, source, relative: 'aws-policies/aws.yaml' } }, settings);
  assert.deepEqual(diagnostics, []);
  const catalog = await loadActionCatalog([config]);
  return checkTeam(config, { nowMs: Date.now(), locate, catalog }).diagnostics;
}
