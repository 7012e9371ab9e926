import Database from 'better-sqlite3';
import type { Account, CreateCustomerCriteria, Customer, UpdateAccountCriteria } from '../../domain/model.js';
import { assertNotRefused, migrations } from '../migrations.js';
import { GroupCommit } from './group-commit.js';
import {
  ACCOUNT_COLUMNS,
  CUSTOMER_COLUMNS,
  type Query,
  accountWindowQuery,
  accountsOfCustomersQuery,
  customerWindowQuery,
  sqlitePlaceholder,
} from '../list-sql.js';
import {
  type AccountRow,
  type CredentialRow,
  type CustomerRow,
  customersWithAccounts,
  iso,
  toAccount,
  toCredentialInfo,
  toCustomer,
  inCreationOrder,
  positionedAccount,
  positionedCustomers,
  toStoredCredential,
} from '../rows.js';
import {
  type AccountFilters,
  type CredentialInfo,
  type CustomerFilters,
  type CustomerScope,
  type ListWindow,
  type Positioned,
  type NewAccount,
  type NewCredential,
  type Platform,
  type Store,
  type StoredCredential,
  UniqueViolation,
} from '../store.js';

/** Turns SQLite's unique-constraint failure into the store's UniqueViolation. */
function uniqueTarget(error: unknown): UniqueViolation | undefined {
  if (!(error instanceof Database.SqliteError) || error.code !== 'SQLITE_CONSTRAINT_UNIQUE') return undefined;
  if (error.message.includes('accounts.account_number')) return new UniqueViolation('accountNumber');
  if (error.message.includes('accounts.account_identifier')) return new UniqueViolation('account');
  if (error.message.includes('accounts.display_name')) return new UniqueViolation('accountDisplayName');
  if (error.message.includes('customers.customer_identifier')) return new UniqueViolation('customer');
  if (error.message.includes('credentials.key_id')) return new UniqueViolation('keyId');
  if (error.message.includes('credentials.key_hash')) return new UniqueViolation('keyHash');
  if (error.message.includes('platforms.name')) return new UniqueViolation('platform');
  return undefined;
}

function rethrowUnique(error: unknown): never {
  throw uniqueTarget(error) ?? error;
}

