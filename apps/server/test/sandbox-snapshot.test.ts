/**
 * A snapshot is one moment of the platform, even while the platform changes: on PostgreSQL a
 * write committed between the snapshot's SELECTs must not show in the later ones (READ COMMITTED
 * would let it: an account whose customer the snapshot lacks, which no restore could write). And
 * data whose rows name a parent it does not hold is refused by name, not a NOT NULL failure.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PostgresDriver } from '../src/store/postgres/postgres-driver.js';
import { InconsistentPlatformData, SandboxSql } from '../src/store/sandbox-sql.js';
import type { SqlDriver, TxBody, TxOptions } from '../src/store/sql/driver.js';
import { freshDatabase } from './support/harness.js';
import type { TemporaryDatabase } from '@raas-customers/test-kit';

const LOCK = 4_242_001;
let database: TemporaryDatabase;
let driver: PostgresDriver;
let other: pg.Client;

beforeAll(async () => {
  database = await freshDatabase('postgres');
  driver = await PostgresDriver.open(database.url, { poolMax: 4, connectTimeoutMs: 2000, queryTimeoutMs: 10_000 });
  other = new pg.Client({ connectionString: database.url });
  await other.connect();
  await other.query(`INSERT INTO platforms (id, name, created_at) VALUES (1, 'platform-one', 0)`);
  await other.query(`INSERT INTO customers (id, platform_id, customer_identifier, display_name, status, created_at)
    VALUES (1, 1, 'acme', 'Acme', 'active', 0)`);
});
afterAll(async () => {
  await other?.end();
  await driver?.close();
  await database?.drop();
});

/**
 * The driver, its transactions paused after their first statement until `LOCK` is free (an
 * advisory lock the other connection holds while it writes).
 */
function pausedAfterFirstStatement(inner: SqlDriver): SqlDriver {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'transaction') return Reflect.get(target, property, receiver);
      return <T>(body: TxBody<T>, options?: TxOptions) =>
        target.transaction(function* () {
          const steps = body();
          let step = steps.next(undefined as never);
          let first = true;
          while (!step.done) {
            const result = yield step.value;
            if (first) {
              first = false;
              yield { sql: 'SELECT pg_advisory_xact_lock(?)', values: [LOCK] };
            }
            step = steps.next(result);
          }
          return step.value;
        }, options);
    },
  });
}

test('a write committed while a snapshot is taken is in none of its tables, and the snapshot restores', async () => {
  await other.query('SELECT pg_advisory_lock($1)', [LOCK]);
  const sandbox = new SandboxSql(pausedAfterFirstStatement(driver));
  const taking = sandbox.takeSnapshot(1, '00000000-0000-4000-8000-000000000001', new Date(0));
  // Once the snapshot waits on the lock (it has read the customers), a customer and its account arrive.
  for (;;) {
    const { rows } = await other.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted AND pid <> pg_backend_pid()`,
      [LOCK],
    );
    if (rows.length > 0) break;
  }
  await other.query(`INSERT INTO customers (id, platform_id, customer_identifier, display_name, status, created_at)
    VALUES (2, 1, 'globex', 'Globex', 'active', 0)`);
  await other.query(`INSERT INTO accounts (platform_id, customer_id, account_identifier, account_number, display_name,
      currency_code, contact_email, status, created_at)
    VALUES (1, 2, 'globex-pool', 'A00000002', 'Globex pool', 'USD', 'ap@globex.example', 'ACTIVE', 0)`);
  await other.query('SELECT pg_advisory_unlock($1)', [LOCK]);
  expect(await taking).toMatchObject({ customers: 1, accounts: 0 });
  const restored = await new SandboxSql(driver).restoreSnapshot(1, '00000000-0000-4000-8000-000000000001');
  expect(restored?.rows).toMatchObject({ customers: 1, accounts: 0 });
});

test('a snapshot whose account names a customer it lacks is refused by name, and the platform is left as it was', async () => {
  const data = {
    customers: [],
    accounts: [
      {
        id: 9,
        customer_id: 99,
        account_identifier: 'orphan',
        account_number: 'A00000009',
        display_name: 'Orphan',
        currency_code: 'USD',
        current_balance_minor: 0,
        contact_email: 'a@b.example',
        funding_notification: '[]',
        status: 'ACTIVE',
        created_at: 0,
      },
    ],
  };
  await other.query(`INSERT INTO sandbox_snapshots (snapshot_id, platform_id, data, created_at) VALUES ($1, 1, $2, 0)`, [
    '00000000-0000-4000-8000-000000000002',
    JSON.stringify(data),
  ]);
  const restoring = new SandboxSql(driver).restoreSnapshot(1, '00000000-0000-4000-8000-000000000002');
  await expect(restoring).rejects.toBeInstanceOf(InconsistentPlatformData);
  await expect(restoring).rejects.toThrow('accounts.customer_id 99 names no row of customers');
  const { rows } = await other.query('SELECT customer_identifier FROM customers WHERE platform_id = 1 ORDER BY id');
  expect(rows.map((row: { customer_identifier: string }) => row.customer_identifier)).toEqual(['acme']);
});

test("a restored transfer's ledger entries name the restored transfer (its id is new), an adjustment's free text stays", async () => {
  await other.query('DELETE FROM sandbox_snapshots');
  await new SandboxSql(driver).resetPlatform(1);
  await other.query(`INSERT INTO customers (id, platform_id, customer_identifier, display_name, status, created_at)
    VALUES (10, 1, 'acme', 'Acme', 'active', 0)`);
  await other.query(`INSERT INTO accounts (id, platform_id, customer_id, account_identifier, account_number, display_name,
      currency_code, contact_email, status, created_at, current_balance_minor)
    VALUES (10, 1, 10, 'from', 'A00000010', 'From', 'USD', 'a@acme.example', 'ACTIVE', 0, 95),
           (11, 1, 10, 'to', 'A00000011', 'To', 'USD', 'a@acme.example', 'ACTIVE', 0, 5)`);
  await other.query(`INSERT INTO transfers (id, platform_id, from_account_id, to_account_id, amount_minor, created_at)
    VALUES (10, 1, 10, 11, 5, 0)`);
  await other.query(`INSERT INTO ledger_entries (platform_id, account_id, kind, amount_minor, balance_after_minor, reference, created_at)
    VALUES (1, 10, 'adjustment', 100, 100, 'transfer 10', 0), (1, 10, 'transfer_out', -5, 95, 'transfer 10', 0),
           (1, 11, 'transfer_in', 5, 5, 'transfer 10', 0)`);
  const sandbox = new SandboxSql(driver);
  await sandbox.takeSnapshot(1, '00000000-0000-4000-8000-000000000003', new Date(0));
  await sandbox.restoreSnapshot(1, '00000000-0000-4000-8000-000000000003');
  const [transfer] = (await other.query('SELECT id FROM transfers WHERE platform_id = 1')).rows as { id: string }[];
  expect(Number(transfer!.id)).not.toBe(10);
  const { rows } = await other.query('SELECT kind, reference FROM ledger_entries WHERE platform_id = 1 ORDER BY id');
  expect(rows).toEqual([
    { kind: 'adjustment', reference: 'transfer 10' },
    { kind: 'transfer_out', reference: `transfer ${transfer!.id}` },
    { kind: 'transfer_in', reference: `transfer ${transfer!.id}` },
  ]);
});
