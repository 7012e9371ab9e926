import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** DATABASE_URL -> a store: a file path or `file:` URL is SQLite. */
export async function openStore(databaseUrl: string): Promise<Store> {
  return new SqliteStore(databaseUrl);
}
