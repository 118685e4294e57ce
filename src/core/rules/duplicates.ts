// The same grant listed twice is harmless to IAM but usually a copy-paste slip worth a warning.
import { warning, type Diagnostic } from '../diagnostics';
import type { Rule } from './context';

export const duplicateRules: Rule = ({ expansion, locate }) => {
  const out: Diagnostic[] = [];
  for (const { id, first, again } of expansion.duplicates) {
    const kind = id.includes('/until/') ? 'temporary-access' : 'permanent-access';
    out.push(
      warning(
        locate(kind, [kind, again.index ?? 0]),
        `the same grant is listed twice (${id}); first at ${first.file}:${first.line}. It is granted once`,
        'duplicate-grant',
      ),
    );
  }
  return out;
};
