// The shape every command shares. A command declares its arguments and options once, as data: the
// parser (node:util parseArgs), the typed values its run() receives, the usage line and the --help
// text are all made from that declaration, so they cannot disagree.
import { parseArgs } from 'node:util';
import { closest } from '../core/suggest';
import { parseDuration } from '../core/time';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

/** An option that takes a value: `--config DIR`. */
export interface ValueOption<T = unknown> {
  type: 'string';
  short?: string;
  /** The value's placeholder in the usage line and the help: DIR, ISO, D. */
  value: string;
  description: string;
  /** An environment variable that gives the value when the option is not on the command line. */
  env?: string;
  /** The value when neither the option nor `env` gives one. */
  default?: string;
  /** What the help shows as the default when it is worked out at run time instead. */
  defaultText?: string;
  /** Given once or more; the command receives every value, in order. */
  multiple?: boolean;
  required?: boolean;
  /** Turns the text into the value the command receives; throws a UsageError for text it refuses. */
  parse?: (raw: string) => T;
}

/** An option that is on or off: `--json`. */
export interface FlagOption {
  type: 'boolean';
  short?: string;
  description: string;
}

export type OptionSpec = ValueOption | FlagOption;
export type Options = Readonly<Record<string, OptionSpec>>;

export interface ArgumentSpec {
  name: string;
  required?: boolean;
  /** Takes every remaining argument. */
  variadic?: boolean;
}

type Parsed<O> = O extends { parse: (raw: string) => infer T } ? T : string;
type ValueOf<O> = O extends { type: 'boolean' }
  ? boolean
  : O extends { multiple: true }
    ? Parsed<O>[]
    : O extends { default: string } | { required: true }
      ? Parsed<O>
      : Parsed<O> | undefined;

/** What a command's run() receives for its options: flags as booleans, values parsed, defaults applied. */
export type Values<O extends Options> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export interface Command<O extends Options = Options> {
  name: string;
  summary: string;
  arguments: readonly ArgumentSpec[];
  options: O;
  /** For a command with several forms: the usage line, instead of the one made from the declaration. */
  usage?: string;
  /** What it does and prints, for --help. */
  description: string;
  /** The exit codes worth knowing, for --help. */
  exitCodes: string;
  run(args: { values: Values<O>; positionals: string[]; io: Io }): Promise<number>;
}

/** Any command, whatever its options (the list of commands holds these). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = Command<any>;

/** Declares a command; its run() gets values typed from its options. */
export function defineCommand<const O extends Options>(command: Command<O>): Command<O> {
  return command;
}

/** Exit codes: 0 success, 1 invalid config or a failed operation, 2 usage error, 3 Temporal or AWS unreachable. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export class UsageError extends Error {}

export const CONFIG_OPTION = {
  type: 'string',
  short: 'c',
  value: 'DIR',
  env: 'GRANTFLOW_CONFIG',
  default: 'config',
  description: 'config folder',
} as const satisfies ValueOption;

/** `--by NAME`: who does it, recorded in the workflow. */
export const BY_OPTION = {
  type: 'string',
  value: 'NAME',
  description: 'who does it',
  defaultText: '$GRANTFLOW_SUBMITTED_BY, $GITHUB_ACTOR, git user or $USER',
} as const satisfies ValueOption;

/** `--timeout D`: how long a command waits for Temporal (and the worker behind it) before it gives up, saying what it waited for. */
export function timeoutOption<const D extends string>(defaultValue: D, description = 'how long to wait for Temporal and its worker') {
  return {
    type: 'string',
    value: 'D',
    default: defaultValue,
    description,
    parse: (raw: string): number => {
      const ms = parseDuration(raw);
      if (ms === undefined || ms <= 0) throw new UsageError(`--timeout: "${raw}" is not a duration such as 90s, 10m or 1h`);
      return ms;
    },
  } as const satisfies ValueOption<number>;
}

export const JSON_OPTION = { type: 'boolean', description: 'print the result as JSON on stdout' } as const satisfies FlagOption;

const HELP_OPTION = { type: 'boolean', short: 'h', description: 'show this help' } as const satisfies FlagOption;

