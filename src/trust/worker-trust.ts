// The worker's trust, put together from where an operator may state it: the worker configuration
// file's `trusted_submitters`, `--trusted-key` (or GRANTFLOW_TRUSTED_KEYS), and
// `--insecure-accept-unsigned`. A key that cannot be read is an error naming where it was written.
import fs from 'node:fs';
import { error, type Diagnostic, type Position } from '../core/diagnostics';
import { KeyFormatError, parsePrivateKey, parsePublicKey } from './keys';
import { DEFAULT_SUBMISSION_MAX_AGE_MS, type SubmissionTrust, type TrustedKey } from './submissions';
import type { KeyObject } from 'node:crypto';

export interface KeyEntry {
  name?: string;
  /** A public key (OpenSSH line or PEM), or (`orFile`) the path of a file holding one or more. */
  text: string;
  /** The text may name a file of keys (`--trusted-key`); a configuration file's `public_key` is always the key itself. */
  orFile?: boolean;
  at: Position;
}

/** The keys a value names: the value itself when it holds keys, else the file it names (one key per line, or PEM blocks). */
function keyTexts(value: string, orFile: boolean): { texts: string[]; from?: string } {
  const trimmed = value.trim();
  const inline = !orFile || /^(ssh-ed25519\s|-----BEGIN)/m.test(trimmed);
  const content = inline ? trimmed : fs.readFileSync(trimmed, 'utf8');
  const from = inline ? {} : { from: trimmed };
  const pem = content.match(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g);
  if (pem) return { texts: pem, ...from };
  return {
    texts: content
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
    ...from,
  };
}

export function buildTrust(options: { keys: readonly KeyEntry[]; insecureAcceptUnsigned: boolean; maxAgeMs?: number }): {
  trust: SubmissionTrust;
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const keys: TrustedKey[] = [];
  for (const entry of options.keys) {
    let read: { texts: string[]; from?: string };
    try {
      read = keyTexts(entry.text, entry.orFile ?? false);
    } catch (cause) {
      diagnostics.push(error(entry.at, `trusted key "${entry.text.slice(0, 60)}" is neither a public key nor a readable file: ${(cause as Error).message}`));
      continue;
    }
    read.texts.forEach((text, index) => {
      try {
        const key = parsePublicKey(text);
        if (keys.some((k) => k.id === key.id)) return;
        const name = entry.name ?? key.comment ?? (read.from ? `${read.from}#${index + 1}` : key.id);
        keys.push({ name, id: key.id, key: key.key });
      } catch (cause) {
        if (!(cause instanceof KeyFormatError)) throw cause;
        diagnostics.push(error(entry.at, `trusted key${entry.name ? ` "${entry.name}"` : ''}${read.from ? ` in ${read.from}` : ''}: ${cause.message}`));
      }
    });
  }
  return {
    trust: { keys, insecureAcceptUnsigned: options.insecureAcceptUnsigned, maxAgeMs: options.maxAgeMs ?? DEFAULT_SUBMISSION_MAX_AGE_MS },
    diagnostics,
  };
}

/**
 * The submitter's signing key: GRANTFLOW_SIGNING_KEY holds the key itself (a CI secret), or
 * GRANTFLOW_SIGNING_KEY_FILE / --signing-key names a file holding it. Undefined when none is set.
 */
export function loadSigningKey(options: { file?: string; env: Record<string, string | undefined> }): { key?: KeyObject; error?: string } {
  const file = options.file ?? options.env.GRANTFLOW_SIGNING_KEY_FILE;
  const inline = options.env.GRANTFLOW_SIGNING_KEY;
  if (!file && !inline) return {};
  let text: string;
  try {
    text = file ? fs.readFileSync(file, 'utf8') : inline!;
  } catch (cause) {
    return { error: `cannot read the signing key ${file}: ${(cause as Error).message}` };
  }
  try {
    return { key: parsePrivateKey(text) };
  } catch (cause) {
    if (!(cause instanceof KeyFormatError)) throw cause;
    return { error: `the signing key ${file ? `in ${file}` : 'in GRANTFLOW_SIGNING_KEY'} cannot be used: ${cause.message}` };
  }
}
