// The first step of validate, plan, submit and cleanup: read and check the team's YAML, print the
// diagnostics, and stop before any network call when there is an error.
import { error, formatDiagnostic, sortDiagnostics, type Diagnostic } from '../core/diagnostics';
import { guardrailProblems, type Guardrails } from '../core/guardrails';
import type { IdentityCenterSettings } from '../core/identity-center';
import { parseInstant } from '../core/time';
import { locateSetting } from '../config/load';
import { validateTeam, type ValidTeam, type Validation } from '../validate';
import { UsageError, write, type Io, type ValueOption } from './command';
import { loadWorkerAuthority } from './worker-authority';

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

/**
 * Reads and checks the team; with `workerConfig`, also against the worker's guardrails (what the
 * worker would refuse is an error here too, at the line that asks for less).
 */
export async function loadValidTeam(
  io: Io,
  team: string,
  options: { config: string; nowMs?: number; workerConfig?: string | undefined },
): Promise<{ validation: Validation; dir: string; nowMs: number; identityCenter?: IdentityCenterSettings }> {
  const dir = options.config;
  const nowMs = options.nowMs ?? Date.now();
  const worker = options.workerConfig ? loadWorkerAuthority({ file: options.workerConfig }) : undefined;
  const validation = withGuardrails(await validateTeam({ dir, team, env: io.env, nowMs }), dir, options.workerConfig, worker);
  for (const diagnostic of validation.diagnostics) write(io.stderr, formatDiagnostic(diagnostic));
  if (!validation.ok) {
    const errors = validation.diagnostics.filter((d) => d.severity === 'error').length;
    write(io.stderr, `${team}: ${errors} error${errors === 1 ? '' : 's'}; nothing was sent to AWS or Temporal`);
  }
  return { validation, dir, nowMs, ...(worker?.identityCenter ? { identityCenter: worker.identityCenter } : {}) };
}

/** The validation, with what the worker's guardrails (in `workerConfig`) would refuse added as errors. */
export function withGuardrails(
  validation: Validation,
  dir: string,
  workerConfig: string | undefined,
  loaded: ReturnType<typeof loadWorkerAuthority> | undefined = workerConfig ? loadWorkerAuthority({ file: workerConfig }) : undefined,
): Validation {
  if (!workerConfig || !loaded) return validation;
  const { authority, diagnostics } = loaded;
  const found = [...diagnostics, ...(validation.ok ? guardrailDiagnostics(validation.team, authority.guardrails, dir) : [])];
  if (found.length === 0) return validation;
  return { ok: false, diagnostics: sortDiagnostics([...validation.diagnostics, ...found]) };
}

/** What the worker's guardrails refuse, as diagnostics at the setting or environment that asks for less. */
export function guardrailDiagnostics(valid: ValidTeam, guardrails: Guardrails, dir: string): Diagnostic[] {
  return guardrailProblems(valid.config, guardrails).map((problem) => {
    const at =
      problem.where.file === 'settings'
        ? locateSetting(dir, problem.where.key)
        : problem.where.path
          ? valid.locate(problem.where.file, problem.where.path)
          : valid.locate(problem.where.file, [problem.where.file, problem.where.key], { key: true });
    return error(at, `${problem.message} (the worker's guardrail ${problem.guardrail})`, 'guardrail');
  });
}
