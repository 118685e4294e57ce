// Paths of the tools scripts/bootstrap.js provides (it runs the bootstrap if it has not run yet).
import path from 'node:path';

export interface ToolPaths {
  temporal: string | null;
  moto: string;
  testServer: string | null;
}

interface Manifest {
  temporal: { path: string | null };
  moto: { path: string };
  testServer: { path: string | null };
}

let cached: Promise<ToolPaths> | undefined;

export function toolPaths(): Promise<ToolPaths> {
  cached ??= (async () => {
    // Plain JS so that it runs before anything is built; resolved from the repository root.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bootstrap = require(path.resolve(__dirname, '../../../scripts/bootstrap.js')) as { tools(): Promise<Manifest> };
    const manifest = await bootstrap.tools();
    return { temporal: manifest.temporal.path, moto: manifest.moto.path, testServer: manifest.testServer.path };
  })();
  return cached;
}
