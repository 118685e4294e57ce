// The command line is declared once per command: the parser, the typed values, the usage line and
// --help all come from that declaration. These tests hold the pieces to each other.
import assert from 'node:assert/strict';
import { defineCommand, helpText, parseCommandArgs, UsageError, usageLine, type AnyCommand, type Options } from '../../../src/cli/command';
import { COMMANDS } from '../../../src/cli/main';
import { runCli } from '../../harness/cli';

/** A value a required option's own parser takes (others take any text). */
const REQUIRED_SAMPLE: Record<string, string> = { account: 'nonprod=111111111111' };

describe('command declarations', function () {
  for (const command of COMMANDS as readonly AnyCommand[]) {
    describe(command.name, function () {
      const options = Object.entries(command.options as Options);

      it('lists every declared option in --help, with its value, description and default', async () => {
        const result = await runCli([command.name, '--help']);
        assert.equal(result.code, 0);
        assert.equal(result.stdout, helpText(command));
        for (const [name, spec] of options) {
          const optionBlock = result.stdout.split('\nOptions:\n')[1]!.split('\n\n')[0]!.split('\n');
          const line = optionBlock.find((l) => l.includes(`--${name}${spec.type === 'string' ? ` ${spec.value}` : ''} `));
          assert.ok(line, `--${name} is in the help of ${command.name}`);
          assert.ok(line.includes(spec.description), `--${name}'s description is on its line`);
          if (spec.short) assert.ok(line.includes(`-${spec.short}, --${name}`), `-${spec.short} is shown for --${name}`);
          if (spec.type === 'string' && spec.env) assert.ok(line.includes(`$${spec.env}`), `--${name}'s environment variable is shown`);
          if (spec.type === 'string' && spec.default !== undefined && !spec.defaultText) assert.ok(line.includes(spec.default), `--${name}'s default is shown`);
        }
        assert.match(result.stdout, /-h, --help +show this help/);
        assert.match(result.stdout, /^Exit codes: /m);
      });

      it('names every option in its usage line', () => {
        const usage = usageLine(command);
        assert.ok(usage.startsWith(`grantflow ${command.name}`), usage);
        for (const [name] of options) assert.ok(usage.includes(`--${name}`), `${usage} names --${name}`);
      });

      it('gives flags as booleans, off unless given', () => {
        const args = command.arguments.filter((a) => a.required).map((a) => `x-${a.name}`);
        for (const [name, spec] of options) if (spec.type === 'string' && spec.required) args.push(`--${name}`, REQUIRED_SAMPLE[name] ?? 'x');
        const parsed = parseCommandArgs(command, args, {});
        assert.equal(parsed.help, false);
        if (parsed.help) return;
        for (const [name, spec] of options) {
          if (spec.type === 'boolean') assert.equal(parsed.values[name], false, `--${name} is off`);
          else if (spec.default !== undefined && !spec.parse) assert.equal(parsed.values[name], spec.default, `--${name} has its default`);
        }
      });
    });
  }

  it('suggests the command a misspelt one is closest to', async () => {
    const result = await runCli(['stauts']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command "stauts"; did you mean `grantflow status`\?/);
    const far = await runCli(['xyzzyplugh']);
    assert.doesNotMatch(far.stderr, /did you mean/);
  });

  it('has help for `grantflow help <command>` and an overview listing every command', async () => {
    const overview = await runCli(['--help']);
    for (const command of COMMANDS)
      assert.match(overview.stdout, new RegExp(`^  ${command.name} +${command.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    const help = await runCli(['help', 'submit']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: grantflow submit <team> /);
  });

  describe('parsing from the declaration', function () {
    const probe = defineCommand({
      name: 'probe',
      summary: 'A command for these tests.',
      arguments: [{ name: 'team', required: true }],
      options: {
        config: { type: 'string', short: 'c', value: 'DIR', description: 'folder', env: 'PROBE_CONFIG', default: 'config' },
        wait: { type: 'boolean', description: 'wait' },
        count: {
          type: 'string',
          value: 'N',
          description: 'how many',
          default: '3',
          parse: (raw: string): number => {
            if (!/^\d+$/.test(raw)) throw new UsageError(`--count: "${raw}" is not a number`);
            return Number(raw);
          },
        },
        tag: { type: 'string', value: 'T', description: 'a tag', multiple: true },
        name: { type: 'string', value: 'NAME', description: 'a name' },
      },
      description: 'Probes.',
      exitCodes: 'Exit codes: 0.',
      run: async () => 0,
    });

    const values = (argv: string[], env: Record<string, string> = {}) => {
      const parsed = parseCommandArgs(probe, argv, env);
      assert.equal(parsed.help, false);
      return parsed.help ? undefined : parsed.values;
    };

    it('applies the command line, then the environment variable, then the default', () => {
      assert.equal(values(['t'])!.config, 'config');
      assert.equal(values(['t'], { PROBE_CONFIG: '/from/env' })!.config, '/from/env');
      assert.equal(values(['t', '-c', '/given'], { PROBE_CONFIG: '/from/env' })!.config, '/given');
    });

    it('parses values (defaults too), collects repeated options, and leaves absent ones undefined', () => {
      const v = values(['t', '--count', '7', '--tag', 'a', '--tag', 'b', '--wait'])!;
      assert.deepEqual({ count: v.count, tag: v.tag, wait: v.wait, name: v.name }, { count: 7, tag: ['a', 'b'], wait: true, name: undefined });
      assert.equal(values(['t'])!.count, 3);
      assert.deepEqual(values(['t'])!.tag, []);
    });

    it('refuses bad values, unknown options and wrong argument counts as usage errors', () => {
      assert.throws(
        () => parseCommandArgs(probe, ['t', '--count', 'many']),
        (e: Error) => e instanceof UsageError && e.message === '--count: "many" is not a number',
      );
      assert.throws(
        () => parseCommandArgs(probe, ['t', '--bogus']),
        (e: Error) => e instanceof UsageError && e.message === 'unknown option --bogus',
      );
      assert.throws(
        () => parseCommandArgs(probe, ['t', '--wiat']),
        (e: Error) => e instanceof UsageError && e.message === 'unknown option --wiat; did you mean --wait?',
      );
      assert.throws(
        () => parseCommandArgs(probe, []),
        (e: Error) => e instanceof UsageError && /^missing argument <\w+>/.test(e.message) && !e.message.includes('usage'),
      );
      assert.throws(
        () => parseCommandArgs(probe, ['t', 'u']),
        (e: Error) => e instanceof UsageError && e.message === 'unexpected argument "u"',
      );
    });

    it('shows -h/--help instead of parsing', () => {
      assert.deepEqual(parseCommandArgs(probe, ['--help']), { help: true });
      assert.deepEqual(parseCommandArgs(probe, ['-h']), { help: true });
    });
  });

  it("exits 2 with the option's own message for a bad value, naming the usage", async () => {
    const result = await runCli(['submit', 'team', '--timeout', 'soon']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^grantflow submit: --timeout: "soon" is not a duration such as 90s, 10m or 1h\nusage: grantflow submit <team> /);
    const demo = await runCli(['demo', '--expire-in', '1s']);
    assert.equal(demo.code, 2);
    assert.match(demo.stderr, /--expire-in must be a duration of at least 5s, e.g. 2m/);
    const now = await runCli(['validate', 'team', '--now', 'yesterday']);
    assert.equal(now.code, 2);
    assert.match(now.stderr, /^grantflow validate: --now: /);
  });
});
