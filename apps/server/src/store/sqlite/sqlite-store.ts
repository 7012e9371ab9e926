import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Account, AccountSummary, Customer, FundingNotification } from '../../domain/model.js';
import { migrations } from '../migrations.js';
import {
  type CredentialInfo,
  type CustomerScope,
  type NewAccount,
  type NewCredential,
  type Platform,
  type Store,
  type StoredCredential,
  UniqueViolation,
} from '../store.js';

interface CustomerRow {
  id: number;
  customer_identifier: string;
  display_name: string;
  status: string;
  created_at: number;
}

interface AccountRow {
  customer_id: number;
  customer_identifier: string;
  account_identifier: string;
  account_number: string;
  display_name: string;
  currency_code: Account['currencyCode'];
  current_balance_minor: number;
  contact_email: string;
  funding_notification: string;
  status: Account['status'];
  created_at: number;
}

interface CredentialRow {
  key_id: string;
  platform_id: number;
  platform_name: string;
  key_hash: string;
  label: string | null;
  read_only: number;
  allowed_customers: string | null;
  created_at: number;
  revoked_at: number | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

const ACCOUNT_COLUMNS = `a.customer_id, c.customer_identifier, a.account_identifier, a.account_number,
  a.display_name, a.currency_code, a.current_balance_minor, a.contact_email, a.funding_notification,
  a.status, a.created_at`;

function toAccount(row: AccountRow): Account {
  return {
    accountIdentifier: row.account_identifier,
    accountNumber: row.account_number,
    displayName: row.display_name,
    currencyCode: row.currency_code,
    currentBalance: row.current_balance_minor / 100,
    createdAt: iso(row.created_at),
    status: row.status,
    contactEmail: row.contact_email,
    fundingNotification: JSON.parse(row.funding_notification) as FundingNotification[],
  };
}

function toSummary(row: AccountRow): AccountSummary {
  return {
    accountIdentifier: row.account_identifier,
    accountNumber: row.account_number,
    displayName: row.display_name,
    currencyCode: row.currency_code,
    createdAt: iso(row.created_at),
    status: row.status,
  };
}

function toCustomer(row: CustomerRow, accounts: AccountSummary[]): Customer {
  return {
    customerIdentifier: row.customer_identifier,
    displayName: row.display_name,
    status: row.status,
    createdAt: iso(row.created_at),
    accounts,
  };
}

function toCredentialInfo(row: CredentialRow): CredentialInfo {
  return {
    keyId: row.key_id,
    platformName: row.platform_name,
    label: row.label,
    readOnly: row.read_only === 1,
    allowedCustomers: row.allowed_customers === null ? null : (JSON.parse(row.allowed_customers) as string[]),
    createdAt: iso(row.created_at),
    revokedAt: row.revoked_at === null ? null : iso(row.revoked_at),
  };
}

/** Turns SQLite's unique-constraint failure into the store's UniqueViolation. */
function uniqueTarget(error: unknown): UniqueViolation | undefined {
  if (!(error instanceof Database.SqliteError) || error.code !== 'SQLITE_CONSTRAINT_UNIQUE') return undefined;
  if (error.message.includes('accounts.account_number')) return new UniqueViolation('accountNumber');
  if (error.message.includes('accounts.account_identifier')) return new UniqueViolation('account');
  if (error.message.includes('customers.customer_identifier')) return new UniqueViolation('customer');
  if (error.message.includes('credentials.key_id')) return new UniqueViolation('keyId');
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

  constructor(databaseUrl: string) {
    const filename = sqliteFilename(databaseUrl);
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.#db = new Database(filename);
    // WAL lets readers run beside the writer; FULL fsyncs every commit so an acknowledged
    // 201 survives a power cut, not only a process crash.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    this.#migrate();
    this.#statements = this.#prepare();
  }

  #migrate(): void {
    const db = this.#db;
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    const applied = new Set(
      db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
    );
    const apply = db.transaction((migration: (typeof migrations)[number]) => {
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
      findCustomer: db.prepare(`SELECT id, customer_identifier, display_name, status, created_at
        FROM customers WHERE platform_id = ? AND customer_identifier = ?`),
      listCustomers: db.prepare(`SELECT id, customer_identifier, display_name, status, created_at
        FROM customers WHERE platform_id = ? ORDER BY id`),
      customerAccounts: db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM accounts a JOIN customers c ON c.id = a.customer_id
        WHERE a.customer_id = ? ORDER BY a.id`),
      platformAccounts: db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM accounts a JOIN customers c ON c.id = a.customer_id
        WHERE a.platform_id = ? ORDER BY a.id`),
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
    const rows = this.#statements.activeCredentials.all(platformName) as CredentialRow[];
    return rows.map((row) => ({
      keyId: row.key_id,
      platformId: row.platform_id,
      platformName: row.platform_name,
      keyHash: row.key_hash,
      readOnly: row.read_only === 1,
      allowedCustomers: row.allowed_customers === null ? null : (JSON.parse(row.allowed_customers) as string[]),
    }));
  }

  async revokeCredential(keyId: string, now: Date): Promise<boolean> {
    return this.#statements.revokeCredential.run(now.getTime(), keyId).changes === 1;
  }

  async insertCustomer(
    platformId: number,
    customer: { customerIdentifier: string; displayName: string },
    now: Date,
  ): Promise<Customer> {
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
  }

  async findCustomer(platformId: number, customerIdentifier: string): Promise<Customer | undefined> {
    const row = this.#statements.findCustomer.get(platformId, customerIdentifier) as CustomerRow | undefined;
    if (!row) return undefined;
    const accounts = this.#statements.customerAccounts.all(row.id) as AccountRow[];
    return toCustomer(row, accounts.map(toSummary));
  }

  async listCustomers(platformId: number, scope: CustomerScope): Promise<Customer[]> {
    const allowed = scope.customerIdentifiers && new Set(scope.customerIdentifiers);
    const rows = (this.#statements.listCustomers.all(platformId) as CustomerRow[]).filter(
      (row) => !allowed || allowed.has(row.customer_identifier),
    );
    // One query for the customers and one for their accounts, grouped here: never one per customer.
    const summaries = new Map<number, AccountSummary[]>(rows.map((row) => [row.id, []]));
    for (const account of this.#statements.platformAccounts.iterate(platformId) as Iterable<AccountRow>) {
      summaries.get(account.customer_id)?.push(toSummary(account));
    }
    return rows.map((row) => toCustomer(row, summaries.get(row.id) ?? []));
  }

  async insertAccount(
    platformId: number,
    customerIdentifier: string,
    account: NewAccount,
    now: Date,
  ): Promise<Account | undefined> {
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
    return (await this.findAccount(platformId, account.accountIdentifier))?.account;
  }

  async findAccount(
    platformId: number,
    accountIdentifier: string,
  ): Promise<{ account: Account; customerIdentifier: string } | undefined> {
    const row = this.#statements.findAccount.get(platformId, accountIdentifier) as AccountRow | undefined;
    return row && { account: toAccount(row), customerIdentifier: row.customer_identifier };
  }

  async listAccounts(
    platformId: number,
    scope: CustomerScope & { customerIdentifier?: string },
  ): Promise<Account[]> {
    let rows: AccountRow[];
    if (scope.customerIdentifier !== undefined) {
      const customer = this.#statements.findCustomer.get(platformId, scope.customerIdentifier) as
        | CustomerRow
        | undefined;
      rows = customer ? (this.#statements.customerAccounts.all(customer.id) as AccountRow[]) : [];
    } else {
      rows = this.#statements.platformAccounts.all(platformId) as AccountRow[];
    }
    const allowed = scope.customerIdentifiers && new Set(scope.customerIdentifiers);
    return rows.filter((row) => !allowed || allowed.has(row.customer_identifier)).map(toAccount);
  }

  async updateAccount(
    platformId: number,
    accountIdentifier: string,
    patch: { displayName?: string; contactEmail?: string; fundingNotification?: FundingNotification[] },
  ): Promise<Account | undefined> {
    const { changes } = this.#statements.updateAccount.run({
      platformId,
      accountIdentifier,
      displayName: patch.displayName ?? null,
      contactEmail: patch.contactEmail ?? null,
      fundingNotification: patch.fundingNotification === undefined ? null : JSON.stringify(patch.fundingNotification),
    });
    if (changes === 0) return undefined;
    return (await this.findAccount(platformId, accountIdentifier))?.account;
  }
}
