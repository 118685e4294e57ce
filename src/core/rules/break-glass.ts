// Break-glass rules must be able to do what they say, and no more than temporary access may: each
// environment and policy exists, the longest duration is within max_temporary_days, enough
// approvers exist for the approvals asked, and each approver has a key of its own that can sign.
import { error, warning, type Diagnostic, type Position } from '../diagnostics';
import { canonicalPrincipal } from '../names';
import { suggestion } from '../suggest';
import type { BreakGlassRule } from '../team-config';
import { DAY_MS, formatDuration } from '../time';
import { teamFile, type Rule } from './context';
import { UNKNOWN_ENVIRONMENT, UNKNOWN_POLICY } from './references';

export const NEVER_APPROVED = 'never-approved';

/** Rule names travel on command lines and in messages: a plain word. */
const RULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** An OpenSSH ed25519 public key line: the type, then the 51-byte blob that names the type again, then an optional comment. */
const ED25519_LINE = /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}(\s+\S.*)?$/;

export const breakGlassRules: Rule = ({ config, locate }) => {
  const out: Diagnostic[] = [];
  const rules = config.breakGlass ?? {};
  const environments = Object.keys(config.accounts);
  const policies = Object.keys(config.policies);
  const at: At = (name, ...path) => locate('break-glass', ['break-glass', name, ...path]);
  const maxDays = config.settings.maxTemporaryDays;
  for (const [name, rule] of Object.entries(rules)) {
    if (!RULE_NAME.test(name)) {
      out.push(error(locate('break-glass', ['break-glass', name], { key: true }), `rule name "${name}" may hold letters, digits, _ . - only (at most 64)`));
    }
    rule.environments.forEach((environment, i) => {
      if (Object.hasOwn(config.accounts, environment)) return;
      const accountsFile = teamFile('aws-accounts', config.team);
      out.push(
        error(
          at(name, 'environments', i),
          `unknown environment "${environment}": ${suggestion(environment, environments, `environments in ${accountsFile}`)}; add it to ${accountsFile} or fix the name`,
          UNKNOWN_ENVIRONMENT,
        ),
      );
    });
    rule.grants.forEach((grant, i) => {
      if (Object.hasOwn(config.policies, grant)) return;
      const policiesFile = teamFile('aws-policies', config.team);
      out.push(
        error(
          at(name, 'grants', i),
          `unknown policy "${grant}": ${suggestion(grant, policies, `policies in ${policiesFile}`)}; define it in ${policiesFile} or fix the name`,
          UNKNOWN_POLICY,
        ),
      );
    });
    if (rule.maxDurationMs > maxDays * DAY_MS) {
      out.push(
        error(
          at(name, 'max_duration'),
          `max_duration ${formatDuration(rule.maxDurationMs)} is longer than temporary access may last (max_temporary_days: ${maxDays}); use ${maxDays}d or less`,
        ),
      );
    }
    if (rule.approvals > rule.approvers.length) {
      out.push(
        error(
          at(name, 'approvals'),
          `approvals: ${rule.approvals} needs more approvers than the ${rule.approvers.length} listed; list more approvers or lower approvals`,
        ),
      );
    }
    out.push(...approverProblems(name, rule, at), ...unapprovable(name, rule, at));
  }
  return out;
};

/** Where a value of a rule is written. */
type At = (name: string, ...path: (string | number)[]) => Position;

function approverProblems(name: string, rule: BreakGlassRule, at: At): Diagnostic[] {
  const out: Diagnostic[] = [];
  const users = new Map<string, number>();
  const keys = new Map<string, number>();
  rule.approvers.forEach((approver, i) => {
    const user = canonicalPrincipal(approver.user.name);
    const key = approver.key.trim().split(/\s+/).slice(0, 2).join(' ');
    if (users.has(user))
      out.push(
        error(
          at(name, 'approvers', i, 'user'),
          `${approver.user.written} is listed as an approver twice (also item ${users.get(user)! + 1}); list each approver once`,
        ),
      );
    else users.set(user, i);
    if (!ED25519_LINE.test(approver.key.trim())) {
      out.push(
        error(
          at(name, 'approvers', i, 'key'),
          `the key of ${approver.user.written} is not an OpenSSH ed25519 public key line ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5…"); paste the line of their ~/.ssh/id_ed25519.pub (ssh-keygen -t ed25519 makes one)`,
        ),
      );
    } else if (keys.has(key)) {
      out.push(
        error(
          at(name, 'approvers', i, 'key'),
          `${approver.user.written} has the same key as approver item ${keys.get(key)! + 1}: approvals by the two could not be told apart; each approver needs a key of their own`,
        ),
      );
    } else keys.set(key, i);
  });
  return out;
}

/** A requester for whom fewer approvers than `approvals` remain once their own approval does not count. */
function unapprovable(name: string, rule: BreakGlassRule, at: At): Diagnostic[] {
  if (rule.selfApproval) return [];
  return rule.requesters.flatMap((requester, i) => {
    const others = rule.approvers.filter((a) => canonicalPrincipal(a.user.name) !== canonicalPrincipal(requester.name)).length;
    if (others >= rule.approvals) return [];
    return [
      warning(
        at(name, 'requesters', i),
        `${requester.written} can never be approved under rule ${name}: approvals needs ${rule.approvals}, and without self_approval only ${others} other approver${others === 1 ? '' : 's'} can sign; add approvers or allow self_approval`,
        NEVER_APPROVED,
      ),
    ];
  });
}
