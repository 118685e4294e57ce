// From the listings of a team's accounts to what the team's files say: every user and role with the
// policies it holds, AWS managed and customer-managed attachments as `managed_policies` and each
// inline policy as the `custom_statements` of a policy of its own; principals holding the same set in
// several accounts as one entry with several environments, and principals holding the same set as one
// entry with several users or roles. What grantflow must not take over is left out, each with its
// reason. Deterministic: the same listings give the same result, sorted, with stable names.
import { digest } from '../digest';
import { conditionAllows, LIMITS, policySize, renderDocument } from '../documents';
import { compare } from '../expand';
import { mfaRequired } from '../managed-copies';
import {
  attachmentTagKey,
  canonicalPrincipal,
  customPolicyName,
  grantflowPolicyReason,
  IAM_POLICY_NAME_MAX,
  INLINE_PREFIX,
  parseCopyPolicyName,
  parseCustomPolicyName,
  parseInlinePolicyName,
  parseManagedPolicyArn,
} from '../names';
import type { IamStatement, Settings } from '../team-config';
import type { AccountListing, ListedPrincipal } from './listing';
import { importStatements } from './statements';

export interface ImportOptions {
  team: string;
  settings: Pick<Settings, 'deployerRole' | 'maxManagedPoliciesPerPrincipal' | 'requireMfa'>;
  /** Only principals whose name, or `user/NAME` / `role/NAME`, this matches. */
  principals?: RegExp;
  skipRoles?: boolean;
  /** Each entry says `adopt: true`: submitting it makes grantflow the owner of what it imported. */
  adopt?: boolean;
}

export type ReservedKind = 'group' | 'user' | 'role' | 'attachment' | 'inline-policy';

/** Something in IAM that import leaves out, and why. */
export interface Reserved {
  environment: string;
  account: string;
  kind: ReservedKind;
  /** The group, principal, policy ARN or inline policy name. */
  name: string;
  /** The user or role an attachment or inline policy is on (`user/NAME`, `role/NAME`). */
  principal?: string;
  reason: string;
}

export interface ImportedPolicy {
  name: string;
  description: string;
  managedPolicies: string[];
  statements: IamStatement[];
  replacesInline?: string;
}

export interface ImportedEntry {
  description: string;
  users: string[];
  roles: string[];
  environments: string[];
  grants: string[];
  adopt: boolean;
}

export interface ImportResult {
  team: string;
  accounts: Record<string, string>;
  policies: ImportedPolicy[];
  entries: ImportedEntry[];
  reserved: Reserved[];
  counts: {
    users: number;
    roles: number;
    /** Principals left out by --principals or --skip-roles. */
    notChosen: number;
    /** Principals holding nothing import could take (no policies, or only what it left out). */
    holdingNothing: number;
  };
}

/** What one principal holds in one account that import takes. */
interface Holding {
  managed: string[];
  inline: { name: string; statements: IamStatement[] }[];
}

/** A policy of the result, before it is named. */
type Identity = { kind: 'aws' | 'customer'; arn: string; environment: string } | { kind: 'inline'; name: string; statements: IamStatement[] };

function identityKey(identity: Identity): string {
  return identity.kind === 'inline' ? `inline\n${identity.name}\n${renderDocument(identity.statements)}` : identity.arn;
}

const IDENTITY_CENTER_PATH = '/aws-reserved/sso.amazonaws.com/';
const SERVICE_LINKED_PATH = '/aws-service-role/';

/** Why a principal is never imported, or undefined. */
export function reservedPrincipalReason(principal: Pick<ListedPrincipal, 'type' | 'name' | 'path'>, deployerRole: string): string | undefined {
  if (principal.type === 'role') {
    if (principal.path.startsWith(IDENTITY_CENTER_PATH) || principal.name.startsWith('AWSReservedSSO_')) {
      return 'made by IAM Identity Center: its permission set decides what it holds';
    }
    if (principal.path.startsWith(SERVICE_LINKED_PATH)) return 'a service-linked role: its AWS service decides what it holds';
    if (canonicalPrincipal(principal.name) === canonicalPrincipal(deployerRole)) {
      return 'the deployer role grantflow acts through (deployer_role): no team may grant to it';
    }
    return undefined;
  }
  if (principal.name.includes('@')) {
    const read = principal.name.slice(0, principal.name.lastIndexOf('@'));
    return `its name holds @, and grantflow reads a user written with @ as an email: ${principal.name} would be IAM user ${read}`;
  }
  return undefined;
}

/** Why an attached managed policy is grantflow's own (never imported), or undefined. */
function grantflowAttachmentReason(arn: string, team: string, marks: ReadonlySet<string>): string | undefined {
  const own = grantflowPolicyReason(arn);
  if (own) {
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    const owner = parseCustomPolicyName(name)?.team ?? parseCopyPolicyName(name)?.team;
    const whose = owner === undefined ? '' : owner === team ? ' of this team' : ` of team ${owner}`;
    return `grantflow's own policy (${own}), attached by the grants${whose}`;
  }
  if (marks.has(attachmentTagKey(digest(arn)))) return "attached by grantflow: the principal carries grantflow's ownership mark for it";
  return undefined;
}

/** This team's own customer-managed policy: the one its custom statements would be attached as again. */
function isTeamsOwnPolicy(arn: string, team: string): boolean {
  const parsed = parseManagedPolicyArn(arn);
  return parsed.ok && parsed.owner !== 'aws' && parseCustomPolicyName(parsed.name)?.team === team;
}

interface PrincipalOutcome {
  holding?: Holding;
  reserved: Reserved[];
}

function importPrincipal(listing: AccountListing, principal: ListedPrincipal, options: ImportOptions): PrincipalOutcome {
  const { environment, account } = listing;
  const who = `${principal.type}/${principal.name}`;
  const reserved: Reserved[] = [];
  const leave = (kind: ReservedKind, name: string, reason: string) => reserved.push({ environment, account, kind, name, principal: who, reason });
  const marks = new Set(principal.tags.map((t) => t.key));

  const managed: string[] = [];
  for (const arn of [...new Set(principal.attached)].sort(compare)) {
    const parsed = parseManagedPolicyArn(arn);
    if (!parsed.ok) leave('attachment', arn, parsed.reason);
    else {
      const own = grantflowAttachmentReason(arn, options.team, marks);
      if (own) leave('attachment', arn, own);
      else managed.push(arn);
    }
  }

  const inline: Holding['inline'] = [];
  const mfa = mfaRequired(options.settings, environment) || mfaRequired(options.settings, account);
  for (const policy of [...principal.inline].sort((a, b) => compare(a.name, b.name))) {
    if (policy.name.toLowerCase().startsWith(INLINE_PREFIX)) {
      const owner = parseInlinePolicyName(policy.name)?.team;
      leave(
        'inline-policy',
        policy.name,
        `grantflow's own inline policy of a temporary grant${owner ? ` of ${owner === options.team ? 'this team' : `team ${owner}`}` : ''}`,
      );
      continue;
    }
    const imported = importStatements(policy.document);
    if (!imported.ok) {
      leave('inline-policy', policy.name, imported.reason);
      continue;
    }
    const size = policySize(renderDocument(conditionAllows(imported.statements, { mfa })));
    if (size > LIMITS.managedPolicyChars) {
      leave(
        'inline-policy',
        policy.name,
        `too large for one managed policy: ${size.toLocaleString('en-US')} characters as grantflow writes it, IAM allows ${LIMITS.managedPolicyChars.toLocaleString('en-US')}`,
      );
      continue;
    }
    inline.push({ name: policy.name, statements: imported.statements });
  }

  // Once submitted, the principal holds what it holds now and one policy of grantflow's per inline
  // policy. This team's own policies are among those already (an import after a submission).
  const attachedAfter = principal.attached.filter((arn) => !isTeamsOwnPolicy(arn, options.team)).length + inline.length;
  const quota = options.settings.maxManagedPoliciesPerPrincipal;
  if (attachedAfter > quota && (managed.length > 0 || inline.length > 0)) {
    reserved.push({
      environment,
      account,
      kind: principal.type,
      name: principal.name,
      reason:
        `would hold ${attachedAfter} managed policies once grantflow's policies for its ${inline.length} inline ` +
        `polic${inline.length === 1 ? 'y' : 'ies'} are attached, over the quota of ${quota} (max_managed_policies_per_principal)`,
    });
    return { reserved };
  }
  if (managed.length === 0 && inline.length === 0) return { reserved };
  return { holding: { managed, inline }, reserved };
}

function chosen(principal: ListedPrincipal, options: ImportOptions): boolean {
  if (options.skipRoles && principal.type === 'role') return false;
  const pattern = options.principals;
  if (!pattern) return true;
  const test = (text: string) => {
    pattern.lastIndex = 0;
    return pattern.test(text);
  };
  return test(principal.name) || test(`${principal.type}/${principal.name}`);
}

