/**
 * The package as an integrator gets it: the packed tarball installed into a scratch project
 * outside the workspace, whose TypeScript (the README's example) type-checks under strict
 * settings and runs against a live server, once as an ES module and once as CommonJS.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startProcess, temporaryDirectory } from '@raas-customers/test-kit';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const serverMain = fileURLToPath(new URL('../../../apps/server/dist/main.js', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
const example = /<!-- example[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];

const platform = { RAAS_PLATFORM_NAME: 'consumer-platform', RAAS_PLATFORM_KEY: 'ujzUyGKBMQq279OGY4WJYrtvrzoMHqdyOoJIzLKrmk0' };
let work: string;
let tarball: string;

beforeAll(() => {
  work = temporaryDirectory('raas-client-consumer-').path;
  execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: packageDir, stdio: 'pipe' });
  const packed = readdirSync(work).find((file) => file.endsWith('.tgz'));
  if (!packed) throw new Error('pnpm pack produced no tarball');
  tarball = join(work, packed);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(['module', 'commonjs'] as const)('installed from the tarball, as %s', (moduleType) => {
  test('the README example type-checks strictly and runs against a live server', async () => {
    expect(example).toContain('createRaasClient');
    const project = join(work, moduleType);
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: `scratch-${moduleType}`,
        private: true,
        type: moduleType,
        dependencies: { '@raas-customers/client': `file:${tarball}` },
        devDependencies: { '@types/node': '24.19.4' },
      }),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: false,
          types: ['node'],
        },
        files: ['example.ts'],
      }),
    );
    writeFileSync(join(project, 'example.ts'), example!);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: project,
      stdio: 'pipe',
    });
    // The example is outside the workspace: it resolves the installed package, not the sources.
    execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, stdio: 'pipe' });
    const compiled = readFileSync(join(project, 'example.js'), 'utf8');
    expect(compiled).toMatch(moduleType === 'module' ? /from '@raas-customers\/client'/ : /require\("@raas-customers\/client"\)/);

    // The server as a process, started from its build; its banner on stderr says where it listens.
    const server = await startProcess({
      name: 'server',
      args: [serverMain],
      env: { PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `file:${join(project, 'raas.db')}`, ...platform },
    });
    try {
      const stdout = execFileSync(process.execPath, ['example.js'], {
        cwd: project,
        env: { PATH: process.env.PATH, RAAS_URL: server.url, ...platform },
        encoding: 'utf8',
      });
      expect(stdout).toMatch(/^customer acme-retail-us request [0-9a-f-]{36}$/m);
      expect(stdout).toMatch(/^account A\d{8}$/m);
      expect(stdout).toMatch(/^missing 404 404\.016$/m);
      // The second account does not exist: the transfer is refused before any money moves.
      expect(stdout).toMatch(/^transfer 404 404\.016$/m);
    } finally {
      await server.stop();
    }
  });
});
