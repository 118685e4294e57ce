// A rule context for unit tests of the offline rules: the config given, no expansion, and positions
// that spell out the kind and path (file `<kind>:<path>`, col 1 for a key, 2 for a value).
import type { RuleContext } from '../../src/core/rules/context';
import type { TeamConfig } from '../../src/core/team-config';

export function ruleContext(config: TeamConfig): RuleContext {
  return {
    config,
    nowMs: 0,
    expansion: { grants: [], policies: [], skipped: [], duplicates: [] },
    locate: (kind, path, options) => ({ file: `${kind}:${path.join('/')}`, line: 1, col: options?.key ? 1 : 2 }),
  } as RuleContext;
}
