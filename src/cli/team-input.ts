// The first step of validate, plan, submit and cleanup: read and check the team's YAML, print the
// diagnostics, and stop before any network call when there is an error.
import { formatDiagnostic } from '../core/diagnostics';
import { parseInstant } from '../core/time';
import { validateTeam, type Validation } from '../validate';
import { UsageError, write, type Io, type ValueOption } from './command';

/** `--now ISO`: check dates as if it were this moment. */
export const NOW_OPTION = {
  type: 'string',
  value: 'ISO',
  description: 'check dates as if it were this moment, e.g. 2026-12-01T00:00:00Z',
  defaultText: 'the current time',
  parse: (raw: string): number => {
    const parsed = parseInstant(raw, { endOfDay: false });
    if (!parsed.ok) throw new UsageError(`--now: ${parsed.reason}`);
    return parsed.ms;
  },
} as const satisfies ValueOption<number>;

export async function loadValidTeam(
  io: Io,
  team: string,
  options: { config: string; nowMs?: number },
): Promise<{ validation: Validation; dir: string; nowMs: number }> {
  const dir = options.config;
  const nowMs = options.nowMs ?? Date.now();
  const validation = await validateTeam({ dir, team, env: io.env, nowMs });
  for (const diagnostic of validation.diagnostics) write(io.stderr, formatDiagnostic(diagnostic));
  if (!validation.ok) {
    const errors = validation.diagnostics.filter((d) => d.severity === 'error').length;
    write(io.stderr, `${team}: ${errors} error${errors === 1 ? '' : 's'}; nothing was sent to AWS or Temporal`);
  }
  return { validation, dir, nowMs };
}