/**
 * Names for the imported policies: `aws.<name>` for an AWS managed policy, `customer.<env>.<name>` for
 * a customer-managed one (its ARN names its account), `inline.<name>` for an inline policy. Names that
 * would be one (IAM names ignore case) take a digest of what they stand for; so does a name too long
 * for grantflow's policy `grantflow.<team>.<name>`.
 */
function nameIdentities(identities: readonly Identity[], team: string): Map<string, string> {
  const max = IAM_POLICY_NAME_MAX - customPolicyName(team, '').length;
  const base = (identity: Identity): string => {
    if (identity.kind === 'inline') return `inline.${identity.name}`;
    const parsed = parseManagedPolicyArn(identity.arn);
    const name = parsed.ok ? parsed.name : identity.arn;
    return identity.kind === 'aws' ? `aws.${name}` : `customer.${identity.environment}.${name}`;
  };
  const byBase = new Map<string, Identity[]>();
  for (const identity of identities) {
    const key = base(identity).toLowerCase();
    byBase.set(key, [...(byBase.get(key) ?? []), identity]);
  }
  const names = new Map<string, string>();
  for (const group of byBase.values()) {
    for (const identity of group) {
      const tag = digest(identityKey(identity)).slice(0, 8);
      const plain = base(identity);
      const name = group.length > 1 || plain.length > max ? `${plain.slice(0, max - tag.length - 1)}.${tag}` : plain;
      names.set(identityKey(identity), name);
    }
  }
  return names;
}

function describe(identity: Identity, listingOf: (environment: string) => AccountListing | undefined): string {
  if (identity.kind === 'inline') return `inline policy ${identity.name}, imported from IAM`;
  const parsed = parseManagedPolicyArn(identity.arn);
  const where = !parsed.ok ? identity.arn : parsed.path === '/' ? parsed.name : `${parsed.path}${parsed.name}`;
  if (identity.kind === 'aws') return `AWS managed policy ${where}, attached before grantflow`;
  const listing = listingOf(identity.environment);
  return `customer-managed policy ${where} of ${identity.environment} (${listing?.account ?? '?'}), attached before grantflow`;
}

