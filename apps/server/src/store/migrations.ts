/**
 * Versioned schema migrations, applied in order at start. Once released, a migration's schema is
 * never changed: a change is a new version. Each version is one text for both databases; the few
 * words that differ (`{id}`, `{bigint}`, `{boolean}`, `{false}`) come from the driver seam
 * (sql/driver.ts), and unique constraints carry the names constraints.ts translates.
 *
 * Versions 1 to 3 were first written as two texts, one per dialect; the single text renders the
 * same schema (SQLite now also records the constraint names, which it does not report), so a
 * database they migrated is recognised by its schema_migrations rows and left as it is.
 */
import { type Dialect, ddl } from './sql/driver.js';
export interface Migration {
  version: number;
  name: string;
  /**
   * Rows that the migration cannot bring along without a decision that belongs to an operator
   * (the same SQL in both dialects). Any row refuses the migration: it rolls back and the start
   * fails with `describe`'s message, naming them.
   */
  refuseWhen?: { query: string; describe(rows: Record<string, unknown>[]): string };
  /**
   * The migration, once for both dialects; or one text per dialect when they cannot share one
   * (SQLite cannot drop a constraint: it rebuilds the table).
   */
  sql: string | Record<Dialect, string>;
  /**
   * SQLite only: the migration rebuilds a table that others reference, so foreign keys are off
   * while it runs (as SQLite's documented table rebuild requires) and checked before it commits.
   */
  rebuildsTables?: boolean;
}

/** A migration's text for one database. */
export function migrationSql(migration: Migration, dialect: Dialect): string {
  return ddl(typeof migration.sql === 'string' ? migration.sql : migration.sql[dialect], dialect);
}

/** A migration that refused to run (see Migration.refuseWhen): nothing was changed. */
export class MigrationRefused extends Error {
  constructor(migration: Migration, detail: string) {
    super(`migration ${migration.version} (${migration.name}) refused, nothing was changed: ${detail}`);
    this.name = 'MigrationRefused';
  }
}

/** Throws MigrationRefused when the rows of the migration's `refuseWhen` query are not none. */
export function assertNotRefused(migration: Migration, rows: Record<string, unknown>[]): void {
  if (migration.refuseWhen && rows.length > 0) throw new MigrationRefused(migration, migration.refuseWhen.describe(rows));
}

