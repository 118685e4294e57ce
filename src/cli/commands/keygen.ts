import fs from 'node:fs';
import { generateSigningKey } from '../../trust/keys';
import { defineCommand, EXIT, UsageError, write } from '../command';

export const keygenCommand = defineCommand({
  name: 'keygen',
  summary: "Make a submitter's signing key: the private key for CI's secrets, the public key for the worker.",
  arguments: [],
  options: {
    out: {
      type: 'string',
      value: 'FILE',
      required: true,
      description: 'where to write the private key (PEM, mode 0600); an existing file is never overwritten',
    },
    comment: {
      type: 'string',
      value: 'TEXT',
      default: 'grantflow-ci',
      description: "the public key's comment: the name the worker reports its submissions under",
    },
  },
  description: `
Writes a new ed25519 private key to --out and prints its public key as one OpenSSH line on stdout.
Store the private key as a CI secret (GRANTFLOW_SIGNING_KEY holds its text; or
GRANTFLOW_SIGNING_KEY_FILE / --signing-key name a file) and give the public key line to the
worker: trusted_submitters in its --worker-config file, or --trusted-key. A key made by
\`ssh-keygen -t ed25519 -N ''\` works as well. No network call.`,
  exitCodes: 'Exit codes: 0 written, 1 the file exists or cannot be written, 2 usage error.',
  async run({ values, io }) {
    const file = values.out;
    if (file.trim() === '') throw new UsageError('--out needs a file name');
    const key = generateSigningKey(values.comment);
    try {
      fs.writeFileSync(file, key.privatePem, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
      write(
        io.stderr,
        `error: ${exists ? `${file} exists; a signing key is never overwritten (choose another --out)` : `cannot write ${file}: ${(error as Error).message}`}`,
      );
      return EXIT.failed;
    }
    write(io.stdout, key.publicLine);
    write(
      io.stderr,
      `keygen: wrote the private key ${key.id} to ${file}; keep it secret (a CI secret: GRANTFLOW_SIGNING_KEY), and give the worker the public key above ` +
        `(trusted_submitters in its --worker-config file, or --trusted-key)`,
    );
    return EXIT.ok;
  },
});
