// The shape every command shares: its help text, its options, and what it runs.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Longer help: what it does, what it prints, exit codes worth knowing. */
  details: string;
  options: Options;
  positionals: { min: number; max: number };
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[]; io: Io }): Promise<number>;
}

/** Exit codes (SPEC "Command line"). */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export class UsageError extends Error {}

export const CONFIG_OPTION: Options = {
  config: { type: 'string', short: 'c' },
};

export const HELP_OPTION: Options = { help: { type: 'boolean', short: 'h' } };

export function parseCommandArgs(command: Command, argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...command.options, ...HELP_OPTION }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) return { help: true as const };
  const { min, max } = command.positionals;
  if (parsed.positionals.length < min) throw new UsageError(`missing argument: usage: ${command.usage}`);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}": usage: ${command.usage}`);
  return { help: false as const, values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
}

export function helpText(command: Command): string {
  return `usage: ${command.usage}\n\n${command.summary}\n\n${command.details.trim()}\n`;
}

export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
