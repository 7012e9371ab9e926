import pg from 'pg';
import type { Account, CreateCustomerCriteria, Customer, UpdateAccountCriteria } from '../../domain/model.js';
import { assertNotRefused, migrations } from '../migrations.js';
import {
  ACCOUNT_COLUMNS,
  CUSTOMER_COLUMNS,
  accountWindowQuery,
  accountsOfCustomersQuery,
  customerWindowQuery,
  postgresPlaceholder,
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
  StoreUnavailable,
  UniqueViolation,
} from '../store.js';

export interface PostgresOptions {
  /** Connections this process may hold at most. */
  poolMax: number;
  /** How long a request waits for a connection before it answers 503. */
  connectTimeoutMs: number;
  /** How long one query may take before the request answers 503. */
  queryTimeoutMs: number;
  /** Told when the database stops answering and when it answers again (logs, metrics). */
  onAvailability?: (available: boolean, cause?: unknown) => void;
}

/** Any key works as long as every instance uses the same one: it serialises migrations. */
const MIGRATION_LOCK = 7_261_001;

const UNIQUE_CONSTRAINTS: Record<string, UniqueViolation['target']> = {
  platforms_name_unique: 'platform',
  credentials_key_id_unique: 'keyId',
  credentials_key_hash_unique: 'keyHash',
  customers_identifier_unique: 'customer',
  accounts_identifier_unique: 'account',
  accounts_number_unique: 'accountNumber',
  accounts_display_name_unique: 'accountDisplayName',
};

/** An account as an insert or update returns it (the customer's identifier is not needed there). */
const RETURNED_ACCOUNT = `id, customer_id, account_identifier, account_number, display_name, currency_code,
  current_balance_minor, contact_email, funding_notification, status, created_at`;

/** Connection-level failures: the database is down, restarting, or out of reach. */
function isUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code && /^(08|57P|53300)/.test(code)) return true;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(code)) {
    return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|not queryable/i.test(
    message ?? '',
  );
}

/**
 * Whether the database itself is out of reach (refused, reset, shutting down), as opposed to
 * this process being short of connections (a pool wait or a query timing out under load): only
 * the first is an outage worth telling operators about.
 */
function isOutage(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code === '53300' || /timeout exceeded when trying to connect|Query read timeout/i.test(message ?? '')) return false;
  return isUnavailable(error);
}

function translate(error: unknown): Error {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  if (code === '23505' && constraint && UNIQUE_CONSTRAINTS[constraint]) return new UniqueViolation(UNIQUE_CONSTRAINTS[constraint]);
  if (isUnavailable(error)) return new StoreUnavailable(error);
  return error instanceof Error ? error : new Error(String(error));
}