/** Duplicate display names shown in a refusal at most (the operator fixes them and starts again). */
const LISTED_DUPLICATES = 50;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'platforms, credentials, customers and accounts',
    sql: `
      CREATE TABLE platforms (
        id {id},
        name TEXT NOT NULL CONSTRAINT platforms_name_unique UNIQUE,
        created_at {bigint} NOT NULL
      );
      CREATE TABLE credentials (
        id {id},
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        key_id TEXT NOT NULL CONSTRAINT credentials_key_id_unique UNIQUE,
        key_hash TEXT NOT NULL,
        label TEXT,
        read_only {boolean} NOT NULL DEFAULT {false},
        allowed_customers TEXT,
        created_at {bigint} NOT NULL,
        revoked_at {bigint}
      );
      CREATE INDEX credentials_platform ON credentials(platform_id) WHERE revoked_at IS NULL;
      CREATE UNIQUE INDEX credentials_key_hash_unique ON credentials(key_hash);
      CREATE TABLE customers (
        id {id},
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        customer_identifier TEXT NOT NULL,
        display_name TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at {bigint} NOT NULL,
        CONSTRAINT customers_identifier_unique UNIQUE (platform_id, customer_identifier)
      );
      CREATE TABLE accounts (
        id {id},
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        customer_id {bigint} NOT NULL REFERENCES customers(id),
        account_identifier TEXT NOT NULL,
        account_number TEXT NOT NULL CONSTRAINT accounts_number_unique UNIQUE,
        display_name TEXT NOT NULL,
        currency_code TEXT NOT NULL,
        current_balance_minor {bigint} NOT NULL DEFAULT 0,
        contact_email TEXT NOT NULL,
        funding_notification TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL,
        created_at {bigint} NOT NULL,
        CONSTRAINT accounts_identifier_unique UNIQUE (platform_id, account_identifier)
      );
      CREATE INDEX accounts_customer ON accounts(customer_id, id);
      CREATE INDEX accounts_platform ON accounts(platform_id, id);
    `,
  },
  {
    version: 2,
    name: 'list indexes in creation order, settings',
    sql: `
      CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE INDEX customers_platform_created ON customers(platform_id, created_at, id);
      CREATE INDEX customers_platform_display_name ON customers(platform_id, display_name, created_at, id);
      DROP INDEX accounts_customer;
      DROP INDEX accounts_platform;
      CREATE INDEX accounts_customer_created ON accounts(customer_id, created_at, id);
      CREATE INDEX accounts_platform_created ON accounts(platform_id, created_at, id);
      CREATE INDEX accounts_platform_display_name ON accounts(platform_id, display_name, created_at, id);
      CREATE INDEX accounts_platform_contact_email ON accounts(platform_id, contact_email, created_at, id);
    `,
  },
  {
    version: 3,
    name: 'account display names unique per platform',
    // Two accounts of a platform may already share a name. Renaming one automatically would
    // change what its integrator sees without asking, and deleting is out of the question: the
    // start fails instead, naming every pair, so that an operator renames them (a PATCH with the
    // previous version, or SQL) and starts again.
    refuseWhen: {
      query: `SELECT p.name AS platform, a.display_name AS display_name, a.account_identifier AS account_identifier
        FROM accounts a JOIN platforms p ON p.id = a.platform_id
        WHERE EXISTS (SELECT 1 FROM accounts b
          WHERE b.platform_id = a.platform_id AND b.display_name = a.display_name AND b.id <> a.id)
        ORDER BY p.name, a.display_name, a.account_identifier
        LIMIT ${LISTED_DUPLICATES + 1}`,
      describe: (rows) => {
        const shown = rows
          .slice(0, LISTED_DUPLICATES)
          .map((row) => `  platform ${row.platform}, account ${row.account_identifier}: ${JSON.stringify(row.display_name)}`);
        const more = rows.length > LISTED_DUPLICATES ? '\n  … and more' : '';
        return (
          'account display names must be unique on a platform, and these accounts share one. ' +
          `Rename all but one of each name, then start again:\n${shown.join('\n')}${more}`
        );
      },
    },
    // The unique index serves the display-name filters too: the plain one goes.
    sql: `
      DROP INDEX accounts_platform_display_name;
      CREATE UNIQUE INDEX accounts_display_name_unique ON accounts(platform_id, display_name);
    `,
  },
  {
    version: 4,
    name: 'funding: credit cards, deposits, transfers, ledger entries, low-balance alerts',
    // Amounts are minor units (cents) in {bigint}; every balance change is a ledger entry written
    // in the same transaction as accounts.current_balance_minor (migration 1), so that the
    // balance always equals the sum of its account's entries. The externalRefID indexes make a
    // duplicate racing on another instance wait for the first and then fail (409), never replay.
    // Ledger kinds: deposit, transfer_out, transfer_in; adjustment is reserved for the sandbox
    // controls (a text column, so that later kinds need no migration).
    sql: `
      CREATE TABLE credit_cards (
        id {id},
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        account_id {bigint} NOT NULL REFERENCES accounts(id),
        token TEXT NOT NULL CONSTRAINT credit_cards_token_unique UNIQUE,
        label TEXT NOT NULL,
        last_four TEXT NOT NULL,
        expiration TEXT NOT NULL,
        contact_information TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL,
        created_at {bigint} NOT NULL,
        activation_at {bigint} NOT NULL,
        deleted_at {bigint}
      );
      CREATE INDEX credit_cards_account ON credit_cards(account_id, status);
      CREATE INDEX credit_cards_platform_created ON credit_cards(platform_id, created_at, id);
      CREATE TABLE deposits (
        id {id},
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        account_id {bigint} NOT NULL REFERENCES accounts(id),
        credit_card_id {bigint} NOT NULL REFERENCES credit_cards(id),
        reference_deposit_id TEXT NOT NULL,
        amount_minor {bigint} NOT NULL,
        fee_minor {bigint} NOT NULL,
        status TEXT NOT NULL,
        resolves_to TEXT NOT NULL,
        resolve_at {bigint} NOT NULL,
        external_ref_id TEXT,
        created_at {bigint} NOT NULL,
        CONSTRAINT deposits_reference_unique UNIQUE (platform_id, reference_deposit_id),
        CONSTRAINT deposits_external_ref_unique UNIQUE (account_id, external_ref_id)
      );
      CREATE INDEX deposits_pending ON deposits(platform_id, resolve_at) WHERE status = 'PENDING';
      CREATE TABLE transfers (
        id {id},
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        from_account_id {bigint} NOT NULL REFERENCES accounts(id),
        to_account_id {bigint} NOT NULL REFERENCES accounts(id),
        amount_minor {bigint} NOT NULL,
        notes TEXT,
        external_ref_id TEXT,
        created_at {bigint} NOT NULL,
        CONSTRAINT transfers_external_ref_unique UNIQUE (from_account_id, external_ref_id)
      );
      CREATE TABLE ledger_entries (
        id {id},
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        account_id {bigint} NOT NULL REFERENCES accounts(id),
        kind TEXT NOT NULL,
        amount_minor {bigint} NOT NULL,
        balance_after_minor {bigint} NOT NULL,
        reference TEXT NOT NULL,
        created_at {bigint} NOT NULL
      );
      CREATE INDEX ledger_entries_account ON ledger_entries(account_id, id);
      CREATE TABLE low_balance_alerts (
        id {id},
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        account_id {bigint} NOT NULL REFERENCES accounts(id),
        balance_alert_id TEXT NOT NULL CONSTRAINT low_balance_alerts_id_unique UNIQUE,
        display_name TEXT NOT NULL,
        threshold_minor {bigint} NOT NULL,
        notification TEXT NOT NULL DEFAULT '[]',
        created_at {bigint} NOT NULL,
        CONSTRAINT low_balance_alerts_threshold_unique UNIQUE (account_id, threshold_minor)
      );
      CREATE INDEX low_balance_alerts_account ON low_balance_alerts(account_id, created_at, id);
    `,
  },
  {
    version: 5,
    name: 'sandbox controls: clocks and rate limits, fault rules, snapshots',
    sql: `
      CREATE TABLE sandbox_platforms (
        platform_id {bigint} PRIMARY KEY REFERENCES platforms(id),
        clock_offset_ms {bigint} NOT NULL DEFAULT 0,
        requests_per_second {bigint} NOT NULL DEFAULT 0,
        last_request_at {bigint} NOT NULL DEFAULT 0
      );
      CREATE TABLE sandbox_faults (
        id {id},
        fault_id TEXT NOT NULL CONSTRAINT sandbox_faults_fault_id_unique UNIQUE,
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        operation_id TEXT NOT NULL,
        times {bigint},
        remaining {bigint},
        probability DOUBLE PRECISION NOT NULL,
        seed {bigint} NOT NULL,
        matched {bigint} NOT NULL DEFAULT 0,
        answer TEXT NOT NULL,
        created_at {bigint} NOT NULL
      );
      CREATE INDEX sandbox_faults_platform ON sandbox_faults(platform_id, operation_id, id);
      CREATE TABLE sandbox_snapshots (
        id {id},
        snapshot_id TEXT NOT NULL CONSTRAINT sandbox_snapshots_snapshot_id_unique UNIQUE,
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        data TEXT NOT NULL,
        created_at {bigint} NOT NULL
      );
      CREATE INDEX sandbox_snapshots_platform ON sandbox_snapshots(platform_id, snapshot_id);
    `,
  },
  {
    version: 6,
    name: 'card tokens unique per platform',
    // Every card lookup is scoped to its platform: a token unique across platforms only let one
    // platform's sandbox fixture collide with (and learn of) another's card.
    rebuildsTables: true,
    sql: {
      postgres: `
        ALTER TABLE credit_cards DROP CONSTRAINT credit_cards_token_unique;
        ALTER TABLE credit_cards ADD CONSTRAINT credit_cards_platform_token_unique UNIQUE (platform_id, token);
      `,
      // SQLite's documented rebuild: the new table, its rows, the old one dropped, the new renamed
      // (deposits' reference to credit_cards then names it), its indexes again.
      sqlite: `
        CREATE TABLE credit_cards_rebuilt (
        id {id},
        platform_id {bigint} NOT NULL REFERENCES platforms(id),
        account_id {bigint} NOT NULL REFERENCES accounts(id),
        token TEXT NOT NULL,
        label TEXT NOT NULL,
        last_four TEXT NOT NULL,
        expiration TEXT NOT NULL,
        contact_information TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL,
        created_at {bigint} NOT NULL,
        activation_at {bigint} NOT NULL,
        deleted_at {bigint},
        CONSTRAINT credit_cards_platform_token_unique UNIQUE (platform_id, token)
        );
        INSERT INTO credit_cards_rebuilt (id, platform_id, account_id, token, label, last_four, expiration,
          contact_information, status, created_at, activation_at, deleted_at)
        SELECT id, platform_id, account_id, token, label, last_four, expiration,
          contact_information, status, created_at, activation_at, deleted_at FROM credit_cards;
        DROP TABLE credit_cards;
        ALTER TABLE credit_cards_rebuilt RENAME TO credit_cards;
        CREATE INDEX credit_cards_account ON credit_cards(account_id, status);
        CREATE INDEX credit_cards_platform_created ON credit_cards(platform_id, created_at, id);
      `,
    },
  },
  {
    version: 7,
    name: 'sandbox throw-away platforms marked',
    // A throw-away platform's keys travel through test output and CI logs: in production mode
    // they are refused like any unknown credential.
    sql: `ALTER TABLE platforms ADD COLUMN sandbox_throwaway {boolean} NOT NULL DEFAULT {false};`,
  },
  {
    version: 8,
    name: 'indexes for the reset and deletion of a platform',
    // A reset deletes the platform's rows table by table, a deletion its set-up and its row too,
    // and each parent row deleted has its children looked up (the foreign keys): without these,
    // each walked the whole table, every platform's rows. The other tables had an index led by
    // platform_id already; credentials' was partial (active keys only), which a deletion of all
    // of them cannot use; a transfer's destination and a deposit's card had none. IF NOT EXISTS:
    // an operator who built one ahead of the upgrade (CONCURRENTLY, on PostgreSQL) keeps it.
    sql: `
      CREATE INDEX IF NOT EXISTS transfers_platform ON transfers(platform_id);
      CREATE INDEX IF NOT EXISTS transfers_to_account ON transfers(to_account_id);
      CREATE INDEX IF NOT EXISTS ledger_entries_platform ON ledger_entries(platform_id);
      CREATE INDEX IF NOT EXISTS low_balance_alerts_platform ON low_balance_alerts(platform_id);
      CREATE INDEX IF NOT EXISTS credentials_platform_all ON credentials(platform_id);
      CREATE INDEX IF NOT EXISTS deposits_credit_card ON deposits(credit_card_id);
    `,
  },
  {
    version: 9,
    name: 'platform ids never reused',
    // SQLite's INTEGER PRIMARY KEY gives a new row the highest id plus one: once the newest
    // platform was deleted, the next one created got its id, and a request of the deleted
    // platform still in flight (authenticated, its body still arriving, a list still streaming)
    // acted on the new one. AUTOINCREMENT never hands out an id twice; PostgreSQL's BIGSERIAL
    // never did, so there the migration changes nothing.
    rebuildsTables: true,
    sql: {
      postgres: 'SELECT 1;',
      // SQLite's documented rebuild (migration 6): the new table with the same constraint names
      // and migration 7's column, its rows (their explicit ids set sqlite_sequence to the highest
      // of them: the ids of platforms deleted before, above it, left no trace to continue after),
      // the old one dropped, the new renamed, so that every foreign key naming platforms names it.
      sqlite: `
        CREATE TABLE platforms_rebuilt (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL CONSTRAINT platforms_name_unique UNIQUE,
          created_at {bigint} NOT NULL,
          sandbox_throwaway {boolean} NOT NULL DEFAULT {false}
        );
        INSERT INTO platforms_rebuilt (id, name, created_at, sandbox_throwaway)
        SELECT id, name, created_at, sandbox_throwaway FROM platforms;
        DROP TABLE platforms;
        ALTER TABLE platforms_rebuilt RENAME TO platforms;
      `,
    },
  },
];
