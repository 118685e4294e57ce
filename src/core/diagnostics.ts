// Diagnostics are values: every check returns them, and only the command-line boundary prints them.

export type Severity = 'error' | 'warning';

export interface Position {
  file: string;
  line: number;
  col: number;
}

export interface Diagnostic extends Position {
  severity: Severity;
  message: string;
}

export function error(at: Position, message: string): Diagnostic {
  return { ...at, severity: 'error', message };
}

export function warning(at: Position, message: string): Diagnostic {
  return { ...at, severity: 'warning', message };
}

/** `<file>:<line>:<col>: error|warning: <message>`, the format editors and CI annotators understand. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order: by file, line, column, then errors before warnings; exact repeats dropped. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${formatDiagnostic(d)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
      a.message.localeCompare(b.message),
  );
}

/** A value or the diagnostics explaining why there is none. */
export type Result<T> = { ok: true; value: T; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };
