// Names of the IAM objects grantflow creates, and the rules IAM applies to names.
import { digest } from './digest';
import { toCompactTime } from './time';

/** IAM's character set for user, role and policy names. */
export const IAM_NAME_CHARS = /^[\w+=,.@-]+$/;
export const IAM_USER_NAME_MAX = 64;
export const IAM_ROLE_NAME_MAX = 64;
export const IAM_POLICY_NAME_MAX = 128;

/** Team names become parts of IAM names, workflow ids and file names. */
export const TEAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Where grantflow's customer-managed policies live; the path is part of the ownership check. */
export const POLICY_PATH = '/grantflow/';
/** Every inline policy grantflow writes starts with this; it never touches inline policies without it. */
export const INLINE_PREFIX = 'grantflow.';
export const OWNER_TAG = { key: 'managed-by', value: 'grantflow' } as const;
export const TEAM_TAG_KEY = 'grantflow:team';

/** `user@example.com` becomes IAM user `user` (the domain is dropped); a bare name stays as it is. */
export function iamUserName(written: string): string {
  const at = written.lastIndexOf('@');
  return at > 0 ? written.slice(0, at) : written;
}

/**
 * A principal as an operator writes it: `user/NAME`, `role/NAME`, `sso-user/NAME` and
 * `sso-group/NAME` (the forms `status` prints; an IAM Identity Center user keeps its email whole), an
 * email (matched by its IAM user name), or a bare name (an IAM user or role).
 */
export function parsePrincipal(written: string): { type?: 'user' | 'role' | 'sso-user' | 'sso-group'; name: string } {
  const match = /^(user|role|sso-user|sso-group)\/(.+)$/.exec(written.trim());
  if (match) {
    const type = match[1] as 'user' | 'role' | 'sso-user' | 'sso-group';
    return { type, name: type === 'user' ? iamUserName(match[2]!) : match[2]! };
  }
  return { name: iamUserName(written.trim()) };
}

/**
 * Names that every JavaScript object already has (`constructor`, `toString`, `__proto__`, …). As an
 * environment or policy name they would be confused with the object's own machinery, so they are
 * refused where they are written.
 */
const RESERVED_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

export function reservedNameProblem(name: string, what: string): string | undefined {
  return RESERVED_NAMES.has(name) ? `${what} "${name}" is reserved (every JavaScript object has a property of that name); choose another name` : undefined;
}

export type NameProblem = { ok: true } | { ok: false; reason: string };

export function checkIamName(name: string, max: number, what: string): NameProblem {
  if (name.length === 0) return { ok: false, reason: `${what} is empty` };
  if (name.length > max) return { ok: false, reason: `${what} "${name}" is ${name.length} characters; IAM allows at most ${max}` };
  if (!IAM_NAME_CHARS.test(name)) {
    const bad = [...new Set([...name].filter((c) => !/[\w+=,.@-]/.test(c)))].map((c) => JSON.stringify(c)).join(', ');
    return { ok: false, reason: `${what} "${name}" contains ${bad}; IAM allows only letters, digits and + = , . @ _ -` };
  }
  return { ok: true };
}

/**
 * The customer-managed policy that holds policy P's custom statements for team T:
 * `grantflow.<T>.<P>` under the path `/grantflow/<T>/`. Team names hold no dot, so the first dot
 * after the prefix ends the team: no two (team, policy) pairs share a name.
 */
export function customPolicyName(team: string, policy: string): string {
  return `${INLINE_PREFIX}${team}.${policy}`;
}

/** The path of team T's customer-managed policies: listing it finds exactly that team's policies. */
export function teamPolicyPath(team: string): string {
  return `${POLICY_PATH}${team}/`;
}

export function customPolicyArn(partition: string, account: string, team: string, policy: string): string {
  return `arn:${partition}:iam::${account}:policy${teamPolicyPath(team)}${customPolicyName(team, policy)}`;
}

/** The team and policy a current customer-managed policy name stands for. */
export function parseCustomPolicyName(name: string): { team: string; policy: string } | undefined {
  if (!name.startsWith(INLINE_PREFIX)) return undefined;
  const match = /^([A-Za-z0-9_-]+)\.(.+)$/.exec(name.slice(INLINE_PREFIX.length));
  return match ? { team: match[1]!, policy: match[2]! } : undefined;
}

/**
 * IAM user and role names are unique regardless of case (`Bob` and `bob` are one user), so grantflow
 * compares them, and builds ids and search attributes from them, in this form.
 */
export function canonicalPrincipal(name: string): string {
  return name.toLowerCase();
}

/** The temporary grant's inline user policy: `grantflow.<team>.<policy>.<expiry YYYYMMDDTHHMMSSZ>`. */
export function inlinePolicyName(team: string, policy: string, expiresAt: string): string {
  return `${INLINE_PREFIX}${team}.${policy}.${toCompactTime(expiresAt)}`;
}

export interface ParsedInlineName {
  team: string;
  policy: string;
  expiresAt: string;
}

/** Reads back what `inlinePolicyName` wrote; team names hold no dot, so the split is unambiguous. */
export function parseInlinePolicyName(name: string): ParsedInlineName | undefined {
  if (!name.startsWith(INLINE_PREFIX)) return undefined;
  const rest = name.slice(INLINE_PREFIX.length);
  const match = /^([A-Za-z0-9_-]+)\.(.+)\.(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(rest);
  if (!match) return undefined;
  const [, team, policy, y, mo, d, h, mi, s] = match;
  return { team: team!, policy: policy!, expiresAt: `${y}-${mo}-${d}T${h}:${mi}:${s}Z` };
}

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'];
const MANAGED_POLICY_ARN = /^arn:([a-z-]+):iam::(aws|\d{12}):policy\/((?:[\x21-\x7e]+\/)*)([\w+=,.@-]{1,128})$/;

export type ArnCheck = { ok: true; partition: string; owner: string; path: string; name: string } | { ok: false; reason: string };

/**
 * IAM is global: its ARNs have an empty region field (`arn:aws:iam::123456789012:policy/x`). An IAM
 * ARN with a region (not a wildcard) names nothing: as a policy to attach or a boundary it fails, as
 * a resource it matches nothing. Returns the region and the ARN as it should be written.
 */
export function iamArnRegion(arn: string): { region: string; fixed: string } | undefined {
  const match = /^arn:([^:]*):iam:([^:]+):(.*)$/.exec(arn);
  if (!match || /[*?]/.test(match[2]!)) return undefined;
  return { region: match[2]!, fixed: `arn:${match[1]}:iam::${match[3]}` };
}

export const IAM_IS_GLOBAL = 'IAM ARNs have an empty region field (IAM is global)';

/** A managed policy ARN in any partition: `arn:<partition>:iam::(aws|<account>):policy/<path/>name`. */
export function parseManagedPolicyArn(arn: string): ArnCheck {
  const match = MANAGED_POLICY_ARN.exec(arn);
  if (!match) {
    const region = iamArnRegion(arn);
    if (region) return { ok: false, reason: `"${arn}" has region "${region.region}", but ${IAM_IS_GLOBAL}; write ${region.fixed}` };
    return {
      ok: false,
      reason: `"${arn}" is not a managed policy ARN; expected arn:aws:iam::aws:policy/<name> or arn:aws:iam::<12-digit account>:policy/<name>`,
    };
  }
  const [, partition, owner, path, name] = match;
  if (!PARTITIONS.includes(partition!)) {
    return { ok: false, reason: `"${arn}" names partition "${partition}"; known partitions are ${PARTITIONS.join(', ')}` };
  }
  return { ok: true, partition: partition!, owner: owner!, path: `/${path}`, name: name! };
}

/** Tag key that marks a managed-policy attachment on a user or role as grantflow's (value: the ARN). */
export function attachmentTagKey(arnDigest: string): string {
  return `grantflow:attached:${arnDigest}`;
}
export const ATTACHMENT_TAG_PREFIX = 'grantflow:attached:';

/**
 * Expiring copies of managed policies (one per temporary grant and managed policy) start with this.
 * `+` appears in no team name and no policy name, so a copy can never be
 * mistaken for a team's own customer-managed policy, nor the other way round.
 */
export const COPY_PREFIX = 'grantflow+copy.';
export const COPY_TAGS = { grant: 'grantflow:grant', copyOf: 'grantflow:copy-of', expires: 'grantflow:expires' } as const;

/**
 * `grantflow+copy.<team>.<expiry>.<digest>.<principal>.<managed policy name>`: the digest of the
 * grant id and the source ARN makes it unique per grant and source; the readable tail is cut to
 * IAM's 128 characters when it is long (the digest alone already tells copies apart).
 */
export function copyPolicyName(team: string, grantId: string, sourceArn: string, principal: string, expiresAt: string): string {
  const sourceName = sourceArn.slice(sourceArn.lastIndexOf('/') + 1);
  const head = `${COPY_PREFIX}${team}.${toCompactTime(expiresAt)}.${digest(`${grantId}\n${sourceArn}`)}`;
  const tail = `.${principal}.${sourceName}`.replace(/[^\w+=,.@-]/g, '_');
  return (head + tail).slice(0, IAM_POLICY_NAME_MAX);
}

export interface ParsedCopyName {
  team: string;
  expiresAt: string;
}

export function parseCopyPolicyName(name: string): ParsedCopyName | undefined {
  const match = /^grantflow\+copy\.([A-Za-z0-9_-]+)\.(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.[0-9a-f]{16}(?:\..*)?$/.exec(name);
  if (!match) return undefined;
  const [, team, y, mo, d, h, mi, s] = match;
  return { team: team!, expiresAt: `${y}-${mo}-${d}T${h}:${mi}:${s}Z` };
}

export function copyPolicyArn(partition: string, account: string, team: string, name: string): string {
  return `arn:${partition}:iam::${account}:policy${teamPolicyPath(team)}${name}`;
}

/**
 * Why a managed policy ARN names one of grantflow's own policies: a customer-managed policy under
 * its path (`/grantflow/`, where it writes teams' policies and expiring copies), or named as it names them (`grantflow.…`, `grantflow+copy.…`) wherever it sits.
 * Compared ignoring case, as IAM compares names. Undefined for any other ARN, AWS's own included.
 */
export function grantflowPolicyReason(arn: string): string | undefined {
  const parsed = parseManagedPolicyArn(arn);
  if (!parsed.ok || parsed.owner === 'aws') return undefined;
  if (parsed.path.toLowerCase().startsWith(POLICY_PATH)) return `it is under grantflow's path ${POLICY_PATH}`;
  const prefix = [INLINE_PREFIX, COPY_PREFIX].find((p) => parsed.name.toLowerCase().startsWith(p));
  return prefix ? `its name starts with grantflow's prefix ${prefix}` : undefined;
}

/** IAM Identity Center allows at most 32 characters in a permission set's name, from IAM's character set. */
export const PERMISSION_SET_NAME_MAX = 32;
/** Every permission set grantflow owns is named with this prefix (and its description says whose it is). */
export const PERMISSION_SET_PREFIX = 'gf-';
const PERMISSION_SET_DIGEST = 12;
/** What a permission set's description may hold (Identity Center's pattern), at most 700 characters. */
const DESCRIPTION_CHARS = /[^\t\n\r\x20-\x7e\xa1-\xff]/g;
const DESCRIPTION_MAX = 700;

/**
 * The permission set grantflow owns for policy P of team T: `gf-<team.policy, cut to fit>-<12 hex>`,
 * at most 32 characters. The 12 hex digits are the digest of team and policy, so two (team, policy)
 * pairs get different names however alike they read; the readable part only helps people.
 */
export function permissionSetName(team: string, policy: string): string {
  const hash = digest(`${team}\n${policy}`).slice(0, PERMISSION_SET_DIGEST);
  const room = PERMISSION_SET_NAME_MAX - PERMISSION_SET_PREFIX.length - 1 - PERMISSION_SET_DIGEST;
  const readable = `${team}.${policy}`.replace(/[^\w+=,.@-]/g, '_').slice(0, room);
  return `${PERMISSION_SET_PREFIX}${readable}-${hash}`;
}

/** A grantflow permission set's description: whose it is (read back by `permissionSetOwner`), then the policy's own. */
export function permissionSetDescription(team: string, policy: string, description: string): string {
  return `grantflow team ${team} policy ${policy}: ${description}`.replace(DESCRIPTION_CHARS, '?').slice(0, DESCRIPTION_MAX);
}

/**
 * The team and policy a permission set belongs to, when it is grantflow's: its description says so
 * and its name is the one grantflow gives that team and policy. Anything else is not grantflow's.
 */
export function permissionSetOwner(name: string, description: string | undefined): { team: string; policy: string } | undefined {
  const match = /^grantflow team ([A-Za-z0-9_-]+) policy ([\w+=,.@-]+): /.exec(description ?? '');
  if (!match) return undefined;
  const owner = { team: match[1]!, policy: match[2]! };
  return permissionSetName(owner.team, owner.policy) === name ? owner : undefined;
}

/** A permission set name Identity Center accepts, or why not. */
export function checkPermissionSetName(name: string): NameProblem {
  return checkIamName(name, PERMISSION_SET_NAME_MAX, 'permission set name').ok
    ? { ok: true }
    : {
        ok: false,
        reason: `permission set name "${name}" is not one IAM Identity Center accepts: 1 to ${PERMISSION_SET_NAME_MAX} letters, digits and + = , . @ _ -`,
      };
}
