// The worker's configuration as the command line reads it: its file (--worker-config), the keys it
// trusts and the guardrails it holds. `worker` runs with it; `validate`, `plan` and `submit` read the
// same file to say early what the worker will refuse.
import { DEFAULT_GUARDRAILS, type Guardrails } from '../core/guardrails';
import type { IdentityCenterSettings } from '../core/identity-center';
import type { Diagnostic } from '../core/diagnostics';
import { loadWorkerConfig } from '../config/worker-config';
import { buildTrust } from '../trust/worker-trust';
import type { SubmissionTrust } from '../trust/submissions';
import type { ValueOption } from './command';

export const WORKER_CONFIG_OPTION = {
  type: 'string',
  value: 'FILE',
  env: 'GRANTFLOW_WORKER_CONFIG',
  description:
    "the worker's own configuration (trusted submitters, guardrails, the IAM Identity Center instance); kept by whoever runs the worker, never in the team repository",
} as const satisfies ValueOption;

export interface WorkerAuthority {
  trust: SubmissionTrust;
  guardrails: Guardrails;
}

/**
 * The worker's trust and guardrails from its configuration file and flags. The max_temporary_days
 * ceiling is the lower of the flag's and the file's, so neither place can raise the other.
 */
export function loadWorkerAuthority(options: {
  file?: string | undefined;
  trustedKeys?: readonly string[];
  insecureAcceptUnsigned?: boolean;
  maxTemporaryDays?: number;
}): { authority: WorkerAuthority; identityCenter?: IdentityCenterSettings; diagnostics: Diagnostic[] } {
  const loaded = options.file ? loadWorkerConfig(options.file) : { config: { trustedSubmitters: [], guardrails: {} }, diagnostics: [] };
  const { config } = loaded;
  const built = buildTrust({
    keys: [
      ...config.trustedSubmitters.map((s) => ({ name: s.name, text: s.publicKey, at: s.at })),
      ...(options.trustedKeys ?? []).map((text) => ({ text, orFile: true, at: { file: '--trusted-key', line: 1, col: 1 } })),
    ],
    insecureAcceptUnsigned: options.insecureAcceptUnsigned ?? false,
    ...(config.submissionMaxAgeMs !== undefined ? { maxAgeMs: config.submissionMaxAgeMs } : {}),
  });
  const ceilings = [options.maxTemporaryDays, config.guardrails.maxTemporaryDays].filter((d): d is number => d !== undefined);
  const guardrails: Guardrails = {
    ...DEFAULT_GUARDRAILS,
    ...config.guardrails,
    maxTemporaryDays: ceilings.length ? Math.min(...ceilings) : DEFAULT_GUARDRAILS.maxTemporaryDays,
  };
  return {
    authority: { trust: built.trust, guardrails },
    ...(config.identityCenter ? { identityCenter: config.identityCenter } : {}),
    diagnostics: [...loaded.diagnostics, ...built.diagnostics],
  };
}
