/**
 * Several stateless instances behind one PostgreSQL database: two server processes started at
 * once (migrations and provisioning race), then concurrent creates spread over both.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { migrations } from '../src/store/migrations.js';
import { basic, freshDatabase } from './support/harness.js';
import { type RunningServer, startServerProcess } from './support/process.js';

const platform = { RAAS_PLATFORM_NAME: 'multi-platform', RAAS_PLATFORM_KEY: 'h0un3e8cUIJeNZPsnwa-LJa8jvyodtXCXU2ffRf2Pbo' };
const headers = {
  authorization: basic({ name: platform.RAAS_PLATFORM_NAME, key: platform.RAAS_PLATFORM_KEY }),
  'content-type': 'application/json',
};

let database: Awaited<ReturnType<typeof freshDatabase>>;
let instances: RunningServer[];
let sql: pg.Client;

beforeAll(async () => {
  database = await freshDatabase('postgres');
  const env = { DATABASE_URL: database.url, LOG_LEVEL: 'silent', PG_POOL_MAX: '8', ...platform };
  instances = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await Promise.all((instances ?? []).map((instance) => instance.stop()));
  await database?.drop();
});

/** 400 creates of 40 identifiers (10 each), alternating between the two instances, all at once. */
async function createRace(path: (i: number) => string, body: (id: string) => object, ids: string[]) {
  const requests = Array.from({ length: 400 }, (_, i) => {
    const id = ids[i % ids.length]!;
    const instance = instances[i % 2]!;
    return fetch(`${instance.baseUrl}${path(i)}`, { method: 'POST', headers, body: JSON.stringify(body(id)) }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as { i18nKey?: string },
    }));
  });
  return Promise.all(requests);
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

test('both instances migrated one schema and share one platform', async () => {
  const applied = await sql.query('SELECT version FROM schema_migrations ORDER BY version');
  expect(applied.rows.map((row: { version: number }) => row.version)).toEqual(migrations.map((m) => m.version));
  const platforms = await sql.query('SELECT name FROM platforms');
  expect(platforms.rows).toEqual([{ name: 'multi-platform' }]);
});

test('400 concurrent creates of 40 customers: exactly 40 are 201, the rest 409.012, none 5xx', async () => {
  const ids = Array.from({ length: 40 }, (_, i) => `race-customer-${i}`);
  const results = await createRace(
    () => '/customers',
    (id) => ({ customerIdentifier: id, displayName: 'Race customer' }),
    ids,
  );
  const statuses = results.map((r) => r.status);
  expect(count(statuses, 201)).toBe(40);
  expect(count(statuses, 409)).toBe(360);
  expect(results.filter((r) => r.status === 409).every((r) => r.body.i18nKey === '409.012')).toBe(true);
  const rows = await sql.query('SELECT customer_identifier FROM customers');
  expect(rows.rowCount).toBe(40);
  expect(new Set(rows.rows.map((r: { customer_identifier: string }) => r.customer_identifier))).toEqual(new Set(ids));
});

test('400 concurrent creates of 40 accounts over several customers: exactly 40 are 201, numbers unique', async () => {
  const ids = Array.from({ length: 40 }, (_, i) => `race-account-${i}`);
  const results = await createRace(
    (i) => `/customers/race-customer-${i % 7}/accounts`,
    (id) => ({ accountIdentifier: id, displayName: `Race ${id}`, contactEmail: 'race@acme.example' }),
    ids,
  );
  const statuses = results.map((r) => r.status);
  expect(count(statuses, 201)).toBe(40);
  expect(count(statuses, 409)).toBe(360);
  expect(results.filter((r) => r.status === 409).every((r) => r.body.i18nKey === '409.018')).toBe(true);
  const rows = await sql.query('SELECT COUNT(*)::int AS n, COUNT(DISTINCT account_number)::int AS numbers FROM accounts');
  expect(rows.rows[0]).toEqual({ n: 40, numbers: 40 });
});

test('a list read through either instance returns the same items in the same order', async () => {
  const [a, b] = await Promise.all(instances.map(async (instance) => (await fetch(`${instance.baseUrl}/customers`, { headers })).json()));
  expect((a as unknown[]).length).toBe(40);
  expect(a).toEqual(b);
  const accounts = await Promise.all(instances.map(async (instance) => (await fetch(`${instance.baseUrl}/accounts`, { headers })).json()));
  expect((accounts[0] as unknown[]).length).toBe(40);
  expect(accounts[0]).toEqual(accounts[1]);
});