/** BIGINT (epoch milliseconds, ids) as a JavaScript number: every value here is below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly #pool: pg.Pool;
  readonly #poolMax: number;
  readonly #onAvailability: PostgresOptions['onAvailability'];
  /** Whether the last query reached the database: an outage is reported once, and its end once. */
  #available = true;

  private constructor(pool: pg.Pool, options: PostgresOptions) {
    this.#pool = pool;
    this.#poolMax = options.poolMax;
    this.#onAvailability = options.onAvailability;
  }

  /** Connects, applies pending migrations under an advisory lock, and returns the store. */
  static async open(connectionString: string, options: PostgresOptions): Promise<PostgresStore> {
    const pool = new pg.Pool({
      connectionString,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      // A peer that vanishes without a reset (a partition, a failover) must not hold a pooled
      // connection for the kernel's minutes: bound every query and probe idle sockets.
      query_timeout: options.queryTimeoutMs,
      keepAlive: true,
      types,
    });
    // An idle connection that dies (database restarted) must not crash the process.
    pool.on('error', () => {});
    const store = new PostgresStore(pool, options);
    try {
      await store.#migrate();
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  async #migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      // Several instances may start at once: one migrates, the others wait and then see it done.
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row) => row.version));
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          if (migration.refuseWhen)
            assertNotRefused(migration, (await client.query<Record<string, unknown>>(migration.refuseWhen.query)).rows);
          await client.query(migration.postgres);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            Date.now(),
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
  }

  /**
   * One query on a pooled connection. Not `pool.query`: it hands every error to `release(err)`,
   * which destroys the connection, so each 409 (a unique violation) cost a new session. An error
   * the server answered (a DatabaseError) leaves the connection usable; only a broken or timed-out
   * connection is discarded.
   */
  async #query<Row extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<Row>> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      if (isOutage(error)) this.#reached(false, error);
      throw translate(error);
    }
    let broken: Error | undefined;
    try {
      const result = await client.query<Row>(text, values);
      this.#reached(true);
      return result;
    } catch (error) {
      if (!(error instanceof pg.DatabaseError) || isUnavailable(error)) broken = error instanceof Error ? error : new Error(String(error));
      if (isOutage(error)) this.#reached(false, error);
      throw translate(error);
    } finally {
      client.release(broken);
    }
  }

  #reached(available: boolean, cause?: unknown): void {
    if (available === this.#available) return;
    this.#available = available;
    this.#onAvailability?.(available, cause);
  }

  /** The pool now, for metrics. */
  poolStats(): { total: number; idle: number; waiting: number; max: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount, max: this.#poolMax };
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async setting(name: string, initial: () => string): Promise<string> {
    await this.#query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, initial()]);
    const { rows } = await this.#query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name]);
    return rows[0]!.value;
  }

  async createPlatform(name: string, now: Date): Promise<Platform> {
    const { rows } = await this.#query<{ id: number }>('INSERT INTO platforms (name, created_at) VALUES ($1, $2) RETURNING id', [
      name,
      now.getTime(),
    ]);
    return { id: rows[0]!.id, name, createdAt: now.toISOString() };
  }

  async findPlatform(name: string): Promise<Platform | undefined> {
    const { rows } = await this.#query<{ id: number; name: string; created_at: number }>(
      'SELECT id, name, created_at FROM platforms WHERE name = $1',
      [name],
    );
    const row = rows[0];
    return row && { id: row.id, name: row.name, createdAt: iso(row.created_at) };
  }

  async listPlatforms(): Promise<Platform[]> {
    const { rows } = await this.#query<{ id: number; name: string; created_at: number }>(
      'SELECT id, name, created_at FROM platforms ORDER BY id',
    );
    return rows.map((row) => ({ id: row.id, name: row.name, createdAt: iso(row.created_at) }));
  }

  async addCredential(credential: NewCredential, now: Date): Promise<void> {
    await this.#query(
      `INSERT INTO credentials (platform_id, key_id, key_hash, label, read_only, allowed_customers, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        credential.platformId,
        credential.keyId,
        credential.keyHash,
        credential.label,
        credential.readOnly,
        credential.allowedCustomers === null ? null : JSON.stringify(credential.allowedCustomers),
        now.getTime(),
      ],
    );
  }

  async listCredentials(platformName?: string): Promise<CredentialInfo[]> {
    const { rows } = await this.#query<CredentialRow>(
      `SELECT k.*, p.name AS platform_name FROM credentials k JOIN platforms p ON p.id = k.platform_id
       WHERE ($1::text IS NULL OR p.name = $1) ORDER BY k.id`,
      [platformName ?? null],
    );
    return rows.map(toCredentialInfo);
  }

  async activeCredentials(platformName: string): Promise<StoredCredential[]> {
    const { rows } = await this.#query<CredentialRow>(
      `SELECT k.*, p.name AS platform_name FROM credentials k JOIN platforms p ON p.id = k.platform_id
       WHERE p.name = $1 AND k.revoked_at IS NULL`,
      [platformName],
    );
    return rows.map(toStoredCredential);
  }

  async revokeCredential(keyId: string, now: Date): Promise<boolean> {
    const { rowCount } = await this.#query('UPDATE credentials SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL', [
      now.getTime(),
      keyId,
    ]);
    return rowCount === 1;
  }

  async insertCustomer(platformId: number, customer: CreateCustomerCriteria, now: Date): Promise<Customer> {
    const { rows } = await this.#query<CustomerRow>(
      `INSERT INTO customers (platform_id, customer_identifier, display_name, status, created_at)
       VALUES ($1, $2, $3, 'active', $4) RETURNING id, customer_identifier, display_name, status, created_at`,
      [platformId, customer.customerIdentifier, customer.displayName, now.getTime()],
    );
    return toCustomer(rows[0]!, []);
  }

  async findCustomer(platformId: number, customerIdentifier: string): Promise<Customer | undefined> {
    const { rows } = await this.#query<CustomerRow>(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers c WHERE c.platform_id = $1 AND c.customer_identifier = $2`,
      [platformId, customerIdentifier],
    );
    const row = rows[0];
    if (!row) return undefined;
    const accounts = accountsOfCustomersQuery(postgresPlaceholder, [row.id]);
    return customersWithAccounts([row], (await this.#query<AccountRow>(accounts.text, accounts.values)).rows)[0];
  }

  async customerExists(platformId: number, customerIdentifier: string): Promise<boolean> {
    const { rowCount } = await this.#query('SELECT 1 FROM customers WHERE platform_id = $1 AND customer_identifier = $2', [
      platformId,
      customerIdentifier,
    ]);
    return rowCount === 1;
  }

  async listCustomers(
    platformId: number,
    scope: CustomerScope,
    filters: CustomerFilters,
    window: ListWindow,
  ): Promise<Positioned<Customer>[]> {
    const query = customerWindowQuery(postgresPlaceholder, platformId, scope, filters, window);
    const customers = inCreationOrder((await this.#query<CustomerRow>(query.text, query.values)).rows, query.descending);
    if (customers.length === 0) return [];
    const accounts = accountsOfCustomersQuery(
      postgresPlaceholder,
      customers.map((row) => row.id),
    );
    return positionedCustomers(customers, (await this.#query<AccountRow>(accounts.text, accounts.values)).rows);
  }

  async insertAccount(platformId: number, customerIdentifier: string, account: NewAccount, now: Date): Promise<Account | undefined> {
    // One statement: the customer lookup and the insert cannot be separated by a concurrent write.
    const { rows } = await this.#query<AccountRow>(
      `INSERT INTO accounts (platform_id, customer_id, account_identifier, account_number, display_name,
         currency_code, contact_email, funding_notification, status, created_at)
       SELECT $1, c.id, $3, $4, $5, $6, $7, $8, 'ACTIVE', $9 FROM customers c
       WHERE c.platform_id = $1 AND c.customer_identifier = $2
       RETURNING ${RETURNED_ACCOUNT}`,
      [
        platformId,
        customerIdentifier,
        account.accountIdentifier,
        account.accountNumber,
        account.displayName,
        account.currencyCode ?? 'USD',
        account.contactEmail,
        JSON.stringify(account.fundingNotification ?? []),
        now.getTime(),
      ],
    );
    return rows[0] && toAccount(rows[0]);
  }

  async findAccount(platformId: number, accountIdentifier: string): Promise<{ account: Account; customerIdentifier: string } | undefined> {
    const { rows } = await this.#query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts a JOIN customers c ON c.id = a.customer_id
       WHERE a.platform_id = $1 AND a.account_identifier = $2`,
      [platformId, accountIdentifier],
    );
    const row = rows[0];
    return row && { account: toAccount(row), customerIdentifier: row.customer_identifier };
  }

  async listAccounts(
    platformId: number,
    scope: CustomerScope & { customerIdentifier?: string },
    filters: AccountFilters,
    window: ListWindow,
  ): Promise<Positioned<Account>[]> {
    const query = accountWindowQuery(postgresPlaceholder, platformId, scope, filters, window);
    const { rows } = await this.#query<AccountRow>(query.text, query.values);
    return inCreationOrder(rows, query.descending).map(positionedAccount);
  }

  async updateAccount(platformId: number, accountIdentifier: string, patch: UpdateAccountCriteria): Promise<Account | undefined> {
    const { rows } = await this.#query<AccountRow>(
      `UPDATE accounts SET display_name = COALESCE($3, display_name), contact_email = COALESCE($4, contact_email),
         funding_notification = COALESCE($5, funding_notification)
       WHERE platform_id = $1 AND account_identifier = $2
       RETURNING ${RETURNED_ACCOUNT}`,
      [
        platformId,
        accountIdentifier,
        patch.displayName ?? null,
        patch.contactEmail ?? null,
        patch.fundingNotification === undefined ? null : JSON.stringify(patch.fundingNotification),
      ],
    );
    return rows[0] && toAccount(rows[0]);
  }
}
