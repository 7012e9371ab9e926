/** The operator CLI against a real database, and what its credentials can do on the server. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createApiClient } from './support/harness.js';
import { runCli, startServerProcess, type RunningServer } from './support/process.js';
import { sandboxCardRequest, temporaryDirectory } from '@raas-customers/test-kit';

let dir: string;
let env: Record<string, string>;
let server: RunningServer;

beforeAll(async () => {
  dir = temporaryDirectory('raas-cli-').path;
  env = { DATABASE_URL: `file:${join(dir, 'raas.db')}`, LOG_LEVEL: 'silent' };
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const issued = (stdout: string) => ({
  keyId: /key id:\s+(\S+)/.exec(stdout)?.[1] ?? '',
  key: /platform key:\s+(\S+)/.exec(stdout)?.[1] ?? '',
});

test('platforms and credentials: create, list, restrict, revoke', async () => {
  const created = await runCli(['platform', 'create', 'acme-platform'], env);
  expect(created.code).toBe(0);
  const full = issued(created.stdout);
  expect(full.key).toMatch(/^[A-Za-z0-9_-]{43}$/);

  expect((await runCli(['platform', 'create', 'acme-platform'], env)).stderr).toContain('exists already');
  expect((await runCli(['platform', 'create', 'a b'], env)).code).toBe(2);

  const readOnly = issued((await runCli(['credential', 'create', 'acme-platform', '--read-only'], env)).stdout);
  const limited = issued(
    (await runCli(['credential', 'create', 'acme-platform', '--customers', 'acme-east,acme-west', '--label', 'east and west'], env)).stdout,
  );
  const listed = await runCli(['credential', 'list', '--platform', 'acme-platform'], env);
  expect(listed.stdout).toContain(`${readOnly.keyId}\tacme-platform\tread-only; all customers; active`);
  expect(listed.stdout).toContain(`${limited.keyId}\tacme-platform\tread-write; customers: acme-east,acme-west; active`);
  // The list never shows a key, only key ids.
  for (const { key } of [full, readOnly, limited]) expect(listed.stdout).not.toContain(key);

  server = await startServerProcess(env);
  const as = (key: string) => createApiClient(server.baseUrl, { name: 'acme-platform', key });
  const body = (customerIdentifier: string) => ({ body: { customerIdentifier, displayName: 'Acme East' } });
  expect((await as(full.key).POST('/customers', body('acme-north'))).response.status).toBe(201);
  expect((await as(readOnly.key).POST('/customers', body('acme-south'))).error?.i18nKey).toBe('403.017');
  expect((await as(limited.key).POST('/customers', body('acme-south'))).error?.i18nKey).toBe('403.007');
  expect((await as(limited.key).POST('/customers', body('acme-east'))).response.status).toBe(201);

  const revoked = await runCli(['credential', 'revoke', readOnly.keyId], env);
  expect(revoked.stdout).toContain(`revoked ${readOnly.keyId}`);
  // The server reads credentials at most once per AUTH_CACHE_TTL_MS (1 s): revocation lands within it.
  const deadline = Date.now() + 3_000;
  let status = (await as(readOnly.key).GET('/customers')).response.status;
  while (Date.now() < deadline && status !== 401) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = (await as(readOnly.key).GET('/customers')).response.status;
  }
  expect(status).toBe(401);
  expect((await as(full.key).GET('/customers')).response.status).toBe(200);
  expect((await runCli(['credential', 'revoke', readOnly.keyId], env)).code).toBe(2);
  expect((await runCli(['credential', 'list'], env)).stdout).toMatch(new RegExp(`${readOnly.keyId}.*REVOKED`));
});

test('a wrong command prints the usage and exits 2', async () => {
  const result = await runCli(['platform', 'delete', 'x'], env);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('usage:');
});

test('ledger verify: every balance is the sum of its entries, and a tampered database exits 1 naming the account', async () => {
  const created = issued((await runCli(['platform', 'create', 'ledger-platform'], env)).stdout);
  // The first test's server, on the same database (started here when that test did not get to it).
  server ??= await startServerProcess(env);
  const client = createApiClient(server.baseUrl, { name: 'ledger-platform', key: created.key });
  expect(
    (await client.POST('/customers', { body: { customerIdentifier: 'ledger-customer', displayName: 'Ledger customer' } })).response.status,
  ).toBe(201);
  for (const accountIdentifier of ['ledger-from', 'ledger-to']) {
    const { response } = await client.POST('/customers/{customerIdentifier}/accounts', {
      params: { path: { customerIdentifier: 'ledger-customer' } },
      body: { accountIdentifier, displayName: `Ledger ${accountIdentifier}`, contactEmail: 'finance@acme.example' },
    });
    expect(response.status).toBe(201);
  }
  const card = await client.POST('/creditCards', {
    body: sandboxCardRequest('ledger-customer', 'ledger-from', { label: 'Ledger card' }),
  });
  const deposit = await client.POST('/creditCardDeposits', {
    body: { customerIdentifier: 'ledger-customer', accountIdentifier: 'ledger-from', creditCardToken: card.data!.token, amount: 50 },
  });
  expect(deposit.data?.status).toBe('SUCCESS');
  expect(
    (await client.POST('/transferFunds', { body: { transferFrom: 'ledger-from', transferTo: 'ledger-to', amount: 12.34 } })).response
      .status,
  ).toBe(200);

  const verified = await runCli(['ledger', 'verify'], env);
  expect(verified.code).toBe(0);
  expect(verified.stdout).toMatch(/accounts, 3 ledger entries: every balance matches/);

  // A balance changed by SQL, beside the ledger: the check names that account and exits 1.
  const { SqliteDriver } = await import('../src/store/sqlite/sqlite-driver.js');
  const driver = new SqliteDriver(env.DATABASE_URL!);
  await driver.write('UPDATE accounts SET current_balance_minor = current_balance_minor + 1 WHERE account_identifier = ?', ['ledger-to']);
  await driver.close();
  const tampered = await runCli(['ledger', 'verify'], env);
  expect(tampered.code).toBe(1);
  expect(tampered.stdout).toContain('DIFFERS\tplatform ledger-platform\taccount ledger-to\tbalance 12.35\tentries sum 12.34');
  expect(tampered.stdout).not.toContain('account ledger-from');
  expect(tampered.stdout).toMatch(/1 differ$/m);
});
