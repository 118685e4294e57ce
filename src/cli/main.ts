// grantflow's command line: dispatch, help, and the one place where errors become messages and
// exit codes (0 success, 1 invalid config or failed operation, 2 usage error, 3 unreachable).
import fs from 'node:fs';
import path from 'node:path';
import { GrantflowAwsError, IamUnreadable, isNetworkError } from '../aws/errors';
import { TemporalTimeout, TemporalUnreachable } from '../temporal/connection';
import { closest } from '../core/suggest';
import { EXIT, helpText, parseCommandArgs, UsageError, usageLine, write, type AnyCommand, type Io } from './command';
import { adoptCommand } from './commands/adopt';
import { approveCommand } from './commands/approve';
import { cleanupCommand } from './commands/cleanup';
import { demoCommand } from './commands/demo';
import { denyCommand } from './commands/deny';
import { deployerPolicyCommand } from './commands/deployer-policy';
import { doctorCommand } from './commands/doctor';
import { historyCommand } from './commands/history';
import { importCommand } from './commands/import';
import { keygenCommand } from './commands/keygen';
import { planCommand } from './commands/plan';
import { requestCommand } from './commands/request';
import { requestsCommand } from './commands/requests';
import { restoreCommand } from './commands/restore';
import { retireCommand } from './commands/retire';
import { revokeCommand } from './commands/revoke';
import { showCommand } from './commands/show';
import { statusCommand } from './commands/status';
import { submitCommand } from './commands/submit';
import { teamsCommand } from './commands/teams';
import { validateCommand } from './commands/validate';
import { workerCommand } from './commands/worker';

/** Every command, in the order the overview lists them. */
export const COMMANDS: readonly AnyCommand[] = [
  validateCommand,
  planCommand,
  submitCommand,
  importCommand,
  adoptCommand,
  statusCommand,
  showCommand,
  teamsCommand,
  historyCommand,
  revokeCommand,
  restoreCommand,
  requestCommand,
  approveCommand,
  denyCommand,
  requestsCommand,
  cleanupCommand,
  retireCommand,
  workerCommand,
  demoCommand,
  doctorCommand,
  deployerPolicyCommand,
  keygenCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'grantflow: AWS IAM access as code, granted and revoked by Temporal workflows.',
    '',
    'usage: grantflow <command> [options]      (or: npm run grantflow -- <command> [options])',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `grantflow <command> --help` for a command's options.",
    'Temporal: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE.',
    "AWS: the SDK's default credential chain; AWS_ENDPOINT_URL_IAM / _STS point at an emulator.",
    'Config: --config DIR, GRANTFLOW_CONFIG, or ./config.',
    '',
  ].join('\n');
}

function unreachable(error: unknown): boolean {
  if (error instanceof TemporalUnreachable || error instanceof IamUnreadable) return true;
  if (error instanceof GrantflowAwsError) return error.type === 'IamUnavailable' && isNetworkError({ message: error.message });
  const message = (error as Error)?.message ?? '';
  return /14 UNAVAILABLE|Connection refused|ECONNREFUSED|failed to connect|transport error/i.test(message);
}

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    write(io.stderr, `grantflow: which command?\n\n${overview()}`);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const command = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    write(io.stdout, command ? helpText(command) : overview());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    // Compiled to lib/src/cli/main.js: the package root is three folders up.
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    write(io.stdout, pkg.version);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const near = closest(
      name,
      COMMANDS.map((c) => c.name),
    );
    write(io.stderr, `grantflow: unknown command "${name}"${near ? `; did you mean \`grantflow ${near}\`?` : ''}\n\n${overview()}`);
    return EXIT.usage;
  }
  try {
    const parsed = parseCommandArgs(command, rest, io.env);
    if (parsed.help) {
      write(io.stdout, helpText(command));
      return EXIT.ok;
    }
    return await command.run({ values: parsed.values, positionals: parsed.positionals, io });
  } catch (error) {
    if (error instanceof UsageError) {
      write(io.stderr, `grantflow ${command.name}: ${error.message}\nusage: ${usageLine(command)}\n(see \`grantflow ${command.name} --help\`)`);
      return EXIT.usage;
    }
    if (error instanceof TemporalTimeout) {
      write(io.stderr, `grantflow ${command.name}: ${error.message}`);
      return EXIT.failed;
    }
    if (unreachable(error)) {
      write(io.stderr, `grantflow ${command.name}: ${(error as Error).message}`);
      return EXIT.unreachable;
    }
    write(io.stderr, `grantflow ${command.name}: error: ${(error as Error).message ?? String(error)}`);
    if (io.env.GRANTFLOW_DEBUG) write(io.stderr, (error as Error).stack ?? '');
    return EXIT.failed;
  }
}
