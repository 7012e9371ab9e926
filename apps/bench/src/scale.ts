/**
 * Lists at scale: seeds one platform with N customers (2 accounts each) beside a second platform
 * whose data must never show, then times the first page, a middle page reached by walking the
 * cursors, and filtered pages, at a small and a large N, on SQLite and on PostgreSQL.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type Cluster } from '@raas-customers/pg-cluster';
import Database from 'better-sqlite3';
import pg from 'pg';
import { median, startServer } from './processes.js';
import { basic, temporaryDirectory, temporaryPostgres } from '@raas-customers/test-kit';

export interface ScaleOptions {
  sizes: number[];
  /** Timed requests per measurement (the median is kept). */
  samples: number;
  stores: ('sqlite' | 'postgres')[];
}

export interface ScaleRow {
  store: string;
  customers: number;
  accounts: number;
  seedSeconds: number;
  firstPageMs: number;
  middlePageMs: number;
  filteredCustomersMs: number;
  filteredAccountsMs: number;
  cursorWalkRequests: number;
}

const PLATFORM = { RAAS_PLATFORM_NAME: 'scale-platform', RAAS_PLATFORM_KEY: 'iWCU3Fv59tIyHGrS8QZgMHq3HYEW0Bv1ypUBvHtLxPk' };
const OTHER_CUSTOMERS = 10_000;
const T0 = Date.UTC(2020, 0, 1);

/** Generates rows inside the database itself: millions of rows in seconds, not hours of HTTP. */
function seedSqlite(file: string, customers: number): void {
  const db = new Database(file);
  db.pragma('synchronous = OFF');
  const platform = db.prepare('SELECT id FROM platforms WHERE name = ?').pluck().get(PLATFORM.RAAS_PLATFORM_NAME) as number;
  const other = Number(db.prepare("INSERT INTO platforms (name, created_at) VALUES ('other-platform', 0)").run().lastInsertRowid);
  const insertCustomers = db.prepare(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ? - 1)
    INSERT INTO customers (platform_id, customer_identifier, display_name, status, created_at)
    SELECT ?, ? || i, CASE WHEN i % 100 = 7 THEN 'Scale Hundred' ELSE 'Scale customer ' || i END, 'active', ? + i FROM seq`);
  const insertAccounts = db.prepare(`INSERT INTO accounts (platform_id, customer_id, account_identifier, account_number,
      display_name, currency_code, current_balance_minor, contact_email, funding_notification, status, created_at)
    SELECT c.platform_id, c.id, 'acct-' || c.id || '-' || k.k, printf('A%08d', c.id * 2 + k.k), 'Scale account ' || c.id || '-' || k.k,
      CASE WHEN (c.id * 2 + k.k) % 50 = 0 THEN 'EUR' ELSE 'USD' END, 0, 'scale@acme.example', '[]', 'ACTIVE', c.created_at + k.k
    FROM customers c, (SELECT 0 AS k UNION ALL SELECT 1) k WHERE c.platform_id = ?`);
  db.transaction(() => {
    insertCustomers.run(customers, platform, 'scale-', T0);
    insertCustomers.run(OTHER_CUSTOMERS, other, 'other-', T0);
    insertAccounts.run(platform);
    insertAccounts.run(other);
  })();
  db.exec('ANALYZE');
  db.close();
}

async function seedPostgres(url: string, customers: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // a failure surfaces through the awaited query instead
  await client.connect();
  const platform = (await client.query('SELECT id FROM platforms WHERE name = $1', [PLATFORM.RAAS_PLATFORM_NAME])).rows[0].id;
  const other = (await client.query("INSERT INTO platforms (name, created_at) VALUES ('other-platform', 0) RETURNING id")).rows[0].id;
  const insertCustomers = `INSERT INTO customers (platform_id, customer_identifier, display_name, status, created_at)
    SELECT $1, $2 || i, CASE WHEN i % 100 = 7 THEN 'Scale Hundred' ELSE 'Scale customer ' || i END, 'active', $3::bigint + i
    FROM generate_series(0, $4::int - 1) AS i`;
  const insertAccounts = `INSERT INTO accounts (platform_id, customer_id, account_identifier, account_number, display_name,
      currency_code, current_balance_minor, contact_email, funding_notification, status, created_at)
    SELECT c.platform_id, c.id, 'acct-' || c.id || '-' || k, 'A' || lpad((c.id * 2 + k)::text, 8, '0'), 'Scale account ' || c.id || '-' || k,
      CASE WHEN (c.id * 2 + k) % 50 = 0 THEN 'EUR' ELSE 'USD' END, 0, 'scale@acme.example', '[]', 'ACTIVE', c.created_at + k
    FROM customers c CROSS JOIN generate_series(0, 1) AS k WHERE c.platform_id = $1`;
  await client.query('SET synchronous_commit = off');
  await client.query(insertCustomers, [platform, 'scale-', T0, customers]);
  await client.query(insertCustomers, [other, 'other-', T0, OTHER_CUSTOMERS]);
  await client.query(insertAccounts, [platform]);
  await client.query(insertAccounts, [other]);
  await client.query('VACUUM ANALYZE');
  await client.end();
}

async function timed<B>(samples: number, request: () => Promise<Response>, check: (body: B) => void): Promise<number> {
  const durations: number[] = [];
  for (let i = 0; i < samples + 3; i++) {
    const start = performance.now();
    const response = await request();
    const body = (await response.json()) as B;
    const elapsed = performance.now() - start;
    if (response.status !== 200) throw new Error(`status ${response.status}: ${JSON.stringify(body)}`);
    check(body);
    if (i >= 3) durations.push(elapsed); // the first three warm the caches
  }
  return median(durations);
}

/** The page must be full and hold only this platform's data. */
function ownPage(expected: number) {
  return (body: { items: { customerIdentifier?: string; accountIdentifier?: string }[] }) => {
    if (body.items.length !== expected) throw new Error(`expected ${expected} items, got ${body.items.length}`);
    for (const item of body.items) {
      const id = item.customerIdentifier ?? item.accountIdentifier ?? '';
      if (id.startsWith('other-')) throw new Error(`another platform's item on the page: ${id}`);
    }
  };
}

