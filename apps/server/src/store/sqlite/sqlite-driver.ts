/**
 * The SQLite side of the driver seam, on better-sqlite3: synchronous, so a read costs no turn of
 * the event loop; every write goes through the group commit (one transaction, one fsync, per
 * turn). Statements are prepared once per text and kept.
 */
import Database from 'better-sqlite3';
import { constraintOfColumns, foreignKeyViolation, uniqueViolation } from '../constraints.js';
import { assertNotRefused, migrationSql, migrations } from '../migrations.js';
import type { SqlDriver, TxBody, TxResult } from '../sql/driver.js';
import { GroupCommit } from './group-commit.js';

/** Prepared statements kept per database (a Map in use order: the least recently used goes first). */
const STATEMENT_CACHE_SIZE = 512;
/** Parses `file:…`, a plain path, or `:memory:` into what better-sqlite3 opens. */
export function sqliteFilename(databaseUrl: string): string {
  if (databaseUrl === ':memory:' || databaseUrl === 'file::memory:') return ':memory:';
  if (databaseUrl.startsWith('file://')) return new URL(databaseUrl).pathname;
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length);
  return databaseUrl;
}

const UNIQUE_FAILED = 'UNIQUE constraint failed: ';

/**
 * SQLite names a unique constraint by its columns: `UNIQUE constraint failed: accounts.platform_id,
 * accounts.display_name`; a foreign key not at all (`FOREIGN KEY constraint failed`).
 */
function translate(error: unknown): unknown {
  if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return foreignKeyViolation(undefined, error);
  if (!(error instanceof Database.SqliteError) || error.code !== 'SQLITE_CONSTRAINT_UNIQUE') return error;
  const at = error.message.indexOf(UNIQUE_FAILED);
  return (at >= 0 && uniqueViolation(constraintOfColumns(error.message.slice(at + UNIQUE_FAILED.length)))) || error;
}

/** better-sqlite3 binds no booleans: they are 0/1, as the schema stores them. */
const bindable = (values: readonly unknown[]): unknown[] => values.map((value) => (value === true ? 1 : value === false ? 0 : value));

export interface SqliteOptions {
  /** Sees every SQL statement run (tests count them). */
  onStatement?: (sql: string) => void;
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #writes: GroupCommit;

  constructor(databaseUrl: string, options: SqliteOptions = {}) {
    this.#db = new Database(
      sqliteFilename(databaseUrl),
      options.onStatement ? { verbose: (sql) => options.onStatement?.(String(sql)) } : {},
    );
    // WAL lets readers run beside the writer; FULL fsyncs every commit so an acknowledged
    // 201 survives a power cut, not only a process crash.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    this.#migrate();
    this.#writes = new GroupCommit(this.#db);
  }

  /** Applies pending migrations, each in its own immediate transaction (a second process waits). */
  #migrate(): void {
    const db = this.#db;
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    const apply = db.transaction((migration: (typeof migrations)[number]) => {
      if (migration.refuseWhen) assertNotRefused(migration, db.prepare(migration.refuseWhen.query).all() as Record<string, unknown>[]);
      db.exec(migrationSql(migration, 'sqlite'));
      if (migration.rebuildsTables) {
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration ${migration.version} would break ${broken.length} foreign keys`);
      }
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    });
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      // A no-op inside a transaction: set around it (SQLite's table rebuild needs them off).
      if (migration.rebuildsTables) db.pragma('foreign_keys = OFF');
      try {
        apply.immediate(migration);
      } finally {
        if (migration.rebuildsTables) db.pragma('foreign_keys = ON');
      }
    }
  }

  /**
   * Each text is prepared once. List queries vary with their filters and IN-list lengths, so the
   * cache is bounded — least recently used out first, so that the statements every request runs
   * stay prepared however many list shapes pass by.
   */
  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement) {
      this.#statements.delete(sql);
    } else {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value!);
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  async all<Row>(sql: string, values: readonly unknown[]): Promise<Row[]> {
    return this.#statement(sql).all(...bindable(values)) as Row[];
  }

  // async: a statement that fails to prepare rejects, as the SqlDriver contract says, not throws.
  async write<Row>(sql: string, values: readonly unknown[]): Promise<{ rows: Row[]; changes: number }> {
    const statement = this.#statement(sql);
    const bound = bindable(values);
    return this.#writes.run(() => {
      try {
        if (statement.reader) {
          const rows = statement.all(...bound) as Row[];
          return { rows, changes: rows.length };
        }
        return { rows: [], changes: statement.run(...bound).changes };
      } catch (error) {
        throw translate(error);
      }
    });
  }

  /** One statement, synchronously, its errors translated. */
  #execute(sql: string, values: readonly unknown[]): TxResult {
    try {
      const statement = this.#statement(sql);
      const bound = bindable(values);
      if (statement.reader) {
        const rows = statement.all(...bound);
        return { rows, changes: rows.length };
      }
      return { rows: [], changes: statement.run(...bound).changes };
    } catch (error) {
      throw translate(error);
    }
  }

  /**
   * The whole body runs synchronously inside one savepoint of the group commit: no other
   * request's statement can run on this connection between two of its statements, so nobody
   * reads what it has not committed yet, and a throw rolls back only this body.
   */
  async transaction<T>(body: TxBody<T>): Promise<T> {
    return this.#writes.run(() => {
      const steps = body();
      let step = steps.next(undefined as never);
      while (!step.done) step = steps.next(this.#execute(step.value.sql, step.value.values));
      return step.value;
    });
  }

  async ping(): Promise<void> {
    this.#statement('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