/** A few names, then how many more. */
function some(names: readonly string[]): string {
  if (names.length > 3) return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function importAccounts(listings: readonly AccountListing[], options: ImportOptions): ImportResult {
  const sorted = [...listings].sort((a, b) => compare(a.environment, b.environment));
  const reserved: Reserved[] = [];
  const counts = { users: 0, roles: 0, notChosen: 0, holdingNothing: 0 };
  /** By principal (`type/lower-case name`): its spelling, and what it holds in each environment. */
  const holders = new Map<string, Holder>();
  const identities = new Map<string, Identity>();

  for (const listing of sorted) {
    const { environment, account } = listing;
    const members = new Map<string, string[]>();
    for (const principal of listing.principals) {
      if (principal.type === 'user') for (const group of principal.groups) members.set(group, [...(members.get(group) ?? []), principal.name]);
    }
    for (const group of [...listing.groups].sort((a, b) => compare(a.name, b.name))) {
      const who = (members.get(group.name) ?? []).sort(compare);
      reserved.push({
        environment,
        account,
        kind: 'group',
        name: group.name,
        reason:
          `grantflow grants to users and roles, not groups: the group keeps its policies and members` +
          ` (${who.length === 0 ? 'no members' : `members: ${some(who)}`})`,
      });
    }
    const principals = [...listing.principals].sort((a, b) => compare(a.type, b.type) || compare(canonicalPrincipal(a.name), canonicalPrincipal(b.name)));
    for (const principal of principals) {
      if (!chosen(principal, options)) {
        counts.notChosen++;
        continue;
      }
      const why = reservedPrincipalReason(principal, options.settings.deployerRole);
      if (why) {
        reserved.push({ environment, account, kind: principal.type, name: principal.name, reason: why });
        continue;
      }
      const outcome = importPrincipal(listing, principal, options);
      reserved.push(...outcome.reserved);
      if (!outcome.holding) {
        counts.holdingNothing++;
        continue;
      }
      const key = `${principal.type}/${canonicalPrincipal(principal.name)}`;
      const holder = holders.get(key) ?? { type: principal.type, name: principal.name, byEnvironment: new Map<string, Holding>() };
      holder.byEnvironment.set(environment, outcome.holding);
      holders.set(key, holder);
      for (const arn of outcome.holding.managed) {
        const parsed = parseManagedPolicyArn(arn);
        const identity: Identity = { kind: parsed.ok && parsed.owner === 'aws' ? 'aws' : 'customer', arn, environment };
        if (!identities.has(identityKey(identity))) identities.set(identityKey(identity), identity);
      }
      for (const policy of outcome.holding.inline) {
        const identity: Identity = { kind: 'inline', name: policy.name, statements: policy.statements };
        identities.set(identityKey(identity), identity);
      }
    }
  }

  const names = nameIdentities([...identities.values()], options.team);
  const nameOf = (identity: Identity) => names.get(identityKey(identity))!;
  const listingOf = (environment: string) => sorted.find((l) => l.environment === environment);
  const policies: ImportedPolicy[] = [...identities.values()]
    .map((identity) => ({
      name: nameOf(identity),
      description: describe(identity, listingOf),
      managedPolicies: identity.kind === 'inline' ? [] : [identity.arn],
      statements: identity.kind === 'inline' ? identity.statements : [],
      ...(identity.kind === 'inline' ? { replacesInline: identity.name } : {}),
    }))
    .sort((a, b) => compare(a.name, b.name));

  const entries = groupEntries([...holders.values()], nameOf, options.adopt ?? false, counts);

  return {
    team: options.team,
    accounts: Object.fromEntries(sorted.map((l) => [l.environment, l.account])),
    policies,
    entries,
    reserved: reserved.sort(
      (a, b) => compare(a.environment, b.environment) || compare(a.principal ?? '', b.principal ?? '') || compare(a.kind, b.kind) || compare(a.name, b.name),
    ),
    counts,
  };
}

type Holder = { type: 'user' | 'role'; name: string; byEnvironment: Map<string, Holding> };

/**
 * Each principal: the environments in which it holds the same set, by set; then the principals with
 * the same set in the same environments make one entry.
 */
function groupEntries(holders: readonly Holder[], nameOf: (identity: Identity) => string, adopt: boolean, counts: ImportResult['counts']): ImportedEntry[] {
  const groups = new Map<string, { grants: string[]; environments: string[]; users: string[]; roles: string[] }>();
  for (const holder of holders) {
    if (holder.type === 'user') counts.users++;
    else counts.roles++;
    const environmentsBySet = new Map<string, { grants: string[]; environments: string[] }>();
    for (const [environment, holding] of holder.byEnvironment) {
      const grants = [
        ...holding.managed.map((arn) => {
          const parsed = parseManagedPolicyArn(arn);
          return nameOf({ kind: parsed.ok && parsed.owner === 'aws' ? 'aws' : 'customer', arn, environment });
        }),
        ...holding.inline.map((p) => nameOf({ kind: 'inline', name: p.name, statements: p.statements })),
      ].sort(compare);
      const key = grants.join('\n');
      const same = environmentsBySet.get(key) ?? { grants, environments: [] };
      same.environments.push(environment);
      environmentsBySet.set(key, same);
    }
    for (const { grants, environments } of environmentsBySet.values()) {
      const key = `${grants.join('\n')}\n\n${environments.sort(compare).join('\n')}`;
      const entry = groups.get(key) ?? { grants, environments, users: [], roles: [] };
      (holder.type === 'user' ? entry.users : entry.roles).push(holder.name);
      groups.set(key, entry);
    }
  }
  const byName = (a: string, b: string) => compare(canonicalPrincipal(a), canonicalPrincipal(b)) || compare(a, b);
  return [...groups.values()]
    .map((entry) => {
      const users = entry.users.sort(byName);
      const roles = entry.roles.sort(byName);
      const who = [
        ...(users.length > 0 ? [`${users.length === 1 ? 'user' : 'users'} ${some(users)}`] : []),
        ...(roles.length > 0 ? [`${roles.length === 1 ? 'role' : 'roles'} ${some(roles)}`] : []),
      ];
      return {
        description: `Imported from IAM: what ${who.join(' and ')} held before grantflow`,
        users,
        roles,
        environments: entry.environments,
        grants: entry.grants,
        adopt: adopt,
      };
    })
    .sort((a, b) => compare(entryKey(a), entryKey(b)));
}

/** Entries in the order of their first principal (users before roles), then their environments. */
function entryKey(entry: ImportedEntry): string {
  const first = entry.users.length > 0 ? `0 ${canonicalPrincipal(entry.users[0]!)}` : `1 ${canonicalPrincipal(entry.roles[0] ?? '')}`;
  return `${first}\n${entry.environments.join(' ')}\n${entry.grants.join(' ')}`;
}