export function usageLine(command: AnyCommand): string {
  if (command.usage) return command.usage;
  const args = (command.arguments as readonly ArgumentSpec[]).map((a) => {
    const name = `<${a.name}>${a.variadic ? '...' : ''}`;
    return a.required ? name : `[${name}]`;
  });
  const options = Object.entries(command.options as Options).map(([name, spec]) => {
    const text = spec.type === 'string' ? `--${name} ${spec.value}` : `--${name}`;
    return spec.type === 'string' && spec.required ? text : `[${text}]`;
  });
  return ['grantflow', command.name, ...args, ...options].join(' ');
}

function defaultOf(spec: OptionSpec): string | undefined {
  if (spec.type !== 'string') return undefined;
  const parts = [...(spec.env ? [`$${spec.env}`] : []), ...(spec.defaultText ? [spec.defaultText] : spec.default !== undefined ? [spec.default] : [])];
  return parts.length ? parts.join(', else ') : undefined;
}

/** The options block of --help, one line per option, made from the declaration. */
export function optionLines(command: AnyCommand): string[] {
  const entries = [...Object.entries(command.options as Options), ['help', HELP_OPTION] as const];
  const left = entries.map(([name, spec]) => `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` ${spec.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length));
  return entries.map(([, spec], i) => {
    const notes = [
      ...(spec.type === 'string' && spec.required ? ['required'] : []),
      ...(spec.type === 'string' && spec.multiple ? ['may be given more than once'] : []),
      ...(defaultOf(spec) ? [`default: ${defaultOf(spec)}`] : []),
    ];
    return `  ${left[i]!.padEnd(width)}  ${spec.description}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  });
}

export function helpText(command: AnyCommand): string {
  return [
    `usage: ${usageLine(command)}`,
    '',
    command.summary,
    '',
    command.description.trim(),
    '',
    'Options:',
    ...optionLines(command),
    '',
    command.exitCodes.trim(),
    '',
  ].join('\n');
}

/** node:util's parser explains itself in its own words (with a stray quote); these say it plainly, with a did-you-mean. */
function parseErrorMessage(error: Error & { code?: string }, known: readonly string[]): string {
  const option = /'(-{1,2}[^']+)'/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    const name = option.replace(/^-+/, '').split('=')[0]!;
    const near = closest(name, known);
    return `unknown option ${option}${near ? `; did you mean --${near}?` : ''}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `${option.split(' ')[0]} needs a value`;
  return error.message;
}

export type ParsedArgs<O extends Options> = { help: true } | { help: false; values: Values<O>; positionals: string[] };

export function parseCommandArgs<O extends Options>(command: Command<O>, argv: string[], env: Record<string, string | undefined> = {}): ParsedArgs<O> {
  const declared = command.options as Options;
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(declared)) {
    config[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.type === 'string' && spec.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(parseErrorMessage(error as Error & { code?: string }, Object.keys(config)));
  }
  if (parsed.values.help) return { help: true };
  const args = command.arguments as readonly ArgumentSpec[];
  const min = args.filter((a) => a.required).length;
  const max = args.some((a) => a.variadic) ? Infinity : args.length;
  // The usage line follows every usage error (main prints it), so the message does not repeat it.
  if (parsed.positionals.length < min)
    throw new UsageError(
      `missing argument ${args
        .filter((a) => a.required)
        .map((a) => `<${a.name}>`)
        .join(' ')}`,
    );
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}"`);

  const given = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.type === 'boolean') {
      values[name] = given[name] === true;
      continue;
    }
    const parse = (raw: string) => (spec.parse ? spec.parse(raw) : raw);
    const fallback = (spec.env ? env[spec.env] : undefined) ?? spec.default;
    if (spec.multiple) {
      const raws = (given[name] as string[] | undefined) ?? (fallback !== undefined ? [fallback] : []);
      values[name] = raws.map(parse);
      if (spec.required && raws.length === 0) throw new UsageError(`--${name} is required`);
      continue;
    }
    const raw = (given[name] as string | undefined) ?? fallback;
    if (raw === undefined && spec.required) throw new UsageError(`--${name} is required`);
    values[name] = raw === undefined ? undefined : parse(raw);
  }
  return { help: false, values: values as Values<O>, positionals: parsed.positionals };
}

/** Parses `argv` as the command line would and runs the command (one command showing another's output). */
export async function runCommand(command: AnyCommand, argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(command, argv, io.env);
  if (parsed.help) throw new UsageError('--help is not for an inner command');
  return command.run({ values: parsed.values, positionals: parsed.positionals, io });
}

export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