/** Parses `file:…`, a plain path, or `:memory:` into what better-sqlite3 opens. */
export function sqliteFilename(databaseUrl: string): string {
  if (databaseUrl === ':memory:' || databaseUrl === 'file::memory:') return ':memory:';
  if (databaseUrl.startsWith('file://')) return new URL(databaseUrl).pathname;
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length);
  return databaseUrl;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  readonly #statements;
  readonly #windowStatements = new Map<string, Database.Statement>();
  readonly #writes: GroupCommit;

  /** `onStatement` sees every SQL statement run (tests count them). */
  constructor(databaseUrl: string, options: { onStatement?: (sql: string) => void } = {}) {
    const filename = sqliteFilename(databaseUrl);
    this.#db = new Database(filename, options.onStatement ? { verbose: (sql) => options.onStatement?.(String(sql)) } : {});
    // WAL lets readers run beside the writer; FULL fsyncs every commit so an acknowledged
    // 201 survives a power cut, not only a process crash.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    this.#migrate();
    this.#statements = this.#prepare();
    this.#writes = new GroupCommit(this.#db);
  }

  #migrate(): void {
    const db = this.#db;
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    const apply = db.transaction((migration: (typeof migrations)[number]) => {
      if (migration.refuseWhen) assertNotRefused(migration, db.prepare(migration.refuseWhen.query).all() as Record<string, unknown>[]);
      db.exec(migration.sqlite);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    });
    for (const migration of migrations) {
      if (!applied.has(migration.version)) apply.immediate(migration);
    }
  }

  #prepare() {
    const db = this.#db;
    return {
      ping: db.prepare('SELECT 1').pluck(),
      insertPlatform: db.prepare('INSERT INTO platforms (name, created_at) VALUES (?, ?)'),
      findPlatform: db.prepare('SELECT id, name, created_at FROM platforms WHERE name = ?'),
      listPlatforms: db.prepare('SELECT id, name, created_at FROM platforms ORDER BY id'),
      insertCredential: db.prepare(`INSERT INTO credentials
        (platform_id, key_id, key_hash, label, read_only, allowed_customers, created_at)
        VALUES (@platformId, @keyId, @keyHash, @label, @readOnly, @allowedCustomers, @createdAt)`),
      listCredentials: db.prepare(`SELECT k.*, p.name AS platform_name FROM credentials k
        JOIN platforms p ON p.id = k.platform_id WHERE (@platformName IS NULL OR p.name = @platformName)
        ORDER BY k.id`),
      activeCredentials: db.prepare(`SELECT k.*, p.name AS platform_name FROM credentials k
        JOIN platforms p ON p.id = k.platform_id WHERE p.name = ? AND k.revoked_at IS NULL`),
      revokeCredential: db.prepare('UPDATE credentials SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL'),
      insertCustomer: db.prepare(`INSERT INTO customers
        (platform_id, customer_identifier, display_name, status, created_at) VALUES (?, ?, ?, 'active', ?)
        RETURNING id, customer_identifier, display_name, status, created_at`),
      findCustomer: db.prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers c
        WHERE c.platform_id = ? AND c.customer_identifier = ?`),
      insertSetting: db.prepare('INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)'),
      setting: db.prepare('SELECT value FROM settings WHERE name = ?').pluck(),
      insertAccount: db.prepare(`INSERT INTO accounts
        (platform_id, customer_id, account_identifier, account_number, display_name, currency_code,
         contact_email, funding_notification, status, created_at)
        VALUES (@platformId, @customerId, @accountIdentifier, @accountNumber, @displayName, @currencyCode,
         @contactEmail, @fundingNotification, 'ACTIVE', @createdAt)`),
      findAccount: db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM accounts a JOIN customers c ON c.id = a.customer_id
        WHERE a.platform_id = ? AND a.account_identifier = ?`),
      updateAccount: db.prepare(`UPDATE accounts SET
        display_name = COALESCE(@displayName, display_name),
        contact_email = COALESCE(@contactEmail, contact_email),
        funding_notification = COALESCE(@fundingNotification, funding_notification)
        WHERE platform_id = @platformId AND account_identifier = @accountIdentifier`),
    };
  }

  async ping(): Promise<void> {
    this.#statements.ping.get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  async setting(name: string, initial: () => string): Promise<string> {
    this.#statements.insertSetting.run(name, initial());
    return this.#statements.setting.get(name) as string;
  }

  /** List queries vary with their filters: each shape is prepared once and kept. */
  #windowStatement(query: Query): Database.Statement {
    let statement = this.#windowStatements.get(query.text);
    if (!statement) {
      statement = this.#db.prepare(query.text);
      if (this.#windowStatements.size >= 256) this.#windowStatements.clear();
      this.#windowStatements.set(query.text, statement);
    }
    return statement;
  }

  async createPlatform(name: string, now: Date): Promise<Platform> {
    try {
      const { lastInsertRowid } = this.#statements.insertPlatform.run(name, now.getTime());
      return { id: Number(lastInsertRowid), name, createdAt: now.toISOString() };
    } catch (error) {
      rethrowUnique(error);
    }
  }

  async findPlatform(name: string): Promise<Platform | undefined> {
    const row = this.#statements.findPlatform.get(name) as { id: number; name: string; created_at: number } | undefined;
    return row && { id: row.id, name: row.name, createdAt: iso(row.created_at) };
  }

  async listPlatforms(): Promise<Platform[]> {
    const rows = this.#statements.listPlatforms.all() as { id: number; name: string; created_at: number }[];
    return rows.map((row) => ({ id: row.id, name: row.name, createdAt: iso(row.created_at) }));
  }

  async addCredential(credential: NewCredential, now: Date): Promise<void> {
    try {
      this.#statements.insertCredential.run({
        ...credential,
        readOnly: credential.readOnly ? 1 : 0,
        allowedCustomers: credential.allowedCustomers === null ? null : JSON.stringify(credential.allowedCustomers),
        createdAt: now.getTime(),
      });
    } catch (error) {
      rethrowUnique(error);
    }
  }

  async listCredentials(platformName?: string): Promise<CredentialInfo[]> {
    const rows = this.#statements.listCredentials.all({ platformName: platformName ?? null }) as CredentialRow[];
    return rows.map(toCredentialInfo);
  }

  async activeCredentials(platformName: string): Promise<StoredCredential[]> {
    return (this.#statements.activeCredentials.all(platformName) as CredentialRow[]).map(toStoredCredential);
  }

  async revokeCredential(keyId: string, now: Date): Promise<boolean> {
    return this.#statements.revokeCredential.run(now.getTime(), keyId).changes === 1;
  }

  insertCustomer(platformId: number, customer: CreateCustomerCriteria, now: Date): Promise<Customer> {
    return this.#writes.run(() => {
      try {
        const row = this.#statements.insertCustomer.get(
          platformId,
          customer.customerIdentifier,
          customer.displayName,
          now.getTime(),
        ) as CustomerRow;
        return toCustomer(row, []);
      } catch (error) {
        rethrowUnique(error);
      }
    });
  }

  async findCustomer(platformId: number, customerIdentifier: string): Promise<Customer | undefined> {
    const row = this.#statements.findCustomer.get(platformId, customerIdentifier) as CustomerRow | undefined;
    if (!row) return undefined;
    const accounts = accountsOfCustomersQuery(sqlitePlaceholder, [row.id]);
    return customersWithAccounts([row], this.#windowStatement(accounts).all(...accounts.values) as AccountRow[])[0];
  }

  async customerExists(platformId: number, customerIdentifier: string): Promise<boolean> {
    return this.#statements.findCustomer.get(platformId, customerIdentifier) !== undefined;
  }

  async listCustomers(
    platformId: number,
    scope: CustomerScope,
    filters: CustomerFilters,
    window: ListWindow,
  ): Promise<Positioned<Customer>[]> {
    const query = customerWindowQuery(sqlitePlaceholder, platformId, scope, filters, window);
    const customers = inCreationOrder(this.#windowStatement(query).all(...query.values) as CustomerRow[], query.descending);
    if (customers.length === 0) return [];
    const accounts = accountsOfCustomersQuery(
      sqlitePlaceholder,
      customers.map((row) => row.id),
    );
    return positionedCustomers(customers, this.#windowStatement(accounts).all(...accounts.values) as AccountRow[]);
  }

  insertAccount(platformId: number, customerIdentifier: string, account: NewAccount, now: Date): Promise<Account | undefined> {
    return this.#writes.run(() => {
      const customer = this.#statements.findCustomer.get(platformId, customerIdentifier) as CustomerRow | undefined;
      if (!customer) return undefined;
      try {
        this.#statements.insertAccount.run({
          platformId,
          customerId: customer.id,
          accountIdentifier: account.accountIdentifier,
          accountNumber: account.accountNumber,
          displayName: account.displayName,
          currencyCode: account.currencyCode ?? 'USD',
          contactEmail: account.contactEmail,
          fundingNotification: JSON.stringify(account.fundingNotification ?? []),
          createdAt: now.getTime(),
        });
      } catch (error) {
        rethrowUnique(error);
      }
      return this.#account(platformId, account.accountIdentifier);
    });
  }

  #account(platformId: number, accountIdentifier: string): Account | undefined {
    const row = this.#statements.findAccount.get(platformId, accountIdentifier) as AccountRow | undefined;
    return row && toAccount(row);
  }

  async findAccount(platformId: number, accountIdentifier: string): Promise<{ account: Account; customerIdentifier: string } | undefined> {
    const row = this.#statements.findAccount.get(platformId, accountIdentifier) as AccountRow | undefined;
    return row && { account: toAccount(row), customerIdentifier: row.customer_identifier };
  }

  async listAccounts(
    platformId: number,
    scope: CustomerScope & { customerIdentifier?: string },
    filters: AccountFilters,
    window: ListWindow,
  ): Promise<Positioned<Account>[]> {
    const query = accountWindowQuery(sqlitePlaceholder, platformId, scope, filters, window);
    const rows = this.#windowStatement(query).all(...query.values) as AccountRow[];
    return inCreationOrder(rows, query.descending).map(positionedAccount);
  }

  updateAccount(platformId: number, accountIdentifier: string, patch: UpdateAccountCriteria): Promise<Account | undefined> {
    return this.#writes.run(() => {
      let changes: number;
      try {
        ({ changes } = this.#statements.updateAccount.run({
          platformId,
          accountIdentifier,
          displayName: patch.displayName ?? null,
          contactEmail: patch.contactEmail ?? null,
          fundingNotification: patch.fundingNotification === undefined ? null : JSON.stringify(patch.fundingNotification),
        }));
      } catch (error) {
        rethrowUnique(error);
      }
      return changes === 0 ? undefined : this.#account(platformId, accountIdentifier);
    });
  }
}
