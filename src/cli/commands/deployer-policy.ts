import fs from 'node:fs';
import path from 'node:path';
import { loadSettings } from '../../config/load';
import { formatDiagnostic } from '../../core/diagnostics';
import { deployerPolicies, identityCenterPolicies } from '../../aws/deployer-policy';
import { instancePartition } from '../../core/identity-center';
import { boundaryArns } from '../../core/managed-copies';
import { CONFIG_OPTION, defineCommand, EXIT, JSON_OPTION, write } from '../command';
import { loadWorkerAuthority, WORKER_CONFIG_OPTION } from '../worker-authority';

/** The files `--out` writes, named as the printed instructions name them. */
export const DEPLOYER_FILES = {
  permissions: 'deployer-policy.json',
  trust: 'trust-policy.json',
  caller: 'caller-policy.json',
  identityCenter: 'identity-center-policy.json',
  identityCenterTrust: 'identity-center-trust-policy.json',
} as const;

export const deployerPolicyCommand = defineCommand({
  name: 'deployer-policy',
  summary: 'Print the least-privilege policy and trust policy for the deployer role.',
  arguments: [],
  options: {
    'trusted-principal': {
      type: 'string',
      value: 'ARN',
      description: 'who may assume the role',
      defaultText: 'arn:aws:iam::<central-account-id>:root',
    },
    config: { ...CONFIG_OPTION, description: 'folder holding grantflow.yaml: role name, partition, external id' },
    json: { ...JSON_OPTION, description: 'print {permissions, trust, caller} as JSON' },
    out: { type: 'string', value: 'DIR', description: 'write deployer-policy.json, trust-policy.json and caller-policy.json into DIR (created if missing)' },
    'worker-config': {
      ...WORKER_CONFIG_OPTION,
      description: "the worker's configuration: with identity_center in it, also the policy of the role grantflow assumes in the Identity Center account",
    },
  },
  description: `
The permissions policy lists exactly the IAM operations grantflow's code sends (the SDK refuses any
other), scoped to grantflow's own policies (path /grantflow/), AWS managed policies (read, to write their
expiring copies) and users and roles; on principals it sets and removes only grantflow's own tags
(grantflow:attached:*), and it may change nothing on the deployer role itself (explicit denies). With
permissions_boundary set, attaching and putting are allowed only on principals that carry the
boundary (condition iam:PermissionsBoundary); detaching and deleting never depend on it, so a grant
stays revokable. Put it on the deployer role (setting deployer_role, default AWSSelfServeDeployer) in every account you manage,
with the trust policy, and give the identity grantflow runs as the caller policy. With --worker-config
naming an IAM Identity Center instance, it also prints the policy of the role grantflow assumes in the
Identity Center account (identity_center.role): exactly the sso and identitystore operations it
sends, on that instance, its permission sets and identity store (--out writes
identity-center-policy.json and identity-center-trust-policy.json). No network call.`,
  exitCodes: 'Exit codes: 0 printed (or written), 1 invalid grantflow.yaml, 2 usage error.',
  async run({ values, io }) {
    const { settings, diagnostics } = loadSettings(values.config, io.env);
    for (const d of diagnostics) write(io.stderr, formatDiagnostic(d));
    if (diagnostics.some((d) => d.severity === 'error')) return EXIT.failed;
    const trustedPrincipal = values['trusted-principal'] ?? `arn:${settings.partition}:iam::<central-account-id>:root`;
    const worker = values['worker-config'] ? loadWorkerAuthority({ file: values['worker-config'] }) : undefined;
    for (const d of worker?.diagnostics ?? []) write(io.stderr, formatDiagnostic(d));
    if (worker?.diagnostics.some((d) => d.severity === 'error')) return EXIT.failed;
    const ic = worker?.identityCenter ? identityCenterPolicies({ settings: worker.identityCenter, trustedPrincipal }) : undefined;
    const policies = deployerPolicies({
      partition: settings.partition,
      roleName: settings.deployerRole,
      trustedPrincipal,
      ...(settings.deployerExternalId ? { externalId: settings.deployerExternalId } : {}),
      boundaries: boundaryArns(settings),
      ...(worker?.identityCenter
        ? {
            alsoAssumes: [
              `arn:${instancePartition(worker.identityCenter.instanceArn)}:iam::${worker.identityCenter.account}:role/${worker.identityCenter.roleName}`,
            ],
          }
        : {}),
    });
    if (values.out !== undefined) {
      fs.mkdirSync(values.out, { recursive: true });
      const files: [string, unknown][] = [
        [DEPLOYER_FILES.permissions, policies.permissions],
        [DEPLOYER_FILES.trust, policies.trust],
        [DEPLOYER_FILES.caller, policies.caller],
        ...(ic
          ? ([
              [DEPLOYER_FILES.identityCenter, ic.permissions],
              [DEPLOYER_FILES.identityCenterTrust, ic.trust],
            ] as [string, unknown][])
          : []),
      ];
      for (const [name, document] of files) {
        const file = path.join(values.out, name);
        fs.writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
        write(io.stdout, `wrote ${file}`);
      }
      write(
        io.stdout,
        `create the role "${settings.deployerRole}" with \`aws iam create-role --role-name ${settings.deployerRole} --assume-role-policy-document file://${path.join(values.out, DEPLOYER_FILES.trust)}\``,
      );
      return EXIT.ok;
    }
    if (values.json) {
      write(io.stdout, JSON.stringify({ ...policies, ...(ic ? { identityCenter: ic } : {}) }, null, 2));
      return EXIT.ok;
    }
    const role = settings.deployerRole;
    write(
      io.stdout,
      [
        `# 1. Permissions of the deployer role "${role}" (save as deployer-policy.json), in every managed account:`,
        JSON.stringify(policies.permissions, null, 2),
        '',
        `# 2. Trust policy of "${role}" (save as trust-policy.json): who may assume it:`,
        JSON.stringify(policies.trust, null, 2),
        '',
        '# 3. For the identity grantflow runs as (CI role, worker): permission to assume the deployer role:',
        JSON.stringify(policies.caller, null, 2),
        '',
        '# Create the role in each managed account:',
        `aws iam create-role --role-name ${role} --assume-role-policy-document file://trust-policy.json \\`,
        '  --description "grantflow deployer: manages IAM access from YAML"',
        `aws iam put-role-policy --role-name ${role} --policy-name grantflow-deployer --policy-document file://deployer-policy.json`,
        ...(ic && worker?.identityCenter
          ? [
              '',
              `# 4. Permissions of the role "${worker.identityCenter.roleName}" in the IAM Identity Center account ${worker.identityCenter.account} (save as identity-center-policy.json):`,
              JSON.stringify(ic.permissions, null, 2),
              '',
              `# 5. Its trust policy (save as identity-center-trust-policy.json); the caller policy above lets grantflow assume it:`,
              JSON.stringify(ic.trust, null, 2),
            ]
          : []),
      ].join('\n'),
    );
    return EXIT.ok;
  },
});
