// Diagnostics are values: every check returns them, and only the command-line boundary prints them.

/**
 * `error`: IAM (or grantflow's own limits and references) would refuse it; nothing is submitted.
 * `warning`: IAM would accept it, but it is probably not what was meant. `note`: worth knowing.
 */
export type Severity = 'error' | 'warning' | 'note';

export interface Position {
  file: string;
  line: number;
  col: number;
}

export interface Diagnostic extends Position {
  severity: Severity;
  message: string;
  /** Which check spoke (e.g. `unknown-action`, `pass-role`), for counting and filtering. */
  kind?: string;
}

/** Diagnostics made without a kind are counted under this one. */
export const OTHER_KIND = 'other';

const make = (severity: Severity, at: Position, message: string, kind: string | undefined): Diagnostic => ({
  ...at,
  severity,
  message,
  ...(kind ? { kind } : {}),
});

export function error(at: Position, message: string, kind?: string): Diagnostic {
  return make('error', at, message, kind);
}

export function warning(at: Position, message: string, kind?: string): Diagnostic {
  return make('warning', at, message, kind);
}

export function note(at: Position, message: string, kind?: string): Diagnostic {
  return make('note', at, message, kind);
}

/** `<file>:<line>:<col>: error|warning|note: <message>`, the format editors and CI annotators understand. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** How many diagnostics of one severity each kind produced, sorted by kind. */
export function countByKind(diagnostics: readonly Diagnostic[], severity: Severity): Record<string, number> {
  const counts = new Map<string, number>();
  for (const d of diagnostics) {
    if (d.severity !== severity) continue;
    const kind = d.kind ?? OTHER_KIND;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const d of diagnostics) counts[d.severity]++;
  return counts;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

/** Stable order: by file, line, column, then errors before warnings before notes; exact repeats dropped. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${formatDiagnostic(d)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || RANK[a.severity] - RANK[b.severity] || a.message.localeCompare(b.message),
  );
}

/** A value or the diagnostics explaining why there is none. */
export type Result<T> = { ok: true; value: T; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };
