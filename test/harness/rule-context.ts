// A rule context for unit tests of the offline rules: the config given (and, if given, what is known
// of its config folder), no expansion, and positions that spell out the kind and path (file
// `<kind>:<path>`, col 1 for a key, 2 for a value).
import type { FolderContext, RuleContext } from '../../src/core/rules/context';
import type { TeamConfig } from '../../src/core/team-config';

export function ruleContext(config: TeamConfig, folder?: FolderContext): RuleContext {
  return {
    config,
    nowMs: 0,
    expansion: { grants: [], policies: [], permissionSets: [], skipped: [], duplicates: [] },
    locate: (kind, path, options) => ({ file: `${kind}:${path.join('/')}`, line: 1, col: options?.key ? 1 : 2 }),
    ...(folder ? { folder } : {}),
  } as RuleContext;
}
