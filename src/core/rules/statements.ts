// One custom statement, element by element: an error where IAM would refuse the document (an
// action's shape, a resource that is no ARN, an unknown condition operator, a date it cannot read),
// a warning where IAM accepts it but it is probably a slip (an action or a global condition key
// that AWS does not have, as far as the offline catalogue knows).
import {
  actionShapeProblem,
  type ActionLookup,
  bareOperator,
  checkGlobalConditionKey,
  isConditionOperator,
  isDateConditionValue,
  knownOperators,
  lookupAction,
} from '../actions';
import { error, warning, type Diagnostic, type Position } from '../diagnostics';
import { IAM_IS_GLOBAL, iamArnRegion, PARTITIONS } from '../names';
import { closest } from '../suggest';
import type { IamStatement } from '../team-config';
import type { ActionCatalog, PathSegment } from './context';

export type StatementLocate = (path: PathSegment[], key?: boolean) => Position;

/** How an unknown action reads, and what makes it an error. */
export function unknownActionMessage(found: Extract<ActionLookup, { known: false }>, catalog: ActionCatalog, strict: boolean): string {
  const { source, version, date } = catalog.about;
  const hint = found.suggestion ? `; did you mean "${found.suggestion}"?` : found.nearPrefix ? `; did you mean the prefix "${found.nearPrefix}"?` : '';
  return (
    `${found.reason}${hint} (action catalogue ${source} ${version}, data of ${date}). ` +
    'IAM accepts an unknown action, but it grants nothing unless AWS added it after that date' +
    (strict ? '; this is an error because strict_actions is true' : '')
  );
}

function resourceProblem(resource: string): string | undefined {
  if (resource === '*') return undefined;
  if (!resource.startsWith('arn:')) {
    return `resource "${resource}" is not an ARN or "*" (e.g. arn:aws:s3:::${resource.replace(/^\W+/, '') || 'bucket'})`;
  }
  const parts = resource.split(':');
  const partition = parts[1] ?? '';
  if (partition !== '*' && !PARTITIONS.includes(partition)) {
    return `resource "${resource}" names partition "${partition}"; IAM knows ${PARTITIONS.join(', ')} (or "*")`;
  }
  if (parts.length < 3 || parts[2] === '') {
    return `resource "${resource}" has no service: an ARN reads arn:<partition>:<service>:<region>:<account>:<resource>`;
  }
  // IAM's parser reads an ARN with an empty field ("::") only when all six fields are there.
  if (resource.includes('::') && parts.length < 6) {
    return `resource "${resource}" has ${parts.length} of an ARN's 6 fields; IAM refuses it (e.g. arn:aws:s3:::bucket has three colons before the bucket)`;
  }
  // IAM accepts an IAM ARN with a region in a policy, but it matches nothing: IAM's own ARNs have none.
  const region = iamArnRegion(resource);
  if (region) return `resource "${resource}" has region "${region.region}", so it matches nothing: ${IAM_IS_GLOBAL}; write ${region.fixed}`;
  return undefined;
}

export function statementDiagnostics(statement: IamStatement, at: StatementLocate, options: { catalog?: ActionCatalog; strict: boolean }): Diagnostic[] {
  const { catalog, strict } = options;
  const out: Diagnostic[] = [];
  const actionKey = statement.Action ? 'actions' : 'not_actions';
  // One warning per unknown service prefix in a statement: a retired service's actions come in lists.
  const unknownServices = new Map<string, { at: Position; patterns: string[]; found: Extract<ActionLookup, { known: false }> }>();
  (statement.Action ?? statement.NotAction ?? []).forEach((pattern, j) => {
    const shape = actionShapeProblem(pattern);
    if (shape) {
      out.push(error(at([actionKey, j]), shape, 'malformed-action'));
      return;
    }
    if (!catalog) return;
    const found = lookupAction(pattern, catalog);
    if (found.known) return;
    if (found.kind === 'unknown-service') {
      const service = pattern.slice(0, pattern.indexOf(':')).toLowerCase();
      const group = unknownServices.get(service);
      if (group) group.patterns.push(pattern);
      else unknownServices.set(service, { at: at([actionKey, j]), patterns: [pattern], found });
      return;
    }
    const message = unknownActionMessage(found, catalog, strict);
    out.push(strict ? error(at([actionKey, j]), message, found.kind) : warning(at([actionKey, j]), message, found.kind));
  });
  for (const [service, { at: where, patterns, found }] of unknownServices) {
    const shown = patterns
      .slice(0, 3)
      .map((p) => `"${p}"`)
      .join(', ');
    const reason =
      patterns.length === 1
        ? found.reason
        : `${patterns.length} actions (${shown}${patterns.length > 3 ? ', …' : ''}): no AWS service has the prefix "${service}"`;
    const message = unknownActionMessage({ ...found, reason }, catalog!, strict);
    out.push(strict ? error(where, message, found.kind) : warning(where, message, found.kind));
  }

  const resourceKey = statement.Resource ? 'resources' : 'not_resources';
  (statement.Resource ?? statement.NotResource ?? []).forEach((resource, j) => {
    const problem = resourceProblem(resource);
    if (problem) out.push(error(at([resourceKey, j]), problem, 'malformed-resource'));
  });

  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    if (!isConditionOperator(operator)) {
      const near = closest(operator, knownOperators());
      out.push(
        error(at(['conditions', operator], true), `unknown condition operator "${operator}"${near ? `; did you mean "${near}"?` : ''}`, 'unknown-operator'),
      );
      continue;
    }
    const isDate = bareOperator(operator).startsWith('Date');
    for (const [key, value] of Object.entries(entries)) {
      if (isDate) {
        const bad = [value].flat().find((v) => !isDateConditionValue(v));
        if (bad !== undefined) {
          out.push(
            error(
              at(['conditions', operator, key]),
              `${operator} ${key}: ${JSON.stringify(bad)} is not a date IAM can read; write an ISO 8601 time such as 2026-06-30T23:59:59Z, or epoch seconds`,
              'malformed-condition',
            ),
          );
        }
      }
      if (catalog && key.toLowerCase().startsWith('aws:')) {
        const known = checkGlobalConditionKey(key, catalog);
        if (!known.known) {
          out.push(
            warning(
              at(['conditions', operator, key], true),
              `condition key "${key}" is not one of AWS's global condition keys${known.suggestion ? `; did you mean "${known.suggestion}"?` : ''}. ` +
                'IAM accepts it, but a key AWS never sets is always absent, so the condition does not test what it seems to',
              'unknown-condition-key',
            ),
          );
        }
      }
    }
  }
  return out;
}