async function measure(databaseUrl: string, store: string, customers: number, samples: number, seedSeconds: number): Promise<ScaleRow> {
  const server = await startServer(
    'server',
    { PORT: '0', LOG_LEVEL: 'silent', RAAS_MODE: 'production', DATABASE_URL: databaseUrl, ...PLATFORM },
    /listening on (http:\/\/\S+)/,
  );
  try {
    const headers = { authorization: basic(PLATFORM.RAAS_PLATFORM_NAME, PLATFORM.RAAS_PLATFORM_KEY) };
    const get = (path: string) => () => fetch(`${server.origin}${path}`, { headers });

    const firstPageMs = await timed(samples, get('/customers?paginate=true&maxResults=10'), ownPage(10));

    // Walk to the middle with the largest pages, as a client would, then time that page.
    let cursor = '';
    let requests = 0;
    for (let seen = 0; seen < customers / 2; seen += 200) {
      const response = await fetch(`${server.origin}/customers?paginate=true&maxResults=200${cursor && `&nextCursor=${cursor}`}`, {
        headers,
      });
      const page = (await response.json()) as { nextCursor: string | null; items: { customerIdentifier: string }[] };
      ownPage(Math.min(200, customers - seen))(page);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
      requests++;
    }
    const middlePageMs = await timed(samples, get(`/customers?paginate=true&maxResults=10&nextCursor=${cursor}`), ownPage(10));
    const filteredCustomersMs = await timed(samples, get('/customers?paginate=true&maxResults=10&displayName=Scale+Hundred'), ownPage(10));
    const filteredAccountsMs = await timed(samples, get('/accounts?paginate=true&maxResults=10&currencyCode=EUR'), ownPage(10));
    return {
      store,
      customers,
      accounts: customers * 2,
      seedSeconds,
      firstPageMs,
      middlePageMs,
      filteredCustomersMs,
      filteredAccountsMs,
      cursorWalkRequests: requests,
    };
  } finally {
    await server.stop();
  }
}

/** Starts the server once on an empty database so that it migrates and creates the platform. */
async function prepare(databaseUrl: string): Promise<void> {
  const server = await startServer(
    'server',
    {
      PORT: '0',
      LOG_LEVEL: 'silent',
      RAAS_MODE: 'production',
      DATABASE_URL: databaseUrl,
      ...PLATFORM,
    },
    /listening on (http:\/\/\S+)/,
  );
  await server.stop();
}

export async function runScale(options: ScaleOptions, log: (line: string) => void): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  let cluster: Cluster | undefined;
  try {
    for (const store of options.stores) {
      if (store === 'postgres') cluster = await startCluster();
      for (const customers of options.sizes) {
        const dir = temporaryDirectory('raas-scale-').path;
        const database = store === 'postgres' ? await temporaryPostgres(cluster!.adminUrl) : undefined;
        const url = database?.url ?? `file:${join(dir, 'raas.db')}`;
        try {
          await prepare(url);
          const started = performance.now();
          if (database) await seedPostgres(database.url, customers);
          else seedSqlite(join(dir, 'raas.db'), customers);
          const seedSeconds = (performance.now() - started) / 1000;
          log(`  ${store}: seeded ${customers} customers and ${customers * 2} accounts in ${seedSeconds.toFixed(1)} s`);
          const row = await measure(url, store, customers, options.samples, seedSeconds);
          log(
            `  ${store} @ ${customers}: first ${row.firstPageMs.toFixed(2)} ms, middle ${row.middlePageMs.toFixed(2)} ms, filtered ${row.filteredCustomersMs.toFixed(2)} / ${row.filteredAccountsMs.toFixed(2)} ms`,
          );
          rows.push(row);
        } finally {
          await database?.drop();
          rmSync(dir, { recursive: true, force: true });
        }
      }
      cluster?.destroy();
      cluster = undefined;
    }
  } finally {
    cluster?.destroy();
  }
  return rows;
}
