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

/**
 * `SELECT … FOR UPDATE` (of the table `alias`, in a join) in PostgreSQL; SQLite runs one writer
 * at a time, its transactions serialised by the group commit, and has no such clause.
 */
export function forUpdate(dialect: Dialect, alias?: string): string {
  if (dialect !== 'postgres') return '';
  return alias ? `FOR UPDATE OF ${alias}` : 'FOR UPDATE';
}

/** One statement of a transaction, as its body yields it; the driver answers with its result. */
export interface TxStatement {
  readonly sql: string;
  readonly values: readonly unknown[];
}

export interface TxResult<Row = unknown> {
  rows: Row[];
  changes: number;
}

/**
 * What a transaction's body writes its statements with: `const rows = yield* tx.all<Row>(sql, values)`.
 * A body is a generator so that it never awaits anything but its own statements: SQLite runs it
 * synchronously inside its group commit (nothing else can run on that connection meanwhile),
 * PostgreSQL awaits each statement on one pooled connection between BEGIN and COMMIT.
 */
export const tx = {
  *all<Row>(sql: string, values: readonly unknown[]): Generator<TxStatement, Row[], TxResult> {
    return (yield { sql, values }).rows as Row[];
  },
  *run<Row>(sql: string, values: readonly unknown[]): Generator<TxStatement, TxResult<Row>, TxResult> {
    return (yield { sql, values }) as TxResult<Row>;
  },
};

/** A transaction's body: its statements, then its answer. Throwing rolls everything back. */
export type TxBody<T> = () => Generator<TxStatement, T, TxResult>;

export interface TxOptions {
  /**
   * Every read of the body sees one moment (PostgreSQL's REPEATABLE READ; its default READ
   * COMMITTED lets each statement see a later one). A no-op on SQLite, whose transactions the
   * group commit serialises: nothing else writes while one runs.
   */
  consistentReads?: boolean;
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
   * Several statements as one transaction, committed before it resolves: all of them or, when
   * a statement fails or the body throws, none (a unique violation rejects as for `write`).
   */
  transaction<T>(body: TxBody<T>, options?: TxOptions): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
