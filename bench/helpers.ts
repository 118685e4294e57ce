// Small helpers the benchmark scripts share.

export function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** An IAM-style timestamp (whole seconds, rounded up) for `ms`. */
export function iso(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The nearest-rank percentile `p` of `values` (NaN when empty). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Polls `check` every `everyMs` until it holds, failing after `timeoutMs` with what was awaited. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
