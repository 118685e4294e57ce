// The first step of validate, plan, submit and cleanup: read and check the team's YAML, print the
// diagnostics, and stop before any network call when there is an error.
import { configDirectory } from '../config/load';
import { formatDiagnostic } from '../core/diagnostics';
import { parseInstant } from '../core/time';
import { validateTeam, type Validation } from '../validate';
import { UsageError, write, type Io } from './command';

export function nowFrom(values: Record<string, string | boolean | undefined>): number {
  if (typeof values.now !== 'string') return Date.now();
  const parsed = parseInstant(values.now, { endOfDay: false });
  if (!parsed.ok) throw new UsageError(`--now: ${parsed.reason}`);
  return parsed.ms;
}

export function configDirFrom(io: Io, values: Record<string, string | boolean | undefined>): string {
  return configDirectory(typeof values.config === 'string' ? values.config : undefined, io.env);
}

export async function loadValidTeam(
  io: Io,
  team: string,
  values: Record<string, string | boolean | undefined>,
): Promise<{ validation: Validation; dir: string; nowMs: number }> {
  const dir = configDirFrom(io, values);
  const nowMs = nowFrom(values);
  const validation = await validateTeam({ dir, team, env: io.env, nowMs });
  for (const diagnostic of validation.diagnostics) write(io.stderr, formatDiagnostic(diagnostic));
  if (!validation.ok) {
    const errors = validation.diagnostics.filter((d) => d.severity === 'error').length;
    write(io.stderr, `${team}: ${errors} error${errors === 1 ? '' : 's'}; nothing was sent to AWS or Temporal`);
  }
  return { validation, dir, nowMs };
}
