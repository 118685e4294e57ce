// A parsed YAML file that remembers where every value came from, so each diagnostic can name
// the exact line and column of the offending key or value.
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from 'yaml';
import { error, type Diagnostic, type Position } from '../core/diagnostics';

export type PathSegment = string | number;

export interface YamlSource {
  file: string;
  data: unknown;
  /**
   * Where the value at `path` is; with `key`, where its key is. Falls back to the nearest parent. In
   * a list, a number is an index and a string the first item of that value.
   */
  locate(path: readonly PathSegment[], options?: { key?: boolean }): Position;
  /** The text of the value at `path` exactly as written in the file. */
  sourceText(path: readonly PathSegment[]): string;
}

export interface ParsedYaml {
  source: YamlSource;
  diagnostics: Diagnostic[];
}

export function parseYaml(file: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  let doc: Document;
  try {
    // logLevel 'error': what the library would print to the console as a warning, without a file (a
    // key that is a list, say), is not printed; the checks after it refuse such a key.
    doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, strict: true, logLevel: 'error' });
  } catch (cause) {
    return { source: emptySource(file), diagnostics: [error({ file, line: 1, col: 1 }, `YAML error: ${firstLine(cause)}`)] };
  }
  const diagnostics: Diagnostic[] = [];
  for (const problem of [...doc.errors, ...doc.warnings]) {
    const at = problem.linePos ? { file, line: problem.linePos[0].line, col: problem.linePos[0].col } : position(problem.pos[0]);
    const summary = problem.message.split('\n')[0] ?? problem.message;
    const key = (/^("[^"]*"|'[^']*'|[^:#\n]+)/.exec(text.slice(problem.pos[0]))?.[1] ?? '').trim().replace(/^["']|["']$/g, '');
    const message =
      problem.code === 'DUPLICATE_KEY'
        ? `duplicate key ${JSON.stringify(key)}: it appears twice in the same mapping; keep one`
        : `YAML syntax error: ${summary}`;
    diagnostics.push(error(at, message));
  }

  const nodeAt = (path: readonly PathSegment[]): { node: Node | undefined; keyNode: Node | undefined } => {
    let current: unknown = doc.contents;
    let keyNode: Node | undefined;
    for (const segment of path) {
      if (isMap(current)) {
        const pair = current.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) return { node: undefined, keyNode: undefined };
        keyNode = pair.key as Node;
        current = pair.value ?? pair.key;
      } else if (isSeq(current)) {
        // A number is an index; a string names the first item of that value (`require_mfa`'s `prod`).
        keyNode = undefined;
        current = typeof segment === 'number' ? current.items[segment] : current.items.find((item) => isScalar(item) && String(item.value) === segment);
        if (current === undefined) return { node: undefined, keyNode: undefined };
      } else {
        return { node: undefined, keyNode: undefined };
      }
    }
    return { node: current as Node | undefined, keyNode };
  };

  const locate = (path: readonly PathSegment[], options: { key?: boolean } = {}): Position => {
    for (let length = path.length; length >= 0; length--) {
      const { node, keyNode } = nodeAt(path.slice(0, length));
      const target = options.key && length === path.length && keyNode ? keyNode : node;
      if (target?.range) return position(target.range[0]);
    }
    return { file, line: 1, col: 1 };
  };

  const sourceText = (path: readonly PathSegment[]): string => {
    const { node } = nodeAt(path);
    return node?.range ? text.slice(node.range[0], node.range[1]).trim() : '';
  };

  let data: unknown;
  if (diagnostics.length === 0) {
    const converted = toData(doc, file, position);
    if (converted.ok) data = converted.data;
    else diagnostics.push(converted.diagnostic);
  }
  return { source: { file, data, locate, sourceText }, diagnostics };
}

/** How many times aliases may be expanded in one file; more is refused as a resource exhaustion attack. */
export const MAX_ALIAS_COUNT = 1000;

const firstLine = (cause: unknown): string => {
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.split('\n')[0] ?? message;
};

function emptySource(file: string): YamlSource {
  return { file, data: undefined, locate: () => ({ file, line: 1, col: 1 }), sourceText: () => '' };
}

/**
 * The document as plain data, anchors and aliases resolved. The library throws (rather than
 * collects) what it finds only now: an alias to an anchor not defined before it, and aliases that
 * expand too often (a "billion laughs" document). Either becomes an error at the alias concerned.
 */
function toData(doc: Document, file: string, position: (offset: number) => Position): { ok: true; data: unknown } | { ok: false; diagnostic: Diagnostic } {
  try {
    return { ok: true, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (cause) {
    const aliases: { source: string; offset: number; defined: boolean }[] = [];
    const anchors = new Set<string>();
    visit(doc, {
      Node: (_key, node) => {
        if (isAlias(node)) aliases.push({ source: node.source, offset: node.range?.[0] ?? 0, defined: anchors.has(node.source) });
        else if (node.anchor) anchors.add(node.anchor);
      },
    });
    const undefinedAlias = aliases.find((a) => !a.defined);
    if (undefinedAlias) {
      return {
        ok: false,
        diagnostic: error(
          position(undefinedAlias.offset),
          `YAML error: alias *${undefinedAlias.source} names no anchor defined before it; define &${undefinedAlias.source} earlier in the file, or write the value out`,
        ),
      };
    }
    if (/alias count/i.test(firstLine(cause)) && aliases[0]) {
      return {
        ok: false,
        diagnostic: error(
          position(aliases[0].offset),
          `YAML error: the aliases of this file, from *${aliases[0].source} on, expand too often (the limit is ${MAX_ALIAS_COUNT} expansions; ` +
            'more is refused as a resource exhaustion attack, a "billion laughs" document); write the values out instead of nesting aliases',
        ),
      };
    }
    return { ok: false, diagnostic: error(aliases[0] ? position(aliases[0].offset) : { file, line: 1, col: 1 }, `YAML error: ${firstLine(cause)}`) };
  }
}
