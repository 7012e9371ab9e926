/**
 * The installable artifact: `dist/bundle/raas-customers.js`, one ES module holding the server,
 * the operator commands and every dependency but better-sqlite3 (a native module, installed with
 * the package from its prebuilt binaries), plus the spec and the docs site under `assets/`. So
 * `npm install` of the packed tarball needs no monorepo, no build tools, and our patch of
 * express-openapi-validator travels inside the bundle.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
  banner: {
    js: "import { createRequire as __raasCreateRequire } from 'node:module'; const require = __raasCreateRequire(import.meta.url);",
  },
  shims: true,
  splitting: false,
  sourcemap: true,
  clean: true,
  dts: false,
  silent: true,
  metafile: true,
  onSuccess: async () => {
    mkdirSync(`${outDir}/assets`, { recursive: true });
    cpSync(require.resolve('@raas-customers/openapi/openapi.json'), `${outDir}/assets/openapi.json`);
    cpSync(require.resolve('@raas-customers/openapi/sandbox.json'), `${outDir}/assets/sandbox.json`);
    cpSync(dirname(require.resolve('@raas-customers/docs/index.html')), `${outDir}/assets/docs`, { recursive: true });
    writeThirdPartyNotices();
  },
});

/**
 * The bundle carries other people's code, so it carries their licences: THIRD-PARTY-LICENSES.md
 * beside it, and third-party.json (name, version, licence of every bundled package) for the
 * licence test. Both come from esbuild's metafile: exactly what went into the bundle.
 */
function writeThirdPartyNotices(): void {
  const metafile = `${outDir}/metafile-esm.json`;
  const { inputs } = JSON.parse(readFileSync(metafile, 'utf8')) as { inputs: Record<string, unknown> };
  renameSync(metafile, 'dist/bundle-metafile.json');
  const roots = new Set<string>();
  for (const input of Object.keys(inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) roots.add(match[1]);
  }
  const packages = [...roots]
    .map((root) => {
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
        license?: string;
        licenses?: { type: string }[];
      };
      // The old `licenses` array (busboy, streamsearch) means any one of them: an OR.
      const license = manifest.license ?? (manifest.licenses?.length ? manifest.licenses.map((l) => l.type).join(' OR ') : 'UNKNOWN');
      const licenceFile = existsSync(root) ? readdirSync(root).find((file) => /^(licen[cs]e|copying)/i.test(file)) : undefined;
      return {
        name: manifest.name,
        version: manifest.version,
        license,
        text: licenceFile ? readFileSync(join(root, licenceFile), 'utf8') : '',
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  writeFileSync(
    `${outDir}/third-party.json`,
    `${JSON.stringify(
      packages.map(({ text, ...rest }) => rest),
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    `${outDir}/THIRD-PARTY-LICENSES.md`,
    `# Third-party software in this bundle\n\n${packages
      .map((p) => `## ${p.name}@${p.version} (${p.license})\n\n${p.text.trim() || '(no licence file in the package)'}\n`)
      .join('\n')}`,
  );
}
