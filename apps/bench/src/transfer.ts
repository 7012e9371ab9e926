/**
 * Transfers (issue 15, item 6): POST /raas/v2/transferFunds under load, beside a baseline that
 * performs the same transfer as a bare SQL transaction from one Node process with the same
 * concurrency, on the same database (the schema the server's migrations created, the same funded
 * accounts) right after our run.
 *   - SQLite: one server instance with production settings (synchronous=FULL, auth, validation,
 *     JSON logs); the baseline is better-sqlite3 on the file (WAL, synchronous=FULL), one
 *     transaction per transfer, `connections` concurrent async loops.
 *   - PostgreSQL (a private cluster): two server instances, the connections split between them;
 *     the baseline is a pg pool of `connections` clients, as many concurrent loops.
 * Transfer k moves 0.01 within pair k mod PAIRS of funded accounts, the direction flipping each
 * time round (so balances stay put whatever the run's length): the requests in flight at once
 * touch different accounts, and what is measured is the cost of a transfer, not a queue on one
 * hot account's row lock (a first version moving money around a ring of 20 accounts chained
 * every transfer to its neighbours' locks). After each runner, `raas ledger verify` must pass
 * (each balance the sum of its entries): the baseline did the whole work, and our server lost
 * nothing under load. The PostgreSQL cluster runs with fsync off (pg-cluster), for both alike.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type Cluster } from '@raas-customers/pg-cluster';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import { median, type Running, serverCli, startServer } from './processes.js';
import { basic, cpuMicros, sandboxCardRequest, temporaryDirectory, temporaryPostgres } from '@raas-customers/test-kit';

export interface TransferOptions {
  connections: number[];
  /** Seconds per measured run; each point is run `repeats` times after a warm-up of `warmup` seconds. */
  duration: number;
  warmup: number;
  repeats: number;
  stores: TransferStore[];
}

export type TransferStore = 'sqlite' | 'postgres';
export type TransferRunner = 'raas-customers' | 'bare SQL';

export interface TransferRow {
  store: TransferStore;
  runner: TransferRunner;
  /** How many server instances took the load (the baseline: 0, it is one process with the database). */
  instances: number;
  connections: number;
  transfersPerSecond: number;
  spread: [number, number];
  p50Ms: number;
  p99Ms: number;
  /** CPU time per transfer of our server processes, or of the baseline's process. */
  cpuMicrosPerTransfer: number;
  /** Answers other than 200 (ours) or failed transactions (baseline): a benchmark of errors measures nothing. */
  failures: number;
}

const PLATFORM = { name: 'bench-money', key: 'Hq3Xv8Lm2Tz6Wc9Rb1Nk5Pd7Fs4Jg0Ye-Ua_Io2Kw8E' };
export const PAIRS = 50;
export const account = (i: number) => `bench-pool-${i}`;
/** Transfer k's accounts: pair k mod PAIRS, one way on even rounds, back on odd ones. */
export function pairOf(k: number): { from: string; to: string } {
  const pair = k % PAIRS;
  const back = Math.floor(k / PAIRS) % 2;
  return { from: account(2 * pair + back), to: account(2 * pair + 1 - back) };
}

/**
 * The server's transfer (apps/server/src/store/funding-sql.ts, `transfer`), statement for
 * statement: lock both accounts in id order and read them (with whether a Pending deposit is
 * due; the load sends no externalRefID, so the lock looks none up), insert the transfer, both balance changes in one
 * UPDATE checked in the statement, both ledger entries in one INSERT. `?` placeholders;
 * PostgreSQL's numbered ones and its FOR UPDATE are derived below, as the server's driver does.
 */
