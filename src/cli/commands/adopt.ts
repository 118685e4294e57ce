import fs from 'node:fs';
import path from 'node:path';
import { adoptEntries } from '../../config/adopt-entries';
import type { TeamTexts } from '../../config/load';
import { formatDiagnostic } from '../../core/diagnostics';
import { plural } from '../../core/grant-outcomes';
import { TEAM_NAME } from '../../core/names';
import { FILE_KINDS } from '../../core/team-config';
import { validateTeamTexts } from '../../validate';
import { CONFIG_OPTION, defineCommand, EXIT, UsageError, write } from '../command';

export const adoptCommand = defineCommand({
  name: 'adopt',
  summary: "Make grantflow the owner of what a team's entries held before it: adds adopt: true to its permanent-access entries.",
  arguments: [{ name: 'team', required: true }],
  options: {
    config: CONFIG_OPTION,
  },
  description: `
Writes \`adopt: true\` on every entry of the team's permanent-access file, leaving the rest of the
file as it is, and checks the team as \`validate\` does before it writes. It changes nothing in AWS
or Temporal: the change is reviewed and submitted like any other. Once the worker applies it, each
grant of those entries takes over what its principal held before grantflow: the managed policies it
found attached become grantflow's (marked and in the grant's record), and each inline original
(replaces_inline) is deleted once grantflow's policy holding the same statements is attached, never
before. From then on, removing an entry from the YAML revokes its access.`,
  exitCodes: 'Exit codes: 0 written (or nothing to change), 1 invalid config or no permanent-access file, 2 usage error.',
  async run({ values, positionals, io }) {
    const team = positionals[0]!;
    if (!TEAM_NAME.test(team)) throw new UsageError(`team name "${team}" may contain only letters, digits, _ and - (at most 64 characters)`);
    const dir = values.config;
    const file = path.join(dir, 'permanent-access', `${team}.yaml`);
    if (!fs.existsSync(file)) {
      write(io.stderr, `adopt: ${file} does not exist; \`grantflow import ${team}\` writes it from IAM`);
      return EXIT.failed;
    }
    const changed = adoptEntries(fs.readFileSync(file, 'utf8'));
    if (!changed) {
      write(io.stderr, `adopt: ${file} holds no permanent-access list to change (\`grantflow validate ${team}\` says why)`);
      return EXIT.failed;
    }
    if (changed.adopted.length === 0) {
      write(io.stdout, `${file}: every entry says adopt: true already; nothing to change`);
      return EXIT.ok;
    }
    const texts: TeamTexts = {};
    for (const kind of FILE_KINDS) {
      const at = path.join(dir, kind, `${team}.yaml`);
      if (at === file) texts[kind] = { file: at, text: changed.text };
      else if (fs.existsSync(at)) texts[kind] = { file: at, text: fs.readFileSync(at, 'utf8') };
    }
    const validation = await validateTeamTexts({ dir, team, texts, env: io.env, nowMs: Date.now() });
    for (const d of validation.diagnostics) write(io.stderr, formatDiagnostic(d));
    if (!validation.ok) {
      write(io.stderr, `adopt: ${team} does not pass validate (above); nothing was written`);
      return EXIT.failed;
    }
    fs.writeFileSync(file, changed.text);
    write(io.stdout, `${file}: ${plural(changed.adopted.length, 'entry', 'entries')} now ${changed.adopted.length === 1 ? 'says' : 'say'} adopt: true`);
    for (const entry of changed.adopted) write(io.stdout, `  #${entry.index + 1} ${entry.description}`);
    write(
      io.stdout,
      `\nnext: \`grantflow plan ${team}\`, review, commit, submit. Once applied, grantflow owns what these entries held, and removing an entry revokes it.`,
    );
    return EXIT.ok;
  },
});
