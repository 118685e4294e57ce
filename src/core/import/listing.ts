// What one account's IAM holds, as `grantflow import` reads it from one listing of the account
// (GetAccountAuthorizationDetails): its users and roles with their inline policies, managed-policy
// attachments, groups and tags, and its groups. Plain data, made by the AWS edge
// (src/aws/authorization-details.ts) and turned into a team's files by ./convert.ts.

export interface ListedInlinePolicy {
  name: string;
  /** The policy document as IAM holds it, URL-decoded: JSON text. */
  document: string;
}

export interface ListedPrincipal {
  type: 'user' | 'role';
  name: string;
  path: string;
  inline: ListedInlinePolicy[];
  /** ARNs of the managed policies attached to it. */
  attached: string[];
  /** The groups a user belongs to (none for a role). */
  groups: string[];
  tags: { key: string; value: string }[];
}

export interface ListedGroup {
  name: string;
  path: string;
  inline: string[];
  attached: string[];
}

export interface AccountListing {
  environment: string;
  account: string;
  principals: ListedPrincipal[];
  groups: ListedGroup[];
}
