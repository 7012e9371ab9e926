/**
 * Everything the server ships is under a permissive licence from the allow-list below, so it can
 * be shipped and self-hosted without copyleft obligations: the packages inside its bundle (as the
 * build lists them from esbuild's metafile, with their licence texts in THIRD-PARTY-LICENSES.md)
 * and the installed package's dependencies (`pnpm licenses list --prod`, offline). Printed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

/**
 * The permissive licences we accept, and why each is fine to ship:
 * - MIT, ISC, 0BSD, BSD-2-Clause, BSD-3-Clause: keep the notice; nothing else asked (most of the
 *   tree: express, pg, pino, zod, ajv..., and qs, fast-uri, ieee754 under BSD-3-Clause).
 * - Apache-2.0: permissive with an explicit patent grant; keep NOTICE files (detect-libc,
 *   tunnel-agent, via better-sqlite3's install tooling).
 * - BlueOak-1.0.0: a modern permissive licence (common in the npm tooling tree).
 * - CC0-1.0, Unlicense: public-domain dedications, no conditions.
 * - Python-2.0: the PSF licence, permissive and GPL-compatible (argparse, a port of Python's
 *   module, via js-yaml from express-openapi-validator).
 * An SPDX expression is accepted when every `AND` term has an allowed `OR` alternative: e.g.
 * expand-template is "(MIT OR WTFPL)" and rc is "(BSD-2-Clause OR MIT OR Apache-2.0)"; we take MIT.
 */
const ALLOWED = new Set([
  'MIT',
  'ISC',
  '0BSD',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'CC0-1.0',
  'Unlicense',
  'Python-2.0',
]);

/** Whether an SPDX expression (with OR, AND and parentheses, no WITH exceptions) is satisfied by the allow-list. */
function permitted(expression: string): boolean {
  const tokens = expression
    .replace(/[()]/g, (p) => ` ${p} `)
    .trim()
    .split(/\s+/);
  let at = 0;
  const orExpr = (): boolean => {
    let ok = andExpr();
    while (tokens[at] === 'OR') {
      at++;
      ok = andExpr() || ok;
    }
    return ok;
  };
  const andExpr = (): boolean => {
    let ok = term();
    while (tokens[at] === 'AND') {
      at++;
      ok = term() && ok;
    }
    return ok;
  };
  const term = (): boolean => {
    const token = tokens[at++];
    if (token === '(') {
      const ok = orExpr();
      at++; // ')'
      return ok;
    }
    return token !== undefined && ALLOWED.has(token);
  };
  const ok = orExpr();
  return ok && at === tokens.length;
}

interface LicensedPackage {
  name: string;
  versions: string[];
  license: string;
}

test('every package the server ships has a permissive licence', () => {
  const serverDir = fileURLToPath(new URL('..', import.meta.url));
  const output = execFileSync('pnpm', ['licenses', 'list', '--prod', '--json'], {
    cwd: serverDir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const byLicence = JSON.parse(output) as Record<string, LicensedPackage[]>;
  const installed = Object.entries(byLicence).flatMap(([licence, list]) => list.map((p) => ({ ...p, licence })));
  const bundled = (
    JSON.parse(readFileSync(`${serverDir}/dist/bundle/third-party.json`, 'utf8')) as { name: string; version: string; license: string }[]
  ).map((p) => ({ name: p.name, versions: [p.version], licence: p.license }));
  expect(bundled.map((p) => p.name)).toEqual(expect.arrayContaining(['express', 'express-openapi-validator', 'pg', 'pino', 'zod']));
  expect(installed.map((p) => p.name)).toContain('better-sqlite3');
  const packages = [...bundled, ...installed];
  console.log(
    `${packages.length} production packages:\n` +
      packages
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((p) => `  ${p.name}@${p.versions.join(', ')}  ${p.licence}`)
        .join('\n'),
  );
  expect(packages.length).toBeGreaterThan(10);
  expect(packages.filter((p) => !permitted(p.licence)).map((p) => `${p.name}: ${p.licence}`)).toEqual([]);
});

test('the licence expression check itself', () => {
  expect(permitted('MIT')).toBe(true);
  expect(permitted('(MIT OR WTFPL)')).toBe(true);
  expect(permitted('(BSD-2-Clause OR MIT OR Apache-2.0)')).toBe(true);
  expect(permitted('GPL-3.0-only')).toBe(false);
  expect(permitted('(GPL-2.0 OR LGPL-3.0)')).toBe(false);
  expect(permitted('(MIT AND GPL-3.0)')).toBe(false);
  expect(permitted('(MIT AND (ISC OR GPL-3.0))')).toBe(true);
  expect(permitted('UNKNOWN')).toBe(false);
  expect(permitted('')).toBe(false);
});
