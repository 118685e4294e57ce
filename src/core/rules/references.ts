// Every environment and policy an entry names must be defined: a typo must never grant nothing silently.
import { error, warning, type Diagnostic } from '../diagnostics';
import { suggestion } from '../suggest';
import { teamFile, type Rule } from './context';

export const UNKNOWN_ENVIRONMENT = 'unknown-environment';
export const UNKNOWN_POLICY = 'unknown-policy';

export const referenceRules: Rule = ({ config, locate }) => {
  const out: Diagnostic[] = [];
  const environments = Object.keys(config.accounts);
  const policies = Object.keys(config.policies);
  const accountsFile = teamFile('aws-accounts', config.team);
  const policiesFile = teamFile('aws-policies', config.team);

  const unknownEnvironment = (name: string) =>
    `unknown environment "${name}": ${suggestion(name, environments, `environments in ${accountsFile}`)}; ` + `add it to ${accountsFile} or fix the name`;
  const unknownPolicy = (name: string) =>
    `unknown policy "${name}": ${suggestion(name, policies, `policies in ${policiesFile}`)}; ` + `define it in ${policiesFile} or fix the name`;

  config.permanent.forEach((entry, fallback) => {
    const index = entry.source.index ?? fallback;
    if (entry.users.length === 0 && entry.roles.length === 0 && !entry.ssoUsers?.length && !entry.ssoGroups?.length) {
      out.push(
        error(
          locate('permanent-access', ['permanent-access', index]),
          `entry "${entry.description}" names no principal: add users, roles, sso_users or sso_groups`,
        ),
      );
    }
    entry.environments.forEach((environment, i) => {
      if (!Object.hasOwn(config.accounts, environment)) {
        out.push(error(locate('permanent-access', ['permanent-access', index, 'environments', i]), unknownEnvironment(environment), UNKNOWN_ENVIRONMENT));
      }
    });
    entry.grants.forEach((grant, i) => {
      if (!Object.hasOwn(config.policies, grant)) {
        out.push(error(locate('permanent-access', ['permanent-access', index, 'grants', i]), unknownPolicy(grant), UNKNOWN_POLICY));
      }
    });
  });

  config.temporary.forEach((entry, fallback) => {
    const index = entry.source.index ?? fallback;
    if (!Object.hasOwn(config.accounts, entry.environment)) {
      out.push(error(locate('temporary-access', ['temporary-access', index, 'environment']), unknownEnvironment(entry.environment), UNKNOWN_ENVIRONMENT));
    }
    if (!Object.hasOwn(config.policies, entry.grant)) {
      out.push(error(locate('temporary-access', ['temporary-access', index, 'grant']), unknownPolicy(entry.grant), UNKNOWN_POLICY));
    }
  });

  // Two environment names for one account make every grant there appear twice.
  const byAccount = new Map<string, string>();
  for (const [environment, account] of Object.entries(config.accounts)) {
    const first = byAccount.get(account);
    if (first !== undefined) {
      out.push(
        warning(
          locate('aws-accounts', ['aws-accounts', environment]),
          `environments "${first}" and "${environment}" are the same account ${account}; grants to both land on the same principals`,
          'same-account',
        ),
      );
    } else byAccount.set(account, environment);
  }
  return out;
};
