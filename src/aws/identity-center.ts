// The worker's IAM Identity Center instance as the procedures use it: its clients (with the
// instance's call budget), the directory of its identity store's users and groups, and the directory
// of its permission sets. One per process, made from the worker's configuration.
import type { IdentityCenterSettings } from '../core/identity-center';
import { IdentityCenterClients, type IdentityCenterClientOptions } from './identity-center-client';
import { IdentityDirectory, type IdentityDirectoryOptions } from './identities';
import { PermissionSetDirectory } from './permission-sets';

export interface IdentityCenter {
  clients: IdentityCenterClients;
  identities: IdentityDirectory;
  permissionSets: PermissionSetDirectory;
}

export function createIdentityCenter(
  settings: IdentityCenterSettings,
  options: IdentityCenterClientOptions & { identities?: IdentityDirectoryOptions } = {},
): IdentityCenter {
  const clients = new IdentityCenterClients(settings, options);
  return { clients, identities: new IdentityDirectory(clients, options.identities), permissionSets: new PermissionSetDirectory(clients) };
}
