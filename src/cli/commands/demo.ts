import path from 'node:path';
import { parseDuration } from '../../core/time';
import { runDemo } from '../../local/demo';
import { CONFIG_OPTION, defineCommand, EXIT, runCommand, UsageError, write } from '../command';
import { statusCommand } from './status';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Run the embedded local stack: Temporal dev server, IAM emulator, worker, example team.',
  arguments: [],
  options: {
    config: CONFIG_OPTION,
    team: { type: 'string', value: 'NAME', description: 'team to submit', default: 'example-team' },
    'expire-in': {
      type: 'string',
      value: 'D',
      description: 'when the demo grant expires',
      default: '2m',
      parse: (raw: string): number => {
        const ms = parseDuration(raw);
        if (ms === undefined || ms < 5000) throw new UsageError('--expire-in must be a duration of at least 5s, e.g. 2m');
        return ms;
      },
    },
    'exit-when-revoked': { type: 'boolean', description: 'stop by itself once the demo grant is revoked' },
    'state-dir': {
      type: 'string',
      value: 'DIR',
      description: "folder for the demo's Temporal SQLite file and its config copy (default: .grantflow/demo in the checkout)",
    },
  },
  description: `
Starts, on this machine: the Temporal dev server (state in .grantflow/demo/temporal, Web UI,
retention max_temporary_days + 2 days), moto's IAM and STS emulator seeded with the team's accounts,
deployer role, users and roles, and a grantflow worker. Then it submits the team plus a temporary
grant that expires shortly, prints the status table and the Web UI address, and shows each grant's
state changes, so you can watch the demo grant being revoked at its expiry. Ctrl-C stops all of it.
Tools are built or downloaded on first use into .tools/ (see \`npm run bootstrap\`).`,
  exitCodes: 'Exit codes: 0 stopped (Ctrl-C, or the demo grant revoked with --exit-when-revoked), 1 failed, 2 usage error.',
  async run({ values, io }) {
    return runDemo({
      configDir: values.config,
      team: values.team,
      expireInMs: values['expire-in'],
      exitWhenRevoked: values['exit-when-revoked'],
      stateDir: values['state-dir'] !== undefined ? path.resolve(values['state-dir']) : path.resolve(__dirname, '..', '..', '..', '..', '.grantflow', 'demo'),
      log: (line) => write(io.stderr, line),
      print: (text) => write(io.stdout, text),
      showStatus: async (team) => {
        await runCommand(statusCommand, [team], { ...io, env: process.env });
      },
    }).then(() => EXIT.ok);
  },
});
