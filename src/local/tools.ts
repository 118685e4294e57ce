// Paths of the tools scripts/bootstrap.js provides; each is provided (built or downloaded) the first
// time something asks for it, and only then.
import path from 'node:path';

interface Entry {
  path: string | null;
}

interface Bootstrap {
  tools(names: string[]): Promise<Record<string, Entry | undefined>>;
}

const cached = new Map<string, Promise<string | null>>();

function toolPath(name: 'temporal' | 'moto' | 'testServer'): Promise<string | null> {
  let found = cached.get(name);
  if (!found) {
    found = (async () => {
      // Plain JS so that it runs before anything is built; resolved from the repository root.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const bootstrap = require(path.resolve(__dirname, '../../../scripts/bootstrap.js')) as Bootstrap;
      const manifest = await bootstrap.tools([name]);
      return manifest[name]?.path ?? null;
    })();
    cached.set(name, found);
  }
  return found;
}

/** The Temporal CLI; null when it could not be built here (no Go), so the SDK downloads a dev server. */
export function temporalCli(): Promise<string | null> {
  return toolPath('temporal');
}

/** moto's server (bootstrap fails with what to install when Python is missing). */
export async function motoServer(): Promise<string> {
  const found = await toolPath('moto');
  if (!found) throw new Error('moto is not installed: run `npm run bootstrap -- moto`');
  return found;
}

/** The Java time-skipping test server's wrapper; null when the SDK is to download its own. */
export function testServer(): Promise<string | null> {
  return toolPath('testServer');
}
