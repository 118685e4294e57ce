// A parsed YAML file that remembers where every value came from, so each diagnostic can name
// the exact line and column of the offending key or value.
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { error, type Diagnostic, type Position } from '../core/diagnostics';

export type PathSegment = string | number;

export interface YamlSource {
  file: string;
  data: unknown;
  /** Where the value at `path` is; with `key`, where its key is. Falls back to the nearest parent. */
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
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, strict: true });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
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
      } else if (isSeq(current) && typeof segment === 'number') {
        keyNode = undefined;
        current = current.items[segment];
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

  const data = diagnostics.length > 0 ? undefined : toData(doc);
  return { source: { file, data, locate, sourceText }, diagnostics };
}

function toData(doc: Document): unknown {
  // Anchors and aliases are resolved; a YAML file with a huge alias expansion is refused by the library.
  return doc.toJS({ maxAliasCount: 1000 });
}
