// Turns zod's issues into diagnostics that point at the YAML line and name the offending value.
import type { z } from 'zod';
import { error, type Diagnostic } from '../core/diagnostics';
import { closest } from '../core/suggest';
import type { PathSegment, YamlSource } from './yaml-source';

export function pathLabel(path: readonly PropertyKey[]): string {
  let label = '';
  for (const segment of path) {
    if (typeof segment === 'number') label += `[${segment}]`;
    else label += label ? `.${String(segment)}` : String(segment);
  }
  return label || '(top level)';
}

function describe(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** The keys a strict object at `path` accepts, read from the schema itself. */
function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  const unwrap = (s: unknown): unknown => {
    let node = s as { def?: { type?: string; innerType?: unknown; in?: unknown; out?: unknown; options?: unknown[] } };
    for (let i = 0; i < 10 && node?.def; i++) {
      const { type } = node.def;
      if (type === 'optional' || type === 'nullable' || type === 'default') node = node.def.innerType as typeof node;
      else if (type === 'pipe') node = node.def.in as typeof node;
      else break;
    }
    return node;
  };
  for (const segment of path) {
    const node = unwrap(current) as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown; valueType?: unknown } };
    if (node?.def?.type === 'object' && typeof segment === 'string') current = node.def.shape?.[segment];
    else if (node?.def?.type === 'array') current = node.def.element;
    else if (node?.def?.type === 'record') current = node.def.valueType;
    else return [];
  }
  const node = unwrap(current) as { def?: { type?: string; shape?: Record<string, unknown> } };
  return node?.def?.type === 'object' ? Object.keys(node.def.shape ?? {}) : [];
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment as string];
  }
  return current;
}

export function zodIssuesToDiagnostics(issues: readonly z.core.$ZodIssue[], source: YamlSource, schema: z.ZodType): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path as PathSegment[];
    const label = pathLabel(path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeys(schema, path);
        for (const key of issue.keys) {
          const suggestion = closest(key, allowed);
          const hint = suggestion ? `; did you mean "${suggestion}"?` : allowed.length ? `; allowed keys: ${allowed.join(', ')}` : '';
          out.push(error(source.locate([...path, key], { key: true }), `unknown key "${key}" in ${label}${hint}`));
        }
        break;
      }
      case 'invalid_type': {
        const value = valueAt(source.data, path);
        let message: string;
        if (value === undefined) {
          message = `${label} is required`;
        } else if (issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
          const written = source.sourceText(path);
          message =
            `${label} must be a quoted string: the unquoted value ${written} is read as ${typeof value} ${String(value)}` +
            `; write it in quotes: "${written}"`;
        } else {
          const expected = issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
          message = `${label} must be ${expected}, got ${describe(value)}`;
        }
        out.push(error(source.locate(path), message));
        break;
      }
      default: {
        const value = valueAt(source.data, path);
        const shown = value !== undefined && (typeof value !== 'object' || value === null) ? ` (got ${JSON.stringify(value)})` : '';
        const message = issue.message.includes(' got ') ? issue.message : `${issue.message}${shown}`;
        out.push(error(source.locate(path), `${label}: ${message}`));
      }
    }
  }
  return out;
}
