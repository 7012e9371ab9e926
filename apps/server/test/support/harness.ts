/**
 * A real server for the contract tests: createApp on an ephemeral port over a fresh database,
 * with response validation on, and clients that record every (operationId, status) they observe.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRaasClient, type RaasClient, type paths } from '@raas-customers/client';
import createClient, { type Middleware } from 'openapi-fetch';
import { createApp } from '../../src/app.js';
import { ensurePlatform, issueCredential } from '../../src/auth/platforms.js';
import { createLogger } from '../../src/logger.js';
import { inject } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { type Store, StoreUnavailable } from '../../src/domain/ports.js';
import { type Credentials, type DatabaseKind, type TemporaryDatabase, basic, temporaryDatabase } from '@raas-customers/test-kit';
import { operationFor, responseProblems, templateOf } from './spec.js';
import type { Clock } from '../../src/domain/clock.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import type { SqlDriver } from '../../src/store/sql/driver.js';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';

/** A clock the test moves: the machine's time plus an offset, for every platform. */
export class TestClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** A driver of its own on the database, for what no operation does (tests set a status, tamper a ledger). */
export async function openDriver(kind: StoreKind, databaseUrl: string): Promise<SqlDriver> {
  return kind === 'sqlite'
    ? new SqliteDriver(databaseUrl)
    : PostgresDriver.open(databaseUrl, { poolMax: 2, connectTimeoutMs: 2000, queryTimeoutMs: 10_000 });
}

/** Every (operationId, status) pair any test observed, for the coverage test. */
export const observed = new Set<string>();

function observe(method: string, schemaPath: string, status: number, body: unknown): void {
  const operation = operationFor(method, schemaPath);
  observed.add(`${operation.operationId} ${status}`);
  if (!operation.statuses.includes(String(status))) {
    throw new Error(`${operation.operationId} answered ${status}, which the spec does not document`);
  }
  const problems = responseProblems(operation, status, body);
  if (problems.length > 0) {
    throw new Error(`${operation.operationId} ${status} body does not match the spec: ${problems.join('; ')}`);
  }
}

export { basic, type Credentials };

export type ApiClient = RaasClient;

/**
 * The published client (@raas-customers/client), plus a middleware that checks and records every
 * response. With null credentials, a bare openapi-fetch client of the same types sends none.
 */
export function createApiClient(baseUrl: string, credentials: Credentials | null): ApiClient {
  const client = credentials
    ? createRaasClient({ baseUrl, platformName: credentials.name, platformKey: credentials.key })
    : createClient<paths, 'application/json'>({ baseUrl });
  const observer: Middleware = {
    async onResponse({ request, response, schemaPath }) {
      const body: unknown = response.headers.get('content-type')?.includes('json') ? await response.clone().json() : undefined;
      observe(request.method, schemaPath, response.status, body);
      return response;
    },
  };
  client.use(observer);
  return client;
}

export const STORE_KINDS = ['sqlite', 'postgres'] as const satisfies readonly DatabaseKind[];
export type StoreKind = (typeof STORE_KINDS)[number];

/** A fresh, empty database of that kind (PostgreSQL on the run's server); drop() removes it. */
export function freshDatabase(kind: StoreKind): Promise<TemporaryDatabase> {
  return temporaryDatabase(kind, () => inject('postgresAdminUrl'));
}

/** The store with one method replaced by `replace(original)` (the original bound to the store), for tests that hold or count calls. */
export function wrapMethod<K extends keyof Store>(store: Store, method: K, replace: (original: Store[K]) => Store[K]): Store {
  const original = store[method];
  const replaced = replace((typeof original === 'function' ? original.bind(store) : original) as Store[K]);
  return new Proxy(store, {
    get: (target, property, receiver) => (property === method ? replaced : Reflect.get(target, property, receiver)),
  });
}

/** The store as it behaves while its database is down: every call fails as unavailable. */
function unavailable(store: Store): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      return () => Promise.reject(new StoreUnavailable(new Error('connection refused (simulated)')));
    },
  });
}

export interface TestServer {
  kind: StoreKind;
  baseUrl: string;
  /** The database the server uses (a fresh one per server). */
  databaseUrl: string;
  store: Store;
  /** Full access on platform one. */
  one: Credentials;
  oneReadOnly: Credentials;
  /** Platform one, limited to the customers `restricted-one` and `restricted-two`. */
  oneRestricted: Credentials;
  two: Credentials;
  /** A client with these credentials (platform one's full key by default, none with null). */
  client(credentials?: Credentials | null): ApiClient;
  /** The clock the server reads (the machine's time, moved by `advance`). */
  clock: TestClock;
  /** One SQL statement on the server's database, outside any operation. */
  sql(text: string, values?: unknown[]): Promise<unknown[]>;
  /** A request outside the typed client (bad bodies, headers, routes); still observed. */
  raw(method: string, path: string, init?: { headers?: Record<string, string>; body?: string | Buffer }): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(
  kind: StoreKind = 'sqlite',
  options: {
    databaseDown?: boolean;
    authFailureLimit?: number;
    strictBodies?: boolean;
    depositPendingMs?: number;
    /** How long credentials stay cached (the app's 1 s by default): a long one shows what a cached key can still do. */
    credentialCacheMs?: number;
    /** The store as the server sees it (a test holds one call back to race another against it). */
    wrapStore?: (store: Store) => Store;
    /** Sandbox (the default) or production mode. */
    mode?: 'sandbox' | 'production';
    /** The server's logger (silent by default): a test reads what it logged. */
    logger?: ReturnType<typeof createLogger>;
  } = {},
): Promise<TestServer> {
  const database = await freshDatabase(kind);
  const store = await openStore(database.url);
  await ensurePlatform(store, 'platform-one');
  await ensurePlatform(store, 'platform-two');
  const issue = async (platform: string, options = {}) => {
    const issued = await issueCredential(store, platform, options);
    return { name: issued.platformName, key: issued.platformKey };
  };
  const one = await issue('platform-one');
  const oneReadOnly = await issue('platform-one', { readOnly: true });
  const oneRestricted = await issue('platform-one', { allowedCustomers: ['restricted-one', 'restricted-two'] });
  const two = await issue('platform-two');

  const clock = new TestClock();
  let driver: SqlDriver | undefined;
  const app = createApp({
    clock,
    depositPendingMs: options.depositPendingMs ?? 5000,
    store: options.databaseDown ? unavailable(store) : (options.wrapStore?.(store) ?? store),
    logger: options.logger ?? createLogger('silent'),
    mode: options.mode,
    credentialCacheMs: options.credentialCacheMs,
    validateResponses: true,
    authFailures: { limit: options.authFailureLimit ?? 1000, windowMs: 60_000 },
    strictBodies: options.strictBodies,
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/raas/v2`;

  return {
    kind,
    baseUrl,
    databaseUrl: database.url,
    store,
    one,
    oneReadOnly,
    oneRestricted,
    two,
    clock,
    async sql(text, values = []) {
      driver ??= await openDriver(kind, database.url);
      return (await driver.write(text, values)).rows;
    },
    client: (credentials: Credentials | null = one) => createApiClient(baseUrl, credentials),
    async raw(method, path, init = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: init.headers,
        body: init.body,
      });
      const operation = templateOf(method, path.split('?')[0] ?? path);
      if (operation) {
        const body: unknown = response.headers.get('content-type')?.includes('json') ? await response.clone().json() : undefined;
        observe(method, operation.path, response.status, body);
      }
      return response;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await driver?.close();
      await store.close();
      await database.drop();
    },
  };
}
