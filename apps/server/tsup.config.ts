/**
 * The installable artifact: `dist/bundle/raas-customers.js`, one ES module holding the server,
 * the operator commands and every dependency but better-sqlite3 (a native module, installed with
 * the package from its prebuilt binaries), plus the spec and the docs site under `assets/`. So
 * `npm install` of the packed tarball needs no monorepo, no build tools, and our patch of
 * express-openapi-validator travels inside the bundle.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { defineConfig } from 'tsup';

const require = createRequire(import.meta.url);
const outDir = 'dist/bundle';

export default defineConfig({
  entry: { 'raas-customers': 'src/bin.ts' },
  outDir,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  bundle: true,
  // Everything but better-sqlite3, and pg's optional native binding (never used here).
  noExternal: [/^(?!better-sqlite3$|pg-native$)/],
  external: ['better-sqlite3', 'pg-native'],
  // CommonJS dependencies call require(): give the ES module one.
  banner: { js: "import { createRequire as __raasCreateRequire } from 'node:module'; const require = __raasCreateRequire(import.meta.url);" },
  shims: true,
  splitting: false,
  sourcemap: true,
  clean: true,
  dts: false,
  silent: true,
  onSuccess: async () => {
    mkdirSync(`${outDir}/assets`, { recursive: true });
    cpSync(require.resolve('@raas-customers/openapi/openapi.json'), `${outDir}/assets/openapi.json`);
    cpSync(dirname(require.resolve('@raas-customers/docs/index.html')), `${outDir}/assets/docs`, { recursive: true });
  },
});
