/**
 * The one seam between the SQL layer and a database. Every statement and every migration is
 * written once, with `?` placeholders and, in DDL, the column types below as `{id}`, `{bigint}`,
 * `{boolean}`, `{false}`; a driver supplies what differs: the placeholder style, the types, how
 * its errors name a unique constraint, how a write is committed (SQLite's group commit, a pooled
 * PostgreSQL connection) and how migrations are serialised.
 */
export type Dialect = 'sqlite' | 'postgres';

/** The DDL words that differ between the dialects. */
type DdlWord = 'id' | 'bigint' | 'boolean' | 'false';

const DDL: Record<Dialect, Record<DdlWord, string>> = {
  // INTEGER PRIMARY KEY is SQLite's rowid; booleans are 0/1 integers there.
  sqlite: { id: 'INTEGER PRIMARY KEY', bigint: 'INTEGER', boolean: 'INTEGER', false: '0' },
  postgres: { id: 'BIGSERIAL PRIMARY KEY', bigint: 'BIGINT', boolean: 'BOOLEAN', false: 'false' },
};

/** A migration's or statement's text in a dialect: `{word}` becomes the dialect's DDL. */
export function ddl(text: string, dialect: Dialect): string {
  return text.replace(/\{(id|bigint|boolean|false)\}/g, (_, word: DdlWord) => DDL[dialect][word]);
}

/** The statements of one transaction (see SqlDriver.transaction). */
export interface SqlTransaction {
  all<Row>(sql: string, values: readonly unknown[]): Promise<Row[]>;
  write<Row>(sql: string, values: readonly unknown[]): Promise<{ rows: Row[]; changes: number }>;
}

export interface SqlDriver {
  readonly dialect: Dialect;
  /** The rows of a read. */
  all<Row>(sql: string, values: readonly unknown[]): Promise<Row[]>;
  /**
   * One write, committed before it resolves: its RETURNING rows and how many rows it changed. A
   * unique violation rejects with the domain's UniqueViolation (see constraints.ts).
   */
  write<Row>(sql: string, values: readonly unknown[]): Promise<{ rows: Row[]; changes: number }>;
  /**
   * Several statements as one transaction, committed before it resolves, rolled back when `work`
   * rejects (the error translated as for `write`). `work` awaits only the transaction's own
   * statements: on SQLite they run synchronously, so the whole transaction takes one turn of the
   * event loop and no other write can fall inside it; on PostgreSQL they share one connection
   * between BEGIN and COMMIT.
   */
  transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
