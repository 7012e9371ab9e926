/** Temporary directories and databases, each removed by its owner when done. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, startCluster } from '@raas-customers/pg-cluster';

export interface TemporaryDirectory {
  path: string;
  /** A path inside it. */
  file(...parts: string[]): string;
  remove(): void;
}

/** A fresh directory under the system's temporary directory, named `<prefix>XXXXXX`. */
export function temporaryDirectory(prefix = 'raas-test-'): TemporaryDirectory {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, file: (...parts) => join(path, ...parts), remove: () => rmSync(path, { recursive: true, force: true }) };
}

export type DatabaseKind = 'sqlite' | 'postgres';

export interface TemporaryDatabase {
  /** The `DATABASE_URL` of a fresh, empty database. */
  url: string;
  /** Removes it. */
  drop(): Promise<void>;
}

/** A fresh SQLite file (`file:` URL) in a directory of its own, removed with it. */
export function temporarySqlite(prefix = 'raas-test-'): TemporaryDatabase {
  const dir = temporaryDirectory(prefix);
  return { url: `file:${dir.file('raas.db')}`, drop: async () => dir.remove() };
}

/** A fresh database on the PostgreSQL server behind `adminUrl`. */
export function temporaryPostgres(adminUrl: string): Promise<TemporaryDatabase> {
  return createDatabase(adminUrl);
}

/** A fresh database of that kind; `postgresAdminUrl` is asked for only when it is PostgreSQL. */
export async function temporaryDatabase(kind: DatabaseKind, postgresAdminUrl: () => string): Promise<TemporaryDatabase> {
  return kind === 'postgres' ? temporaryPostgres(postgresAdminUrl()) : temporarySqlite();
}

export interface PostgresServer {
  /** postgres://…/postgres: an administrative connection, on which databases may be created. */
  adminUrl: string;
  /** Stops and removes the cluster started here (nothing when the server was given). */
  close(): void;
}

/**
 * A PostgreSQL server for a test run: TEST_POSTGRES_URL if set, otherwise a private cluster on
 * loopback from Debian's server binaries. Without either it throws: PostgreSQL tests never skip.
 */
export async function postgresServer(): Promise<PostgresServer> {
  const given = process.env.TEST_POSTGRES_URL;
  if (given) return { adminUrl: given, close: () => {} };
  const cluster = await startCluster();
  return { adminUrl: cluster.adminUrl, close: () => cluster.destroy() };
}
