// The command reference of docs/COMMAND-LINE.md, made from the same declarations as the parser and
// --help, so the three cannot disagree, and the settings table of docs/CONFIGURATION.md, made from the
// settings' declarations (src/core/settings-table.ts). A unit test compares those files with both;
// `npm run readme` rewrites them.
import type { SettingDeclaration } from '../core/settings-table';
import { usageLine, type AnyCommand, type Options, type OptionSpec } from './command';

/** The file holding the command reference, relative to the repository's root. */
export const REFERENCE_FILE = 'docs/COMMAND-LINE.md';
/** The file holding the settings table, relative to the repository's root. */
export const SETTINGS_FILE = 'docs/CONFIGURATION.md';

export const REFERENCE_BEGIN = '<!-- command reference: generated from src/cli/commands by `npm run readme`; edit the declarations, not this -->';
export const REFERENCE_END = '<!-- end of command reference -->';

/** Environment variables the command line reads besides the options' own and the settings' (those are in the Settings table). */
export const ENVIRONMENT: readonly { name: string; description: string }[] = [
  { name: 'GRANTFLOW_CONFIG', description: 'the config folder, when `--config` is not given (default `config`)' },
  {
    name: 'GRANTFLOW_REVISION',
    description: "the revision a submission carries, instead of `$GITHUB_SHA` or the config folder's git commit (no `-dirty` suffix is added)",
  },
  {
    name: 'GRANTFLOW_REVISION_TIME',
    description: "the revision's time (ISO 8601), instead of the commit time: submissions are applied in this order, an older one is refused",
  },
  {
    name: 'GRANTFLOW_SUBMITTED_BY',
    description: 'who submits, revokes or restores (recorded in the workflows), instead of `$GITHUB_ACTOR`, the git user or `$USER`; `--by` wins',
  },
  { name: 'GRANTFLOW_WORKER_MAX_TEMPORARY_DAYS', description: "the worker's ceiling on temporary grants, whatever a team's settings say (default 6)" },
  {
    name: 'GRANTFLOW_SIGNING_KEY',
    description:
      "`submit`: the submitter's ed25519 private key itself (PEM or unencrypted OpenSSH), as CI holds it in a secret; `--signing-key FILE` (`GRANTFLOW_SIGNING_KEY_FILE`) names a file instead",
  },
  {
    name: 'GRANTFLOW_INSECURE_ACCEPT_UNSIGNED',
    description:
      '`true`: `worker` applies unsigned submissions, as `--insecure-accept-unsigned` (a local test stack only; it says so at start, and `doctor` fails)',
  },
  { name: 'GRANTFLOW_DEBUG', description: 'set to anything: an unexpected error also prints its stack trace' },
  { name: 'GITHUB_STEP_SUMMARY', description: 'set by GitHub Actions: `plan` and `submit` also write their result there as Markdown' },
];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function defaultText(spec: OptionSpec): string {
  if (spec.type !== 'string') return '';
  const parts = [
    ...(spec.env ? [`\`$${spec.env}\``] : []),
    ...(spec.defaultText ? [spec.defaultText] : spec.default !== undefined ? [`\`${spec.default}\``] : []),
  ];
  return parts.join(', else ');
}

/** The Markdown between the markers: each command's usage, summary and options, then the environment. */
export function commandReference(commands: readonly AnyCommand[]): string {
  const lines: string[] = [REFERENCE_BEGIN, ''];
  for (const command of commands) {
    lines.push(`#### \`grantflow ${command.name}\``, '', command.summary, '', '```', usageLine(command), '```', '');
    const options = Object.entries(command.options as Options);
    if (options.length) {
      lines.push('| option | what | default |', '|---|---|---|');
      for (const [name, spec] of options) {
        const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.value}` : ''}`;
        const notes = [
          ...(spec.type === 'string' && spec.required ? ['required'] : []),
          ...(spec.type === 'string' && spec.multiple ? ['may be given more than once'] : []),
        ];
        lines.push(`| \`${flag}\` | ${cell(spec.description)}${notes.length ? ` (${notes.join('; ')})` : ''} | ${cell(defaultText(spec))} |`);
      }
      lines.push('');
    }
  }
  lines.push(
    '#### Environment',
    '',
    "Besides each setting's variable (see Settings) and the options' own (in the tables above):",
    '',
    '| variable | what |',
    '|---|---|',
  );
  for (const variable of ENVIRONMENT) lines.push(`| \`${variable.name}\` | ${cell(variable.description)} |`);
  lines.push('', REFERENCE_END);
  return lines.join('\n');
}

export const SETTINGS_BEGIN = '<!-- settings table: generated from src/core/settings-table.ts by `npm run readme`; edit the declarations, not this -->';
export const SETTINGS_END = '<!-- end of settings table -->';

function settingDefault(setting: SettingDeclaration): string {
  if (setting.field !== undefined && setting.default !== undefined) {
    return `\`${setting.show ? setting.show(setting.default) : String(setting.default)}\``;
  }
  return setting.unsetMeans !== undefined ? `\`${setting.unsetMeans}\`` : 'none';
}

/** The Markdown between the settings markers: a row per setting, in the declarations' order. */
export function settingsReference(settings: readonly SettingDeclaration[]): string {
  const lines: string[] = [SETTINGS_BEGIN, '', '| setting | default | environment override | meaning |', '|---|---|---|---|'];
  for (const setting of settings) {
    const env = setting.env !== undefined ? `\`${setting.env}\`` : (setting.envText ?? '');
    lines.push(`| \`${setting.key}\` | ${cell(settingDefault(setting))} | ${cell(env)} | ${cell(setting.description)} |`);
  }
  lines.push('', SETTINGS_END);
  return lines.join('\n');
}

/**
 * `readme` with the section between `begin` and `end` (the command reference's markers unless told)
 * replaced by `reference`, which carries the markers itself; undefined when the markers are missing.
 */
export function withReference(readme: string, reference: string, begin = REFERENCE_BEGIN, end = REFERENCE_END): string | undefined {
  const from = readme.indexOf(begin);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return readme.slice(0, from) + reference + readme.slice(to + end.length);
}
