// What grantflow.yaml, which the teams of a config folder share, asks of each team checked: every
// environment `require_mfa` names must exist, and no `permissions_boundary` may be a policy grantflow
// writes itself.
import { error, type Diagnostic } from '../diagnostics';
import { COPY_PREFIX, grantflowPolicyReason, INLINE_PREFIX, POLICY_PATH } from '../names';
import { suggestion } from '../suggest';
import { SETTINGS_KIND, type Rule } from './context';

export const UNKNOWN_MFA_ENVIRONMENT = 'unknown-mfa-environment';
export const OWN_POLICY_BOUNDARY = 'grantflow-policy-boundary';

/**
 * An environment in `require_mfa` that nothing defines makes no grant require MFA, silently: a typo
 * (`prdo`) would leave production without it. grantflow.yaml is shared by the folder's teams, so an
 * environment there need not be this team's: one that no team of the folder defines is an error (in
 * every team's check, with the same message); one that another team defines asks nothing of this
 * team and is fine. A team checked without its folder is taken for the whole folder. When some
 * team's aws-accounts file cannot be read, the folder's environments are not known, and only this
 * team's count as defined: nothing else is reported rather than a typo that may not be one.
 */
const requireMfaEnvironments: Rule = ({ config, locate, folder }) => {
  const own = Object.keys(config.accounts);
  const known = folder ? folder.environments : own;
  if (!known) return [];
  const defined = [...new Set([...own, ...known])].sort();
  return (config.settings.requireMfa ?? [])
    .filter((environment) => !defined.includes(environment))
    .map((environment) =>
      error(
        locate(SETTINGS_KIND, ['require_mfa', environment]),
        `require_mfa names environment "${environment}", which no team of this config folder defines in its aws-accounts file ` +
          `(${suggestion(environment, defined, 'environments')}); as written it makes no grant require MFA. Fix the name, or remove it`,
        UNKNOWN_MFA_ENVIRONMENT,
      ),
    );
};

/**
 * A permission boundary caps what a team's grants can give. If it were one of grantflow's own
 * policies (a team's customer-managed policy, an expiring copy), a team could widen its own boundary
 * by editing its own policy in aws-policies, and the next submission would write it.
 */
const boundaryNotGrantflows: Rule = ({ config, locate }) => {
  const boundary = config.settings.permissionsBoundary;
  if (!boundary) return [];
  const entries: [string | undefined, string][] = 'all' in boundary ? [[undefined, boundary.all]] : Object.entries(boundary.byEnvironment);
  const out: Diagnostic[] = [];
  for (const [environment, arn] of entries) {
    const reason = grantflowPolicyReason(arn);
    if (!reason) continue;
    out.push(
      error(
        locate(SETTINGS_KIND, environment === undefined ? ['permissions_boundary'] : ['permissions_boundary', environment]),
        `permissions_boundary${environment === undefined ? '' : ` for ${environment}`}: ${arn} is one of grantflow's own policies (${reason}); ` +
          'a team could widen its own boundary by editing its policy in aws-policies. ' +
          `Name a boundary policy grantflow does not write: outside ${POLICY_PATH}, and not named ${INLINE_PREFIX}… or ${COPY_PREFIX}…`,
        OWN_POLICY_BOUNDARY,
      ),
    );
  }
  return out;
};

export const settingsRules: Rule = (context) => [...requireMfaEnvironments(context), ...boundaryNotGrantflows(context)];
