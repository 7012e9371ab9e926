/** What the README shows runs: its curl session, against the built server. */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { startServerProcess } from './support/process.js';
import { temporaryDirectory } from '@raas-customers/test-kit';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('the README curl session creates a customer and accounts, funds one and moves money', async () => {
  const block = /<!-- readme-session[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- \/readme-session -->/.exec(readme)?.[1];
  expect(block).toContain('curl');
  const dir = temporaryDirectory('raas-readme-').path;
  const platform = { RAAS_PLATFORM_NAME: 'readme-platform', RAAS_PLATFORM_KEY: '_9RgWA18JHvLuavr8rit98tW_11Kg6e9Pe_9cbcCzrg' };
  const server = await startServerProcess({ DATABASE_URL: `file:${join(dir, 'raas.db')}`, LOG_LEVEL: 'silent', ...platform });
  try {
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block!], {
      env: { PATH: process.env.PATH, RAAS_URL: server.baseUrl, ...platform },
    });
    const documents = stdout
      .replace(/}\s*{/g, '}\n{')
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(documents).toHaveLength(8);
    expect(documents[0]).toMatchObject({ customerIdentifier: 'acme-retail-us', status: 'active', accounts: [] });
    expect(documents[1]).toMatchObject({ accountIdentifier: 'acme-q4-bonus', accountNumber: expect.stringMatching(/^A\d{8}$/) });
    expect(documents[2]).toMatchObject({
      customerIdentifier: 'acme-retail-us',
      accounts: [{ accountIdentifier: 'acme-q4-bonus', accountNumber: (documents[1] as { accountNumber: string }).accountNumber }],
    });
    expect(documents[3]).toMatchObject({ accountIdentifier: 'acme-q4-travel', currentBalance: 0 });
    expect(documents[4]).toMatchObject({ accountIdentifier: 'acme-q4-bonus', lastFourDigits: '1111', status: 'ACTIVE' });
    expect(documents[5]).toMatchObject({ amount: 100, amountCharged: 103.5, feePercent: 3.5, status: 'SUCCESS' });
    expect(documents[6]).toMatchObject({
      transferredAmount: 25,
      transferFrom: { accountIdentifier: 'acme-q4-bonus', startingBalance: 100, endingBalance: 75 },
      transferTo: { accountIdentifier: 'acme-q4-travel', startingBalance: 0, endingBalance: 25 },
    });
    expect(documents[7]).toMatchObject({ accountIdentifier: 'acme-q4-bonus', currentBalance: 75 });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the README operator CLI session runs as shown', async () => {
  const block = /<!-- readme-cli[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- \/readme-cli -->/.exec(readme)?.[1];
  expect(block).toContain('pnpm raas');
  const dir = temporaryDirectory('raas-readme-cli-').path;
  try {
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block!], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      env: { ...process.env, DATABASE_URL: `file:${join(dir, 'raas.db')}` },
    });
    expect(stdout).toMatch(/platform key:\s+[A-Za-z0-9_-]{43}/);
    expect(stdout).toMatch(/key_[0-9a-f]{16}\tacme-platform\tread-write; customers: acme-east,acme-west; active\tregional team/);
    expect(stdout).toMatch(/revoked key_[0-9a-f]{16}/);
    expect(stdout).toMatch(/accounts, 0 ledger entries: every balance matches/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
