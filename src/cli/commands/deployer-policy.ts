import { loadSettings } from '../../config/load';
import { formatDiagnostic } from '../../core/diagnostics';
import { deployerPolicies } from '../../aws/deployer-policy';
import { CONFIG_OPTION, EXIT, write, type Command } from '../command';
import { configDirFrom } from '../team-input';

export const deployerPolicyCommand: Command = {
  name: 'deployer-policy',
  summary: 'Print the least-privilege policy and trust policy for the deployer role.',
  usage: 'grantflow deployer-policy [--trusted-principal ARN] [--config DIR] [--json]',
  details: `
The permissions policy lists exactly the IAM operations grantflow's code sends (the SDK refuses any
other), scoped to grantflow's own policies (path /grantflow/) and to users and roles. Put it on the
deployer role (setting deployer_role, default AWSSelfServeDeployer) in every account you manage,
with the trust policy, and give the identity grantflow runs as the caller policy. No network call.

Options:
      --trusted-principal ARN  who may assume the role (default: arn:aws:iam::<central-account-id>:root)
  -c, --config DIR             folder holding grantflow.yaml (role name, partition, external id)
      --json                   print {permissions, trust, caller} as JSON`,
  options: { ...CONFIG_OPTION, 'trusted-principal': { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const { settings, diagnostics } = loadSettings(configDirFrom(io, values), io.env);
    for (const d of diagnostics) write(io.stderr, formatDiagnostic(d));
    if (diagnostics.some((d) => d.severity === 'error')) return EXIT.failed;
    const trustedPrincipal = typeof values['trusted-principal'] === 'string' ? values['trusted-principal'] : `arn:${settings.partition}:iam::<central-account-id>:root`;
    const policies = deployerPolicies({
      partition: settings.partition,
      roleName: settings.deployerRole,
      trustedPrincipal,
      ...(settings.deployerExternalId ? { externalId: settings.deployerExternalId } : {}),
    });
    if (values.json) {
      write(io.stdout, JSON.stringify(policies, null, 2));
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
      ].join('\n'),
    );
    return EXIT.ok;
  },
};
