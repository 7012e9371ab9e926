import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_DATABASE_URL, configError } from '../config.js';
import { MigrationRefused } from './migrations.js';
import { type PostgresOptions, PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore, sqliteFilename } from './sqlite/sqlite-store.js';
import type { Store } from '../domain/ports.js';

const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

const DEFAULT_POSTGRES: PostgresOptions = { poolMax: 10, connectTimeoutMs: 2_000, queryTimeoutMs: 10_000 };

/**
 * DATABASE_URL -> a store: `postgres://` is PostgreSQL; a file path or `file:` URL is SQLite.
 * A database that cannot be opened stops the start with one line naming DATABASE_URL and the
 * cause (never the password), rather than a driver's stack trace.
 */
export async function openStore(databaseUrl: string, postgres: PostgresOptions = DEFAULT_POSTGRES): Promise<Store> {
  if (!isPostgresUrl(databaseUrl)) return openSqlite(databaseUrl);
  try {
    return await PostgresStore.open(databaseUrl, postgres);
  } catch (error) {
    // A migration's refusal says itself what the operator must do.
    if (error instanceof MigrationRefused) throw error;
    throw configError('DATABASE_URL', `${postgresTarget(databaseUrl)}: ${postgresCause(error)}`);
  }
}

function openSqlite(databaseUrl: string): Store {
  const filename = sqliteFilename(databaseUrl);
  if (filename !== ':memory:') {
    const folder = dirname(resolve(filename));
    if (!existsSync(folder)) {
      // Only the default data folder (./data under the working directory) is created: a typo in
      // a path must not silently create a database somewhere nobody will look for it.
      if (folder !== dirname(resolve(sqliteFilename(DEFAULT_DATABASE_URL)))) {
        throw configError('DATABASE_URL', `the folder ${folder} does not exist: create it first, or choose another path`);
      }
      mkdirSync(folder, { recursive: true });
    }
  }
  try {
    return new SqliteStore(databaseUrl);
  } catch (error) {
    if (error instanceof MigrationRefused) throw error;
    const { code, message } = error as { code?: string; message?: string };
    throw configError('DATABASE_URL', `cannot open the SQLite database ${resolve(filename)}: ${message ?? code} (${code ?? 'error'})`);
  }
}

/** The database in words fit for a log: PostgreSQL's user, host, port and database (never a password), or SQLite's file. */
export function describeDatabase(databaseUrl: string): string {
  return isPostgresUrl(databaseUrl)
    ? postgresTarget(databaseUrl)
    : `SQLite ${sqliteFilename(databaseUrl) === ':memory:' ? ':memory:' : resolve(sqliteFilename(databaseUrl))}`;
}

/**
 * user@host:port/database of a postgres:// URL: what an operator needs to find it. Built from
 * the parsed parts, so no form of password (in the user information, or a `password` query
 * parameter) can come along.
 */
function postgresTarget(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
    return `PostgreSQL ${user}${url.hostname || 'localhost'}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}

function postgresCause(error: unknown): string {
  const { code, message = String(error) } = (error ?? {}) as { code?: string; message?: string };
  const cause =
    {
      '28P01': 'the password was refused',
      '28000': 'the user may not connect',
      '3D000': 'the database does not exist',
      ECONNREFUSED: 'nothing listens there (connection refused)',
      ENOTFOUND: 'the host name does not resolve',
      EAI_AGAIN: 'the host name does not resolve',
      ETIMEDOUT: 'no answer (timed out)',
      EHOSTUNREACH: 'the host is unreachable',
    }[code ?? ''] ?? message;
  return code ? `${cause} (${code})` : cause;
}
