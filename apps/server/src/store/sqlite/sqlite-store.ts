/** The store on SQLite: the one SQL layer over the better-sqlite3 driver. */
import { SqlStore } from '../sql-store.js';
import { SqliteDriver, type SqliteOptions } from './sqlite-driver.js';

export { sqliteFilename } from './sqlite-driver.js';

export class SqliteStore extends SqlStore {
  constructor(databaseUrl: string, options: SqliteOptions = {}) {
    super(new SqliteDriver(databaseUrl, options));
  }
}
