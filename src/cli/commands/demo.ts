import path from 'node:path';
import { parseDuration } from '../../core/time';
import { runDemo } from '../../local/demo';
import { CONFIG_OPTION, EXIT, UsageError, write, type Command } from '../command';
import { configDirFrom } from '../team-input';
import { statusCommand } from './status';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the embedded local stack: Temporal dev server, IAM emulator, worker, example team.',
  usage: 'grantflow demo [--team example-team] [--expire-in 2m] [--exit-when-revoked]',
  details: `
Starts, on this machine: the Temporal dev server (state in .grantflow/demo/temporal, Web UI,
retention max_temporary_days + 2 days), moto's IAM and STS emulator seeded with the team's accounts,
deployer role, users and roles, and a grantflow worker. Then it submits the team plus a temporary
grant that expires shortly, prints the status table and the Web UI address, and shows each grant's
state changes, so you can watch the demo grant being revoked at its expiry. Ctrl-C stops all of it.
Tools are built or downloaded on first use into .tools/ (see \`npm run bootstrap\`).

Options:
  -c, --config DIR        config folder (default: ./config)
      --team NAME         team to submit (default: example-team)
      --expire-in D       when the demo grant expires (default: 2m)
      --exit-when-revoked stop by itself once the demo grant is revoked`,
  options: { ...CONFIG_OPTION, team: { type: 'string' }, 'expire-in': { type: 'string' }, 'exit-when-revoked': { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const expireInMs = typeof values['expire-in'] === 'string' ? parseDuration(values['expire-in']) : 2 * 60 * 1000;
    if (expireInMs === undefined || expireInMs < 5000) throw new UsageError('--expire-in must be a duration of at least 5s, e.g. 2m');
    return runDemo({
      configDir: configDirFrom(io, values),
      team: typeof values.team === 'string' ? values.team : 'example-team',
      expireInMs,
      exitWhenRevoked: values['exit-when-revoked'] === true,
      stateDir: path.resolve(__dirname, '..', '..', '..', '..', '.grantflow', 'demo'),
      log: (line) => write(io.stderr, line),
      print: (text) => write(io.stdout, text),
      showStatus: async (team) => {
        await statusCommand.run({ values: {}, positionals: [team], io: { ...io, env: process.env } });
      },
    }).then(() => EXIT.ok);
  },
};
