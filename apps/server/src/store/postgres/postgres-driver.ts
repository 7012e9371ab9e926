/**
 * The PostgreSQL side of the driver seam, on a pg pool: `?` placeholders numbered, errors
 * translated (a unique violation by its constraint's name, an unreachable database as
 * StoreUnavailable), migrations under an advisory lock so that one instance migrates while the
 * others wait.
 */
import pg from 'pg';
import { StoreUnavailable } from '../../domain/ports.js';
import { foreignKeyViolation, uniqueViolation } from '../constraints.js';
import { assertNotRefused, migrationSql, migrations } from '../migrations.js';
import type { SqlDriver, TxBody, TxOptions } from '../sql/driver.js';

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

/** A deadlock (40P01) or serialization failure (40001): the transaction was rolled back, and may be run again. */
function isRetryable(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: string };
  return code === '40P01' || code === '40001';
}

/** Runs of a transaction a deadlock or serialization failure may take before the request answers 503. */
const TRANSACTION_ATTEMPTS = 3;

function translate(error: unknown): Error {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  // PostgreSQL names the constraint, as the migration declared it.
  const unique = code === '23505' ? uniqueViolation(constraint) : undefined;
  if (unique) return unique;
  if (code === '23503') return foreignKeyViolation(constraint, error);
  // Never a 500: a deadlock that outlived its retries is a 503 (503.001), to be retried.
  if (isUnavailable(error) || isRetryable(error)) return new StoreUnavailable(error);
  return error instanceof Error ? error : new Error(String(error));
}

/** BIGINT (epoch milliseconds, ids) as a JavaScript number: every value here is below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Applies pending migrations under an advisory lock, on a connection of its own without the pool's
 * query timeout: waiting for another instance's migration, or building an index on a large table,
 * may rightly take longer than any request's query.
 */
async function migrate(connectionString: string, options: PostgresOptions): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: options.connectTimeoutMs, types });
  await client.connect();
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
        await client.query(migrationSql(migration, 'postgres'));
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        // The migration's own error is the one to report, whatever the rollback meets.
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
  } finally {
    // Ending the session releases the advisory lock too.
    await client.end().catch(() => {});
  }
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';
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
  static async open(connectionString: string, options: PostgresOptions): Promise<PostgresDriver> {
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
    const store = new PostgresDriver(pool, options);
    try {
      await migrate(connectionString, options);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  /** A pooled connection; a pool that cannot reach the database is an outage (503). */
  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      if (isOutage(error)) this.#reached(false, error);
      throw translate(error);
    }
  }

  /**
   * One query on a pooled connection. Not `pool.query`: it hands every error to `release(err)`,
   * which destroys the connection, so each 409 (a unique violation) cost a new session. An error
   * the server answered (a DatabaseError) leaves the connection usable; only a broken or timed-out
   * connection is discarded.
   */
  async #query<Row extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<pg.QueryResult<Row>> {
    const client = await this.#connect();
    let broken: Error | undefined;
    try {
      const result = await client.query<Row>(numbered(text), values as unknown[]);
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

  async all<Row>(sql: string, values: readonly unknown[]): Promise<Row[]> {
    return (await this.#query(sql, values)).rows as Row[];
  }

  async write<Row>(sql: string, values: readonly unknown[]): Promise<{ rows: Row[]; changes: number }> {
    const { rows, rowCount } = await this.#query(sql, values);
    return { rows: rows as Row[], changes: rowCount ?? 0 };
  }

  /**
   * BEGIN, the body's statements one by one on one pooled connection, COMMIT; ROLLBACK when a
   * statement fails or the body throws. READ COMMITTED: a body that must not lose an update
   * locks its rows (`SELECT … FOR UPDATE`) before it reads what it changes.
   */
  async transaction<T>(body: TxBody<T>, options: TxOptions = {}): Promise<T> {
    // A deadlock or serialization failure rolled the whole transaction back: it runs again from
    // its first statement (its body is a fresh generator each time), a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#transactionOnce(body, options);
      } catch (error) {
        const cause = error instanceof StoreUnavailable ? error.cause : undefined;
        if (attempt >= TRANSACTION_ATTEMPTS || !isRetryable(cause)) throw error;
      }
    }
  }

  async #transactionOnce<T>(body: TxBody<T>, options: TxOptions): Promise<T> {
    const client = await this.#connect();
    let broken: Error | undefined;
    let begun = false;
    try {
      await client.query(options.consistentReads ? 'BEGIN ISOLATION LEVEL REPEATABLE READ' : 'BEGIN');
      begun = true;
      const steps = body();
      let step = steps.next(undefined as never);
      while (!step.done) {
        const { rows, rowCount } = await client.query(numbered(step.value.sql), step.value.values as unknown[]);
        step = steps.next({ rows, changes: rowCount ?? 0 });
      }
      await client.query('COMMIT');
      this.#reached(true);
      return step.value;
    } catch (error) {
      const fromDatabase = error instanceof pg.DatabaseError;
      const fromConnection = !fromDatabase && isUnavailable(error);
      // A broken connection is discarded; after an error the server answered, it is rolled back and kept.
      if (fromConnection) broken = error instanceof Error ? error : new Error(String(error));
      else if (begun) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
      }
      if (isOutage(error)) this.#reached(false, error);
      // The body's own errors (a domain refusal) pass as they are; the database's are translated.
      throw fromDatabase || fromConnection ? translate(error) : error;
    } finally {
      client.release(broken);
    }
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** `?` placeholders as PostgreSQL's `$1, $2…`, converted once per text. */
const numberedTexts = new Map<string, string>();
function numbered(sql: string): string {
  let text = numberedTexts.get(sql);
  if (text === undefined) {
    let position = 0;
    text = sql.replace(/\?/g, () => `$${++position}`);
    // Least recently used out first (a Map in use order): the texts every request runs stay.
    if (numberedTexts.size >= 512) numberedTexts.delete(numberedTexts.keys().next().value!);
  } else {
    numberedTexts.delete(sql);
  }
  numberedTexts.set(sql, text);
  return text;
}
