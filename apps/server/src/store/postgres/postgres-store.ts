/** The store on PostgreSQL: the one SQL layer over the pg driver. */
import { SqlStore } from '../sql-store.js';
import { PostgresDriver, type PostgresOptions } from './postgres-driver.js';

export type { PostgresOptions } from './postgres-driver.js';

export class PostgresStore extends SqlStore {
  readonly #driver: PostgresDriver;

  private constructor(driver: PostgresDriver) {
    super(driver);
    this.#driver = driver;
  }

  /** Connects, applies pending migrations under an advisory lock, and returns the store. */
  static async open(connectionString: string, options: PostgresOptions): Promise<PostgresStore> {
    return new PostgresStore(await PostgresDriver.open(connectionString, options));
  }

  /** The pool now, for metrics. */
  poolStats(): { total: number; idle: number; waiting: number; max: number } {
    return this.#driver.poolStats();
  }
}
