/**
 * The package as an integrator gets it: the packed tarball installed into a scratch project
 * outside the workspace, whose TypeScript (the README's example) type-checks under strict
 * settings and runs against a live server, once as an ES module and once as CommonJS.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const serverMain = fileURLToPath(new URL('../../../apps/server/dist/main.js', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
const example = /<!-- example[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];

const platform = { RAAS_PLATFORM_NAME: 'consumer-platform', RAAS_PLATFORM_KEY: 'ujzUyGKBMQq279OGY4WJYrtvrzoMHqdyOoJIzLKrmk0' };
let work: string;
let tarball: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'raas-client-consumer-'));
  execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: packageDir, stdio: 'pipe' });
  const packed = readdirSync(work).find((file) => file.endsWith('.tgz'));
  if (!packed) throw new Error('pnpm pack produced no tarball');
  tarball = join(work, packed);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function startServer(databaseFile: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, [serverMain], {
    env: { PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `file:${databaseFile}`, ...platform },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, baseUrl };
}

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

    const server = await startServer(join(project, 'raas.db'));
    try {
      const stdout = execFileSync(process.execPath, ['example.js'], {
        cwd: project,
        env: { PATH: process.env.PATH, RAAS_URL: server.baseUrl, ...platform },
        encoding: 'utf8',
      });
      expect(stdout).toMatch(/^customer acme-retail-us request [0-9a-f-]{36}$/m);
      expect(stdout).toMatch(/^account A\d{8}$/m);
      expect(stdout).toMatch(/^missing 404 404\.016$/m);
    } finally {
      server.child.kill('SIGTERM');
    }
  });
});
