import { type PostgresOptions, PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

/** DATABASE_URL -> a store: `postgres://` is PostgreSQL; a file path or `file:` URL is SQLite. */
export async function openStore(
  databaseUrl: string,
  postgres: PostgresOptions = { poolMax: 10, connectTimeoutMs: 2_000, queryTimeoutMs: 10_000 },
): Promise<Store> {
  return isPostgresUrl(databaseUrl) ? PostgresStore.open(databaseUrl, postgres) : new SqliteStore(databaseUrl);
}
