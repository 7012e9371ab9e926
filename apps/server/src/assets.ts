/**
 * The files the server serves besides its code: the bundled spec and the rendered docs site.
 * The installed package carries copies in `assets/` beside its bundled code (its build puts them
 * there); in the workspace they are read from the packages that build them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

const WORKSPACE = {
  'openapi.json': '@raas-customers/openapi/openapi.json',
  'sandbox.json': '@raas-customers/openapi/sandbox.json',
  'docs/index.html': '@raas-customers/docs/index.html',
} as const;

/** The asset's path, or undefined when it is nowhere (the docs site not built). */
export function assetPath(name: keyof typeof WORKSPACE): string | undefined {
  const packaged = fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
  if (existsSync(packaged)) return packaged;
  try {
    const inWorkspace = require.resolve(WORKSPACE[name]);
    return existsSync(inWorkspace) ? inWorkspace : undefined;
  } catch {
    return undefined;
  }
}