export const SQL = {
  lock: `SELECT a.id, c.customer_identifier, a.account_identifier, a.account_number, a.display_name,
  a.currency_code, a.status, a.contact_email, a.current_balance_minor,
         0 AS sent,
         CASE WHEN EXISTS (SELECT 1 FROM deposits d WHERE d.platform_id = a.platform_id AND d.status = 'PENDING' AND d.resolve_at <= ?)
           THEN 1 ELSE 0 END AS due
       FROM accounts a JOIN customers c ON c.id = a.customer_id
       WHERE a.platform_id = ? AND a.account_identifier IN (?, ?) ORDER BY a.id`,
  insertTransfer: `INSERT INTO transfers (platform_id, from_account_id, to_account_id, amount_minor, notes, external_ref_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  post: `UPDATE accounts SET current_balance_minor = current_balance_minor + CASE WHEN id = ? THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END
         WHERE id IN (?, ?) AND current_balance_minor + CASE WHEN id = ? THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END >= 0
         RETURNING id, current_balance_minor`,
  entries: `INSERT INTO ledger_entries (platform_id, account_id, kind, amount_minor, balance_after_minor, reference, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)`,
};
/** The values of `post` moving `amountMinor` from `fromId` to `toId`. */
export const postValues = (fromId: number, toId: number, amountMinor: number) => [
  fromId,
  -amountMinor,
  amountMinor,
  fromId,
  toId,
  fromId,
  -amountMinor,
  amountMinor,
];
/** The balances `post` returned, or an error when a side is missing (overdrawn). */
export function after(rows: { id: number; current_balance_minor: number }[], fromId: number, toId: number): [number, number] {
  // pg reads BIGINT ids as strings: compared as numbers.
  const from = rows.find((row) => Number(row.id) === Number(fromId))?.current_balance_minor;
  const to = rows.find((row) => Number(row.id) === Number(toId))?.current_balance_minor;
  if (from === undefined || to === undefined) throw new Error('overdrawn');
  return [from, to];
}
export const entryValues = (
  platformId: number,
  fromId: number,
  toId: number,
  amountMinor: number,
  balances: [number, number],
  reference: string,
  at: number,
) => [
  ...[platformId, fromId, 'transfer_out', -amountMinor, balances[0], reference, at],
  ...[platformId, toId, 'transfer_in', amountMinor, balances[1], reference, at],
];
const numbered = (sql: string) => {
  let position = 0;
  return sql.replace(/\?/g, () => `$${++position}`);
};

export interface AccountRow {
  id: number;
  account_identifier: string;
  status: string;
  currency_code: string;
  current_balance_minor: number;
}

/** The decision the server's domain makes on the locked rows (funding-service.ts), reduced to what this load can meet. */
export function check(rows: AccountRow[], fromIdentifier: string, amountMinor: number): { from: AccountRow; to: AccountRow } {
  const from = rows.find((row) => row.account_identifier === fromIdentifier);
  const to = rows.find((row) => row.account_identifier !== fromIdentifier);
  if (!from || !to || from.status !== 'ACTIVE' || to.status !== 'ACTIVE' || from.currency_code !== to.currency_code) {
    throw new Error('transfer refused');
  }
  if (Number(from.current_balance_minor) < amountMinor) throw new Error('insufficient funds');
  return { from, to };
}

interface Measured {
  transfersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerTransfer: number;
  failures: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

/**
 * `connections` loops, each running `transfer(k)` back to back for `seconds`, k counting all
 * transfers; latency is each call's time, CPU this process's.
 */
async function loops(connections: number, seconds: number, transfer: (k: number) => Promise<void>): Promise<Measured> {
  const latencies: number[] = [];
  let failures = 0;
  let k = 0;
  const end = performance.now() + seconds * 1000;
  const cpuBefore = process.cpuUsage();
  const loop = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        await transfer(k++);
      } catch {
        failures++;
      }
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    transfersPerSecond: (latencies.length - failures) / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMicrosPerTransfer: (cpu.user + cpu.system) / Math.max(1, latencies.length),
    failures,
  };
}

/** The bare SQL transfer on a better-sqlite3 connection of the server's file (WAL, synchronous=FULL). */
function sqliteBaseline(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const platformId = db.prepare('SELECT id FROM platforms WHERE name = ?').pluck().get(PLATFORM.name) as number;
  const lock = db.prepare(SQL.lock);
  const insertTransfer = db.prepare(SQL.insertTransfer);
  const post = db.prepare(SQL.post);
  const entries = db.prepare(SQL.entries);
  const transfer = db.transaction((k: number) => {
    const at = Date.now();
    const pair = pairOf(k);
    const { from, to } = check(lock.all(at, platformId, pair.from, pair.to) as AccountRow[], pair.from, 1);
    const { id } = insertTransfer.get(platformId, from.id, to.id, 1, null, null, at) as { id: number };
    const balances = after(post.all(...postValues(from.id, to.id, 1)) as { id: number; current_balance_minor: number }[], from.id, to.id);
    entries.run(...entryValues(platformId, from.id, to.id, 1, balances, `transfer ${id}`, at));
  });
  return {
    // Synchronous, as the server's own SQLite writes are: a turn of the event loop between transfers lets the other loops in.
    run: (k: number) =>
      new Promise<void>((resolve, reject) =>
        setImmediate(() => {
          try {
            transfer.immediate(k);
            resolve();
          } catch (error) {
            reject(error);
          }
        }),
      ),
    close: async () => {
      db.close();
    },
  };
}

/** The bare SQL transfer on a pg pool of `size` clients. */
async function postgresBaseline(url: string, size: number) {
  const pool = new pg.Pool({ connectionString: url, max: size });
  pool.on('error', () => {}); // an idle client's failure surfaces through the next query instead
  // Every client connected before the clock starts, as the servers' pools are after their warm-up.
  const clients = await Promise.all(Array.from({ length: size }, () => pool.connect()));
  for (const client of clients) client.release();
  const platformId = (await pool.query('SELECT id FROM platforms WHERE name = $1', [PLATFORM.name])).rows[0].id as number;
  const lock = `${numbered(SQL.lock)} FOR UPDATE OF a`;
  const insertTransfer = numbered(SQL.insertTransfer);
  const post = numbered(SQL.post);
  const entries = numbered(SQL.entries);
  return {
    async run(k: number) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const at = Date.now();
        const pair = pairOf(k);
        const locked = await client.query<AccountRow>(lock, [at, platformId, pair.from, pair.to]);
        const { from, to } = check(locked.rows, pair.from, 1);
        const { id } = (await client.query<{ id: number }>(insertTransfer, [platformId, from.id, to.id, 1, null, null, at])).rows[0]!;
        const moved = await client.query<{ id: number; current_balance_minor: number }>(post, postValues(from.id, to.id, 1));
        const balances = after(moved.rows, from.id, to.id);
        await client.query(entries, entryValues(platformId, from.id, to.id, 1, balances, `transfer ${id}`, at));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Our server instances, each with its share of the connections (autocannon per instance, at once). */
async function loadOurs(instances: Running[], connections: number, seconds: number): Promise<Measured> {
  const authorization = basic(PLATFORM.name, PLATFORM.key);
  let k = 0;
  const shares = instances
    .map((instance, i) => ({
      instance,
      connections: Math.floor(connections / instances.length) + (i < connections % instances.length ? 1 : 0),
    }))
    .filter((share) => share.connections > 0);
  const cpuBefore = instances.map((instance) => cpuMicros(instance.child.pid!));
  const results = await Promise.all(
    shares.map(({ instance, connections: share }) =>
      autocannon({
        url: instance.origin,
        connections: share,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: '/raas/v2/transferFunds',
            headers: { authorization, 'content-type': 'application/json' },
            setupRequest: (request: autocannon.Request) => {
              const { from, to } = pairOf(k++);
              return { ...request, body: JSON.stringify({ transferFrom: from, transferTo: to, amount: 0.01 }) };
            },
          },
        ],
      }),
    ),
  );
  const cpu = instances.reduce((sum, instance, i) => sum + cpuMicros(instance.child.pid!) - cpuBefore[i]!, 0);
  const total = results.reduce((sum, r) => sum + r.requests.total, 0);
  const failures = results.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
  // Two load generators' percentiles cannot be merged exactly: the larger of each is reported.
  return {
    transfersPerSecond: (total - failures) / seconds,
    p50Ms: Math.max(...results.map((r) => r.latency.p50)),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    cpuMicrosPerTransfer: total > 0 ? cpu / total : Number.NaN,
    failures,
  };
}

async function startInstance(databaseUrl: string): Promise<Running> {
  return startServer(
    'raas-customers',
    {
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      RAAS_MODE: 'production',
      PORT: '0',
      RAAS_PLATFORM_NAME: PLATFORM.name,
      RAAS_PLATFORM_KEY: PLATFORM.key,
    },
    /listening on (http:\/\/[^/\s]+)/,
  );
}

/** A customer with the pairs' accounts, each with a sandbox card and 10,000.00 deposited through the API. */
async function fund(origin: string): Promise<void> {
  const headers = { authorization: basic(PLATFORM.name, PLATFORM.key), 'content-type': 'application/json' };
  const post = async (path: string, body: object, status: number) => {
    const response = await fetch(`${origin}/raas/v2${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (response.status !== status) throw new Error(`funding ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<{ token?: string; status?: string }>;
  };
  await post('/customers', { customerIdentifier: 'bench-payer', displayName: 'Bench payer' }, 201);
  for (let i = 0; i < 2 * PAIRS; i++) {
    const accountIdentifier = account(i);
    await post(
      '/customers/bench-payer/accounts',
      { accountIdentifier, displayName: `Bench pool ${i}`, contactEmail: 'bench@acme.example' },
      201,
    );
    const card = await post('/creditCards', sandboxCardRequest('bench-payer', accountIdentifier, { label: 'Bench card' }), 201);
    const deposit = await post(
      '/creditCardDeposits',
      { customerIdentifier: 'bench-payer', accountIdentifier, creditCardToken: card.token, amount: 10_000 },
      200,
    );
    if (deposit.status !== 'SUCCESS') throw new Error(`funding ${accountIdentifier}: ${JSON.stringify(deposit)}`);
  }
}

/** The operator's `raas ledger verify` on the database: it exits 1 (execFileSync throws, with its output) on any difference. */
function verifyLedger(databaseUrl: string): void {
  execFileSync(process.execPath, [serverCli, 'ledger', 'verify'], {
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl },
    stdio: 'pipe',
  });
}

interface Runner {
  run(connections: number, seconds: number): Promise<Measured>;
  close(): Promise<void>;
}

/** Each connection count on a runner prepared for it (a pool of that size, connected before the clock starts). */
async function measure(
  options: TransferOptions,
  prepare: (connections: number) => Promise<Runner>,
  row: Pick<TransferRow, 'store' | 'runner' | 'instances'>,
  log: (line: string) => void,
): Promise<TransferRow[]> {
  const rows: TransferRow[] = [];
  for (const connections of options.connections) {
    const runner = await prepare(connections);
    const runs: Measured[] = [];
    try {
      if (options.warmup > 0) await runner.run(connections, options.warmup);
      for (let i = 0; i < options.repeats; i++) runs.push(await runner.run(connections, options.duration));
    } finally {
      await runner.close();
    }
    const rates = runs.map((r) => r.transfersPerSecond);
    const measured: TransferRow = {
      ...row,
      connections,
      transfersPerSecond: median(rates),
      spread: [Math.min(...rates), Math.max(...rates)],
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      cpuMicrosPerTransfer: median(runs.map((r) => r.cpuMicrosPerTransfer)),
      failures: runs.reduce((sum, r) => sum + r.failures, 0),
    };
    rows.push(measured);
    log(
      `  ${row.store} | ${row.runner} | c=${connections}: ${measured.transfersPerSecond.toFixed(0)} transfers/s, p99 ${measured.p99Ms.toFixed(1)} ms`,
    );
  }
  return rows;
}

export async function runTransfer(options: TransferOptions, log: (line: string) => void): Promise<TransferRow[]> {
  const rows: TransferRow[] = [];
  for (const store of options.stores) {
    const dir = temporaryDirectory('raas-transfer-').path;
    let cluster: Cluster | undefined;
    let database: { url: string; drop(): Promise<void> } | undefined;
    const instances: Running[] = [];
    try {
      if (store === 'postgres') {
        cluster = await startCluster();
        database = await temporaryPostgres(cluster.adminUrl);
      }
      const file = join(dir, 'raas.db');
      const url = database?.url ?? `file:${file}`;
      // One instance first (it migrates and provisions), then the second beside it.
      instances.push(await startInstance(url));
      if (store === 'postgres') instances.push(await startInstance(url));
      await fund(instances[0]!.origin);
      const ours: Runner = { run: (c, s) => loadOurs(instances, c, s), close: async () => {} };
      rows.push(...(await measure(options, async () => ours, { store, runner: 'raas-customers', instances: instances.length }, log)));
      await Promise.all(instances.splice(0).map((instance) => instance.stop()));
      verifyLedger(url);

      const bare = async (connections: number): Promise<Runner> => {
        const baseline = store === 'sqlite' ? sqliteBaseline(file) : await postgresBaseline(url, connections);
        return { run: (c, s) => loops(c, s, (k) => baseline.run(k)), close: () => baseline.close() };
      };
      rows.push(...(await measure(options, bare, { store, runner: 'bare SQL', instances: 0 }, log)));
      verifyLedger(url);
    } finally {
      await Promise.all(instances.map((instance) => instance.stop()));
      await database?.drop().catch(() => {});
      cluster?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
