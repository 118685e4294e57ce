// The team files `grantflow import` writes, as YAML text: every string double-quoted (a JSON string
// is a YAML double-quoted scalar), lists written out one item a line, keys in a fixed order. The same
// result always gives the same bytes, and the text reads back, through grantflow's own loader, to the
// same config.
import type { FileKind, IamStatement } from '../team-config';
import type { ImportedEntry, ImportedPolicy, ImportResult } from './convert';

/** A string as a YAML double-quoted scalar; characters YAML does not print are escaped too. */
export function yamlString(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|\p{Cs}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A mapping key: plain when it is a name YAML reads as that very string, quoted otherwise. */
export function yamlKey(key: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_.+=,@-]*$/.test(key) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(key);
  return plain ? key : yamlString(key);
}

function scalar(value: string | number | boolean): string {
  return typeof value === 'string' ? yamlString(value) : String(value);
}

function list(indent: string, key: string, items: readonly string[]): string[] {
  return [`${indent}${key}:`, ...items.map((item) => `${indent}  - ${yamlString(item)}`)];
}

function statementLines(statement: IamStatement): string[] {
  const lines: string[] = [];
  const first = (text: string) => lines.push(`${lines.length === 0 ? '      - ' : '        '}${text}`);
  if (statement.Sid !== undefined) first(`sid: ${yamlString(statement.Sid)}`);
  first(`effect: ${yamlString(statement.Effect)}`);
  const keys = [
    ['actions', statement.Action],
    ['not_actions', statement.NotAction],
    ['resources', statement.Resource],
    ['not_resources', statement.NotResource],
  ] as const;
  for (const [key, values] of keys) if (values) lines.push(...list('        ', key, values));
  if (statement.Condition) {
    lines.push('        conditions:');
    for (const [operator, block] of Object.entries(statement.Condition)) {
      lines.push(`          ${yamlKey(operator)}:`);
      for (const [key, value] of Object.entries(block)) {
        if (Array.isArray(value)) lines.push(`            ${yamlString(key)}:`, ...value.map((v) => `              - ${scalar(v)}`));
        else lines.push(`            ${yamlString(key)}: ${scalar(value)}`);
      }
    }
  }
  return lines;
}

function policyLines(policy: ImportedPolicy): string[] {
  return [
    `  ${yamlKey(policy.name)}:`,
    `    description: ${yamlString(policy.description)}`,
    ...(policy.managedPolicies.length > 0 ? list('    ', 'managed_policies', policy.managedPolicies) : []),
    ...(policy.replacesInline !== undefined ? [`    replaces_inline: ${yamlString(policy.replacesInline)}`] : []),
    ...(policy.statements.length > 0 ? ['    custom_statements:', ...policy.statements.flatMap(statementLines)] : []),
  ];
}

function entryLines(entry: ImportedEntry): string[] {
  return [
    `  - description: ${yamlString(entry.description)}`,
    ...(entry.users.length > 0 ? list('    ', 'users', entry.users) : []),
    ...(entry.roles.length > 0 ? list('    ', 'roles', entry.roles) : []),
    ...list('    ', 'environments', entry.environments),
    ...list('    ', 'grants', entry.grants),
    ...(entry.adopt ? ['    adopt: true'] : []),
  ];
}

const HEADER: Record<'aws-accounts' | 'aws-policies' | 'permanent-access', string[]> = {
  'aws-accounts': ['# Written by `grantflow import`: the accounts it read, by environment.'],
  'aws-policies': [
    '# Written by `grantflow import`: one policy per managed policy attached before grantflow, and one per',
    '# inline policy, its statements as IAM holds them (replaces_inline names that inline policy).',
  ],
  'permanent-access': [
    '# Written by `grantflow import`: who held which policies before grantflow. Until an entry says',
    '# `adopt: true`, grantflow only adds its own policies beside what was there and never removes that;',
    '# with it, grantflow owns the access, and removing the entry revokes it.',
  ],
};

/** The three files of the team, by kind, ending with a newline. */
export function renderImport(result: ImportResult): Record<'aws-accounts' | 'aws-policies' | 'permanent-access', string> & Partial<Record<FileKind, string>> {
  const text = (lines: string[]) => `${lines.join('\n')}\n`;
  return {
    'aws-accounts': text([
      ...HEADER['aws-accounts'],
      'aws-accounts:',
      ...Object.entries(result.accounts).map(([environment, account]) => `  ${yamlKey(environment)}: ${yamlString(account)}`),
    ]),
    'aws-policies': text([
      ...HEADER['aws-policies'],
      result.policies.length > 0 ? 'aws-policies:' : 'aws-policies: {}',
      ...result.policies.flatMap(policyLines),
    ]),
    'permanent-access': text([
      ...HEADER['permanent-access'],
      result.entries.length > 0 ? 'permanent-access:' : 'permanent-access: []',
      ...result.entries.flatMap(entryLines),
    ]),
  };
}
