/**
 * Migration 3 (unique account display names) on a database that an older version filled: it
 * refuses, names the duplicates and changes nothing; once they are renamed it applies, and the
 * database enforces the rule. On both stores, and through the process (the start fails).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { migrationSql, migrations } from '../src/store/migrations.js';
import { openStore } from '../src/store/open-store.js';
import { sqliteFilename } from '../src/store/sqlite/sqlite-store.js';
import { UniqueViolation } from '../src/domain/ports.js';
import { STORE_KINDS, type StoreKind, freshDatabase } from './support/harness.js';
import { runServerOnce } from './support/process.js';

/** Plain SQL on the database, beside the store. */
interface Connection {
  exec(sql: string): Promise<unknown[]>;
  close(): Promise<void>;
}

async function connect(kind: StoreKind, url: string): Promise<Connection> {
  if (kind === 'sqlite') {
    const db = new Database(sqliteFilename(url));
    return {
      exec: async (sql) => {
        if (/^\s*(SELECT|EXPLAIN)/i.test(sql)) return db.prepare(sql).all();
        db.exec(sql);
        return [];
      },
      close: async () => void db.close(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return { exec: async (sql) => (await client.query(sql)).rows, close: () => client.end() };
}

/** `body` on a plain connection, closed however it ends. */
async function withConnection<T>(kind: StoreKind, url: string, body: (db: Connection) => Promise<T>): Promise<T> {
  const db = await connect(kind, url);
  try {
    return await body(db);
  } finally {
    await db.close();
  }
}

/** `body` on a fresh database of `kind`, dropped however it ends. */
async function withFreshDatabase(kind: StoreKind, body: (database: { url: string }) => Promise<void>): Promise<void> {
  const database = await freshDatabase(kind);
  try {
    await body(database);
  } finally {
    await database.drop();
  }
}

/** The schema as version `upTo` left it, recorded in schema_migrations as the runner would. */
async function migrateUpTo(db: Connection, kind: StoreKind, upTo: number): Promise<void> {
  await db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  for (const migration of migrations.filter((m) => m.version <= upTo)) {
    await db.exec(migrationSql(migration, kind));
    await db.exec(`INSERT INTO schema_migrations VALUES (${migration.version}, '${migration.name}', 0)`);
  }
}

/** A database as version 2 of the schema left it, where two accounts of platform-one share a name. */
async function olderDatabaseWithDuplicates(kind: StoreKind, url: string): Promise<void> {
  await withConnection(kind, url, async (db) => {
    await migrateUpTo(db, kind, 2);
    await db.exec(`INSERT INTO platforms (id, name, created_at) VALUES (1, 'platform-one', 0), (2, 'platform-two', 0)`);
    await db.exec(`INSERT INTO customers (id, platform_id, customer_identifier, display_name, status, created_at)
      VALUES (1, 1, 'acme-one', 'Acme', 'active', 0), (2, 2, 'acme-two', 'Acme', 'active', 0)`);
    // Account ids from the table's own sequence: the store inserts more later.
    const account = (n: number, platform: number, identifier: string, name: string) =>
      `(${platform}, ${platform}, '${identifier}', 'A0000000${n}', '${name}', 'USD', 'a@acme.example', 'ACTIVE', ${n})`;
    await db.exec(`INSERT INTO accounts (platform_id, customer_id, account_identifier, account_number, display_name,
        currency_code, contact_email, status, created_at) VALUES
      ${account(1, 1, 'pool-first', 'Shared pool')}, ${account(2, 1, 'pool-second', 'Shared pool')},
      ${account(3, 1, 'pool-solo', 'Solo pool')}, ${account(4, 2, 'pool-elsewhere', 'Shared pool')}`);
  });
}

const appliedVersions = (kind: StoreKind, url: string) =>
  withConnection(kind, url, async (db) =>
    ((await db.exec('SELECT version FROM schema_migrations ORDER BY version')) as { version: number }[]).map((r) => r.version),
  );

describe.each(STORE_KINDS)('migration 3 on %s', (kind) => {
  test('duplicate account display names refuse it, named, with nothing changed; renamed, it applies and is enforced', async () => {
    await withFreshDatabase(kind, async (database) => {
      await olderDatabaseWithDuplicates(kind, database.url);
      const refusal = await openStore(database.url).then(
        async (store) => {
          await store.close();
          return undefined;
        },
        (error: unknown) => error,
      );
      // By its message: whoever opens the store may wrap the refusal, never drop what it says.
      const message = String((refusal as Error | undefined)?.message);
      expect(message).toContain('migration 3 (account display names unique per platform) refused, nothing was changed');
      expect(message).toContain('platform platform-one, account pool-first: "Shared pool"');
      expect(message).toContain('platform platform-one, account pool-second: "Shared pool"');
      // The same name on another platform, and a name held once, are no duplicates.
      expect(message).not.toContain('pool-elsewhere');
      expect(message).not.toContain('pool-solo');
      expect(await appliedVersions(kind, database.url)).toEqual([1, 2]);

      await withConnection(kind, database.url, (db) =>
        db.exec(`UPDATE accounts SET display_name = 'Second pool' WHERE account_identifier = 'pool-second'`),
      );
      const store = await openStore(database.url);
      try {
        expect(await appliedVersions(kind, database.url)).toEqual(migrations.map((m) => m.version));
        const taken = store.insertAccount(
          1,
          'acme-one',
          {
            accountIdentifier: 'pool-new',
            displayName: 'Solo pool',
            contactEmail: 'a@acme.example',
            accountNumber: 'A00000009',
            currencyCode: 'USD',
            fundingNotification: [],
            status: 'ACTIVE',
          },
          new Date(),
        );
        await expect(taken).rejects.toEqual(new UniqueViolation('accountDisplayName'));
        const renamed = store.updateAccount(1, 'pool-second', { displayName: 'Shared pool' });
        await expect(renamed).rejects.toEqual(new UniqueViolation('accountDisplayName'));
        expect((await store.findAccount(1, 'pool-second'))?.account.displayName).toBe('Second pool');
      } finally {
        await store.close();
      }
    });
  });
});

test('the server refuses to start on such a database, naming the accounts, without a stack trace', async () => {
  await withFreshDatabase('sqlite', async (database) => {
    await olderDatabaseWithDuplicates('sqlite', database.url);
    const { code, stderr } = await runServerOnce({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
    expect(code).toBe(1);
    expect(stderr).toContain('migration 3 (account display names unique per platform) refused, nothing was changed');
    expect(stderr).toContain('account pool-first: "Shared pool"');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe.each(STORE_KINDS)('a database the two-text runner migrated (%s)', (kind) => {
  test('is recognised by its versions, never migrated again, and its unique constraints still become domain errors', async () => {
    await withFreshDatabase(kind, async (database) => {
      await withConnection(kind, database.url, async (db) => {
        await db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
        for (const migration of migrations) {
          // The texts before the single one: SQLite's carried no constraint names (PostgreSQL's did).
          const text = migrationSql(migration, kind);
          await db.exec(kind === 'sqlite' ? text.replace(/CONSTRAINT \w+ /g, '') : text);
          await db.exec(`INSERT INTO schema_migrations VALUES (${migration.version}, '${migration.name}', ${migration.version})`);
        }
      });
      const store = await openStore(database.url);
      try {
        const rows = await withConnection(kind, database.url, (check) =>
          check.exec('SELECT version, name, applied_at FROM schema_migrations ORDER BY version'),
        );
        expect(rows.map((row) => ({ ...(row as object), applied_at: Number((row as { applied_at: unknown }).applied_at) }))).toEqual(
          migrations.map((m) => ({ version: m.version, name: m.name, applied_at: m.version })),
        );
        const platform = await store.createPlatform('bridge-platform', new Date());
        await expect(store.createPlatform('bridge-platform', new Date())).rejects.toEqual(new UniqueViolation('platform'));
        await store.insertCustomer(platform.id, { customerIdentifier: 'bridge-one', displayName: 'Bridge', status: 'active' }, new Date());
        await expect(
          store.insertCustomer(platform.id, { customerIdentifier: 'bridge-one', displayName: 'Bridge', status: 'active' }, new Date()),
        ).rejects.toEqual(new UniqueViolation('customer'));
        const account = {
          accountIdentifier: 'bridge-account',
          displayName: 'Bridge pool',
          contactEmail: 'b@acme.example',
          accountNumber: 'A00000001',
          currencyCode: 'USD' as const,
          fundingNotification: [],
          status: 'ACTIVE' as const,
        };
        expect((await store.insertAccount(platform.id, 'bridge-one', account, new Date()))?.currencyCode).toBe('USD');
        await expect(
          store.insertAccount(platform.id, 'bridge-one', { ...account, accountNumber: 'A00000002', displayName: 'Other' }, new Date()),
        ).rejects.toEqual(new UniqueViolation('account'));
        await expect(
          store.insertAccount(
            platform.id,
            'bridge-one',
            { ...account, accountIdentifier: 'bridge-other', displayName: 'Other' },
            new Date(),
          ),
        ).rejects.toEqual(new UniqueViolation('accountNumber'));
        await expect(
          store.insertAccount(
            platform.id,
            'bridge-one',
            { ...account, accountIdentifier: 'bridge-other', accountNumber: 'A00000003' },
            new Date(),
          ),
        ).rejects.toEqual(new UniqueViolation('accountDisplayName'));
      } finally {
        await store.close();
      }
    });
  });
});

describe.each(STORE_KINDS)('migration 6 on %s', (kind) => {
  test('card tokens become unique per platform; the cards and the deposits that reference them stay', async () => {
    await withFreshDatabase(kind, async (database) => {
      await withConnection(kind, database.url, async (db) => {
        await migrateUpTo(db, kind, 5);
        await db.exec(`INSERT INTO platforms (id, name, created_at) VALUES (1, 'platform-one', 0), (2, 'platform-two', 0)`);
        await db.exec(`INSERT INTO customers (id, platform_id, customer_identifier, display_name, status, created_at)
          VALUES (1, 1, 'acme', 'Acme', 'active', 0), (2, 2, 'acme', 'Acme', 'active', 0)`);
        await db.exec(`INSERT INTO accounts (id, platform_id, customer_id, account_identifier, account_number, display_name,
            currency_code, contact_email, status, created_at)
          VALUES (1, 1, 1, 'pool', 'A00000001', 'Pool', 'USD', 'a@acme.example', 'ACTIVE', 0),
                 (2, 2, 2, 'pool', 'A00000002', 'Pool', 'USD', 'a@acme.example', 'ACTIVE', 0)`);
        await db.exec(`INSERT INTO credit_cards (id, platform_id, account_id, token, label, last_four, expiration, status,
            created_at, activation_at) VALUES (7, 1, 1, 'tok', 'Visa', '1111', '2099-12', 'ACTIVE', 0, 0)`);
        await db.exec(`INSERT INTO deposits (platform_id, account_id, credit_card_id, reference_deposit_id, amount_minor,
            fee_minor, status, resolves_to, resolve_at, created_at) VALUES (1, 1, 7, 'RAD-1', 100, 0, 'SUCCESS', 'SUCCESS', 0, 0)`);
      });
      const store = await openStore(database.url);
      await store.close();
      expect(await appliedVersions(kind, database.url)).toEqual(migrations.map((m) => m.version));
      await withConnection(kind, database.url, async (after) => {
        expect(
          await after.exec('SELECT d.reference_deposit_id, k.token FROM deposits d JOIN credit_cards k ON k.id = d.credit_card_id'),
        ).toEqual([{ reference_deposit_id: 'RAD-1', token: 'tok' }]);
        // Another platform may hold the token; the same platform may not hold it twice.
        await after.exec(`INSERT INTO credit_cards (platform_id, account_id, token, label, last_four, expiration, status,
            created_at, activation_at) VALUES (2, 2, 'tok', 'Visa', '1111', '2099-12', 'ACTIVE', 0, 0)`);
        await expect(
          after.exec(`INSERT INTO credit_cards (platform_id, account_id, token, label, last_four, expiration, status,
            created_at, activation_at) VALUES (1, 1, 'tok', 'Visa', '1111', '2099-12', 'ACTIVE', 0, 0)`),
        ).rejects.toThrow(/unique/i);
        if (kind === 'sqlite') expect(await after.exec('SELECT * FROM pragma_foreign_key_check')).toEqual([]);
      });
    });
  });
});

/** The statements of a platform's reset and deletion (sandbox-sql.ts), each by the index migration 8 gave it. */
const PLATFORM_DELETES: Record<string, string> = {
  transfers_platform: 'DELETE FROM transfers WHERE platform_id = 1',
  ledger_entries_platform: 'DELETE FROM ledger_entries WHERE platform_id = 1',
  low_balance_alerts_platform: 'DELETE FROM low_balance_alerts WHERE platform_id = 1',
  credentials_platform_all: 'DELETE FROM credentials WHERE platform_id = 1',
  // The foreign-key checks of deleting an account and a card look these up.
  transfers_to_account: 'SELECT 1 FROM transfers WHERE to_account_id = 1',
  deposits_credit_card: 'SELECT 1 FROM deposits WHERE credit_card_id = 1',
};

describe.each(STORE_KINDS)('migration 8 on %s', (kind) => {
  test("a database of version 7 gets the indexes of a platform's reset and deletion, and its deletes use them", async () => {
    await withFreshDatabase(kind, async (database) => {
      await withConnection(kind, database.url, async (db) => {
        await migrateUpTo(db, kind, 7);
        await db.exec(`INSERT INTO platforms (id, name, created_at) VALUES (1, 'platform-one', 0)`);
      });
      const store = await openStore(database.url);
      await store.close();
      expect(await appliedVersions(kind, database.url)).toEqual(migrations.map((m) => m.version));
      await withConnection(kind, database.url, async (after) => {
        for (const [index, statement] of Object.entries(PLATFORM_DELETES)) {
          if (kind === 'sqlite') {
            const plan = (await after.exec(`EXPLAIN QUERY PLAN ${statement}`)) as { detail: string }[];
            expect(plan.map((step) => step.detail).join('; '), statement).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}\\b`));
          } else {
            // The tables are all but empty: a sequential scan would win, so the planner is told
            // not to, and the plan shows whether an index serves the statement at all.
            await after.exec('SET enable_seqscan = off');
            const plan = (await after.exec(`EXPLAIN ${statement}`)) as { 'QUERY PLAN': string }[];
            expect(plan.map((step) => step['QUERY PLAN']).join('; '), statement).toMatch(new RegExp(`\\b${index}\\b`));
          }
        }
      });
    });
  });
});

describe.each(STORE_KINDS)('migration 9 on %s', (kind) => {
  test('platform ids are never reused; the rows, the column of migration 7, the names and every foreign key stay', async () => {
    await withFreshDatabase(kind, async (database) => {
      await withConnection(kind, database.url, async (db) => {
        await migrateUpTo(db, kind, 8);
        const yes = kind === 'sqlite' ? 1 : 'true';
        const no = kind === 'sqlite' ? 0 : 'false';
        await db.exec(`INSERT INTO platforms (id, name, created_at, sandbox_throwaway)
          VALUES (1, 'platform-one', 0, ${no}), (7, 'platform-seven', 0, ${yes})`);
        if (kind === 'postgres') await db.exec(`SELECT setval('platforms_id_seq', 7)`);
        await db.exec(`INSERT INTO customers (id, platform_id, customer_identifier, display_name, status, created_at)
          VALUES (1, 7, 'acme', 'Acme', 'active', 0)`);
        await db.exec(`INSERT INTO accounts (id, platform_id, customer_id, account_identifier, account_number, display_name,
            currency_code, contact_email, status, created_at)
          VALUES (1, 7, 1, 'pool', 'A00000001', 'Pool', 'USD', 'a@acme.example', 'ACTIVE', 0)`);
        await db.exec(`INSERT INTO credentials (platform_id, key_id, key_hash, created_at) VALUES (7, 'key-seven', 'hash-seven', 0)`);
      });
      const store = await openStore(database.url);
      try {
        expect(await appliedVersions(kind, database.url)).toEqual(migrations.map((m) => m.version));
        // The rows and migration 7's mark came along; the name is still unique, as the domain knows it.
        expect((await store.listPlatforms()).map((p) => [p.id, p.name])).toEqual([
          [1, 'platform-one'],
          [7, 'platform-seven'],
        ]);
        await expect(store.createPlatform('platform-one', new Date())).rejects.toEqual(new UniqueViolation('platform'));
        expect(await store.findCustomer(7, 'acme')).toMatchObject({ customerIdentifier: 'acme' });
        // The newest platform deleted, the next one created gets a new id: after the highest ever.
        const eight = await store.createPlatform('platform-eight', new Date(), { throwAway: true });
        // (PostgreSQL's sequence also spent an id on the refused duplicate.)
        expect(eight.id).toBe(kind === 'sqlite' ? 8 : 9);
        expect(await store.deletePlatform(eight.id)).toBe('deleted');
        expect((await store.createPlatform('platform-nine', new Date())).id).toBe(eight.id + 1);
      } finally {
        await store.close();
      }
      await withConnection(kind, database.url, async (after) => {
        const flag = (await after.exec(`SELECT name, sandbox_throwaway FROM platforms ORDER BY id`)) as {
          name: string;
          sandbox_throwaway: unknown;
        }[];
        expect(flag.map((row) => [row.name, Boolean(row.sandbox_throwaway)])).toEqual([
          ['platform-one', false],
          ['platform-seven', true],
          ['platform-nine', false],
        ]);
        if (kind === 'sqlite') {
          await after.exec('PRAGMA foreign_keys = ON');
          const [table] = (await after.exec(`SELECT sql FROM sqlite_master WHERE name = 'platforms'`)) as [{ sql: string }];
          expect(table.sql).toMatch(/AUTOINCREMENT/);
          expect(table.sql).toMatch(/CONSTRAINT platforms_name_unique UNIQUE/);
          expect(await after.exec(`SELECT seq FROM sqlite_sequence WHERE name = 'platforms'`)).toEqual([{ seq: 9 }]);
          expect(await after.exec('SELECT * FROM pragma_foreign_key_check')).toEqual([]);
          expect(await after.exec(`SELECT name FROM sqlite_master WHERE sql LIKE '%platforms_rebuilt%'`)).toEqual([]);
        }
        // Every table that references platforms still does, by the rebuilt table's name.
        const children = [
          'credentials',
          'customers',
          'accounts',
          'credit_cards',
          'deposits',
          'transfers',
          'ledger_entries',
          'low_balance_alerts',
          'sandbox_platforms',
          'sandbox_faults',
          'sandbox_snapshots',
        ];
        for (const child of children) {
          if (kind === 'sqlite') {
            const keys = (await after.exec(`SELECT "table", "from" FROM pragma_foreign_key_list('${child}')`)) as {
              table: string;
              from: string;
            }[];
            expect(keys, child).toContainEqual({ table: 'platforms', from: 'platform_id' });
          } else {
            const [row] = (await after.exec(`SELECT count(*)::int AS n FROM information_schema.referential_constraints r
              JOIN information_schema.table_constraints t ON t.constraint_name = r.constraint_name
              JOIN information_schema.constraint_column_usage u ON u.constraint_name = r.unique_constraint_name
              WHERE t.table_name = '${child}' AND u.table_name = 'platforms'`)) as [{ n: number }];
            expect(row.n, child).toBe(1);
          }
        }
        await expect(
          after.exec(`INSERT INTO customers (id, platform_id, customer_identifier, display_name, status, created_at)
            VALUES (99, 8, 'orphan', 'Orphan', 'active', 0)`),
        ).rejects.toThrow(/foreign key/i);
        await expect(after.exec('DELETE FROM platforms WHERE id = 7')).rejects.toThrow(/foreign key/i);
      });
    });
  });
});
