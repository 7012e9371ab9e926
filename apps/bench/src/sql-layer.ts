/**
 * The SQL layer (issue 11, item 3): our driver seam (apps/server/src/store/sql/driver.ts, with
 * SQLite's group commit) against Kysely, in-process (no HTTP), on the schema the server's
 * migrations create and data its own store wrote. Three runners per point, interleaved run by run
 * so that the machine's noise falls on all of them alike:
 *   - ours: the server's CustomerSql and its driver's `transaction` seam, as the server runs them;
 *   - Kysely: the same statements built with Kysely's query builder and run by its own dialects
 *     (SqliteDialect on a better-sqlite3 connection of the same file, WAL and synchronous=FULL;
 *     PostgresDialect on a pg pool of the same size as ours), transactions through
 *     `db.transaction().execute()`;
 *   - Kysely-built on ours: Kysely as a compiler only — each statement built and `.compile()`d
 *     on every call, then run on our drivers (so SQLite's group commit stays).
 * Scenarios: the reads of GET one customer (the customer, then its accounts, as findCustomer
 * does), inserting a customer (a single-row write), and the transfer of transfer.ts's baseline
 * (lock both accounts, insert the transfer, both balance changes in one UPDATE, both ledger
 * entries in one INSERT). Beside them, what building and compiling each statement costs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Cluster, startCluster } from '@raas-customers/pg-cluster';
import { PostgresDriver } from '@raas-customers/server/src/store/postgres/postgres-driver.js';
import { CustomerSql } from '@raas-customers/server/src/store/customer-sql.js';
import { type CustomerRow, type SummaryRow, customersWithAccounts, toCustomer } from '@raas-customers/server/src/store/rows.js';
import { type SqlDriver, forUpdate, tx } from '@raas-customers/server/src/store/sql/driver.js';
import { SqlStore } from '@raas-customers/server/src/store/sql-store.js';
import { SqliteDriver } from '@raas-customers/server/src/store/sqlite/sqlite-driver.js';
import { temporaryDirectory, temporaryPostgres } from '@raas-customers/test-kit';
import Database from 'better-sqlite3';
import {
  type CompiledQuery,
  DummyDriver,
  type ExpressionBuilder,
  type Generated,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCreator,
  SqliteAdapter,
  SqliteDialect,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import pg from 'pg';
import { fixed, median } from './processes.js';
import { type AccountRow, PAIRS, SQL, account, after, check, entryValues, pairOf, postValues } from './transfer.js';

export type SqlLayerStore = 'sqlite' | 'postgres';
export type SqlLayerScenario = 'GET one customer (reads)' | 'insert a customer' | 'transfer';
export const SQL_LAYER_RUNNERS = ['ours', 'Kysely', 'Kysely-built on ours'] as const;
export type SqlLayerRunner = (typeof SQL_LAYER_RUNNERS)[number];

export interface SqlLayerOptions {
  /** Seconds per measured run; each runner runs `repeats` times, interleaved, after a warm-up of `warmup` seconds each. */
  duration: number;
  warmup: number;
  repeats: number;
  stores: SqlLayerStore[];
  points: { scenario: SqlLayerScenario; concurrency: number[] }[];
  /** Builds and compiles timed per statement for its cost. */
  compileSamples: number;
}

export const SQL_LAYER_POINTS: SqlLayerOptions['points'] = [
  { scenario: 'GET one customer (reads)', concurrency: [1, 50] },
  { scenario: 'insert a customer', concurrency: [1, 10, 50] },
  { scenario: 'transfer', concurrency: [1, 10] },
];

export interface SqlLayerRow {
  store: SqlLayerStore;
  scenario: SqlLayerScenario;
  concurrency: number;
  runner: SqlLayerRunner;
  /** Operations per second, the median of the runs. */
  perSecond: number;
  spread: [number, number];
  /** This runner ÷ ours, in the same point. */
  ratio: number;
  /** Operations that threw: a benchmark of errors measures nothing. */
  failures: number;
}

export interface CompileCost {
  dialect: SqlLayerStore;
  statement: string;
  /** Building the statement with the query builder and compiling it, per statement. */
  microsPerStatement: number;
}

export interface SqlLayerReport {
  rows: SqlLayerRow[];
  compile: CompileCost[];
}

/** The tables touched, as the server's migrations create them (only the columns used here). */
interface DB {
  customers: {
    id: Generated<number>;
    platform_id: number;
    customer_identifier: string;
    display_name: string;
    status: string;
    created_at: number;
  };
  accounts: {
    id: Generated<number>;
    platform_id: number;
    customer_id: number;
    account_identifier: string;
    account_number: string;
    display_name: string;
    currency_code: string;
    current_balance_minor: Generated<number>;
    contact_email: string;
    funding_notification: Generated<string>;
    status: string;
    created_at: number;
  };
  deposits: { platform_id: number; status: string; resolve_at: number };
  transfers: {
    id: Generated<number>;
    platform_id: number;
    from_account_id: number;
    to_account_id: number;
    amount_minor: number;
    notes: string | null;
    external_ref_id: string | null;
    created_at: number;
  };
  ledger_entries: {
    id: Generated<number>;
    platform_id: number;
    account_id: number;
    kind: string;
    amount_minor: number;
    balance_after_minor: number;
    reference: string;
    created_at: number;
  };
}

type Q = QueryCreator<DB>;

/** An account's balance after the transfer, as the server's UPDATE writes it and checks it (the same CASE twice). */
const balanceAfter = (eb: ExpressionBuilder<DB, 'accounts'>, fromId: number, amountMinor: number) =>
  eb(
    'current_balance_minor',
    '+',
    eb
      .case()
      .when('id', '=', fromId)
      .then(eb.cast<number>(eb.val(-amountMinor), 'bigint'))
      .else(eb.cast<number>(eb.val(amountMinor), 'bigint'))
      .end(),
  );

/** The statements, built with Kysely's query builder: the same SQL as ours, clause for clause. */
const build = {
  findCustomer: (q: Q, platformId: number, customerIdentifier: string) =>
    q
      .selectFrom('customers as c')
      .select(['c.id', 'c.customer_identifier', 'c.display_name', 'c.status', 'c.created_at'])
      .where('c.platform_id', '=', platformId)
      .where('c.customer_identifier', '=', customerIdentifier),
  accountsOf: (q: Q, customerIds: number[]) =>
    q
      .selectFrom('accounts as a')
      .select([
        'a.customer_id',
        'a.account_identifier',
        'a.account_number',
        'a.display_name',
        'a.currency_code',
        'a.status',
        'a.created_at',
      ])
      .where('a.customer_id', 'in', customerIds)
      .orderBy('a.customer_id')
      .orderBy('a.created_at')
      .orderBy('a.id'),
  insertCustomer: (q: Q, platformId: number, customerIdentifier: string, at: number) =>
    q
      .insertInto('customers')
      .values({
        platform_id: platformId,
        customer_identifier: customerIdentifier,
        display_name: 'SQL layer',
        status: 'ACTIVE',
        created_at: at,
      })
      .returning(['id', 'customer_identifier', 'display_name', 'status', 'created_at']),
  lock: (q: Q, dialect: SqlLayerStore, platformId: number, from: string, to: string, at: number) => {
    const select = q
      .selectFrom('accounts as a')
      .innerJoin('customers as c', 'c.id', 'a.customer_id')
      .select([
        'a.id',
        'c.customer_identifier',
        'a.account_identifier',
        'a.account_number',
        'a.display_name',
        'a.currency_code',
        'a.status',
        'a.contact_email',
        'a.current_balance_minor',
      ])
      .select((eb) => [
        sql<number>`0`.as('sent'),
        eb
          .case()
          .when(
            eb.exists(
              eb
                .selectFrom('deposits as d')
                .select(sql<number>`1`.as('one'))
                .whereRef('d.platform_id', '=', 'a.platform_id')
                .where('d.status', '=', 'PENDING')
                .where('d.resolve_at', '<=', at),
            ),
          )
          .then(sql<number>`1`)
          .else(sql<number>`0`)
          .end()
          .as('due'),
      ])
      .where('a.platform_id', '=', platformId)
      .where('a.account_identifier', 'in', [from, to])
      .orderBy('a.id');
    return dialect === 'postgres' ? select.forUpdate('a') : select;
  },
  insertTransfer: (q: Q, platformId: number, fromId: number, toId: number, amountMinor: number, at: number) =>
    q
      .insertInto('transfers')
      .values({
        platform_id: platformId,
        from_account_id: fromId,
        to_account_id: toId,
        amount_minor: amountMinor,
        notes: null,
        external_ref_id: null,
        created_at: at,
      })
      .returning('id'),
  post: (q: Q, fromId: number, toId: number, amountMinor: number) =>
    q
      .updateTable('accounts')
      .set((eb) => ({
        current_balance_minor: balanceAfter(eb, fromId, amountMinor),
      }))
      .where('id', 'in', [fromId, toId])
      .where((eb) => eb(balanceAfter(eb, fromId, amountMinor), '>=', 0))
      .returning(['id', 'current_balance_minor']),
  entries: (
    q: Q,
    platformId: number,
    fromId: number,
    toId: number,
    amountMinor: number,
    balances: [number, number],
    reference: string,
    at: number,
  ) =>
    q.insertInto('ledger_entries').values([
      {
        platform_id: platformId,
        account_id: fromId,
        kind: 'transfer_out',
        amount_minor: -amountMinor,
        balance_after_minor: balances[0],
        reference,
        created_at: at,
      },
      {
        platform_id: platformId,
        account_id: toId,
        kind: 'transfer_in',
        amount_minor: amountMinor,
        balance_after_minor: balances[1],
        reference,
        created_at: at,
      },
    ]),
};

/** Kysely without a database: it only builds and compiles (its driver is never called). */
function compiler(dialect: SqlLayerStore): Kysely<DB> {
  return new Kysely<DB>({
    dialect:
      dialect === 'sqlite'
        ? {
            createAdapter: () => new SqliteAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (db) => new SqliteIntrospector(db),
            createQueryCompiler: () => new SqliteQueryCompiler(),
          }
        : {
            createAdapter: () => new PostgresAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (db) => new PostgresIntrospector(db),
            createQueryCompiler: () => new PostgresQueryCompiler(),
          },
  });
}

/** BIGINT as a JavaScript number, as the server's PostgreSQL driver reads it (ids are compared as numbers). */
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const PLATFORM = 'bench-sql-layer';
const READER = 'sql-layer-reader';
const PAYER = 'sql-layer-payer';
/** The most callers at once in any point: both pools hold that many connections. */
const POOL = 50;

interface Fixture {
  platformId: number;
  /** Our driver: the one the seeding store wrote through. */
  ours: SqlDriver;
  kysely: Kysely<DB>;
  close(): Promise<void>;
}

/** The server's store migrates and seeds the database; ours and Kysely then each hold connections of their own to it. */
async function prepare(store: SqlLayerStore, url: string, file: string): Promise<Fixture> {
  const ours: SqlDriver =
    store === 'sqlite'
      ? new SqliteDriver(url)
      : await PostgresDriver.open(url, { poolMax: POOL, connectTimeoutMs: 10_000, queryTimeoutMs: 30_000 });
  const now = new Date();
  const seed = new SqlStore(ours);
  const platform = await seed.createPlatform(PLATFORM, now);
  for (const [customerIdentifier, accounts] of [
    [READER, 2],
    [PAYER, 2 * PAIRS],
  ] as const) {
    await seed.insertCustomer(platform.id, { customerIdentifier, displayName: customerIdentifier, status: 'ACTIVE' }, now);
    for (let i = 0; i < accounts; i++) {
      const accountIdentifier = customerIdentifier === PAYER ? account(i) : `${READER}-${i}`;
      await seed.insertAccount(
        platform.id,
        customerIdentifier,
        {
          accountIdentifier,
          accountNumber: `SL${customerIdentifier === PAYER ? 'P' : 'R'}${String(i).padStart(8, '0')}`,
          displayName: accountIdentifier,
          contactEmail: 'bench@acme.example',
          currencyCode: 'USD',
          fundingNotification: [],
          status: 'ACTIVE',
        },
        now,
      );
      if (customerIdentifier === PAYER) {
        await seed.adjustBalance(platform.id, accountIdentifier, { amountMinor: 1_000_000, reference: 'sql layer seed' }, now);
      }
    }
  }
  let kysely: Kysely<DB>;
  if (store === 'sqlite') {
    // Production's settings on Kysely's own connection too.
    const database = new Database(file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    kysely = new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
  } else {
    const pool = new pg.Pool({ connectionString: url, max: POOL, types: pgTypes });
    pool.on('error', () => {});
    kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }
  return {
    platformId: platform.id,
    ours,
    kysely,
    async close() {
      await kysely.destroy();
      await ours.close();
    },
  };
}

type Operation = (k: number) => Promise<unknown>;

/** The operation of each runner for a scenario. */
function operations(store: SqlLayerStore, scenario: SqlLayerScenario, fixture: Fixture, tag: string): Record<SqlLayerRunner, Operation> {
  const { platformId, ours, kysely } = fixture;
  const customers = new CustomerSql(ours);
  const built = compiler(store);
  const all = <Row>(query: CompiledQuery<Row>) => ours.all<Row>(query.sql, query.parameters);
  const txAll = <Row>(query: CompiledQuery<Row>) => tx.all<Row>(query.sql, query.parameters);
  if (scenario === 'GET one customer (reads)') {
    return {
      ours: () => customers.findCustomer(platformId, READER),
      Kysely: async () => {
        const row = await build.findCustomer(kysely, platformId, READER).executeTakeFirst();
        if (!row) return undefined;
        return customersWithAccounts([row], (await build.accountsOf(kysely, [row.id]).execute()) as SummaryRow[])[0];
      },
      'Kysely-built on ours': async () => {
        const row = (await all(build.findCustomer(built, platformId, READER).compile()))[0];
        if (!row) return undefined;
        return customersWithAccounts([row], (await all(build.accountsOf(built, [row.id]).compile())) as SummaryRow[])[0];
      },
    };
  }
  if (scenario === 'insert a customer') {
    // Identifiers unique across runners, points and runs.
    const identifier = (runner: string, k: number) => `sl-${tag}-${runner}-${k}`;
    return {
      ours: (k) =>
        customers.insertCustomer(
          platformId,
          { customerIdentifier: identifier('o', k), displayName: 'SQL layer', status: 'ACTIVE' },
          new Date(),
        ),
      Kysely: async (k) =>
        toCustomer(await build.insertCustomer(kysely, platformId, identifier('k', k), Date.now()).executeTakeFirstOrThrow(), []),
      'Kysely-built on ours': async (k) => {
        const query = build.insertCustomer(built, platformId, identifier('c', k), Date.now()).compile();
        return toCustomer((await ours.write<CustomerRow>(query.sql, query.parameters)).rows[0]!, []);
      },
    };
  }
  const lockSql = `${SQL.lock} ${forUpdate(store, 'a')}`;
  return {
    // transfer.ts's baseline statements, through the driver's transaction seam.
    ours: (k) =>
      ours.transaction(function* () {
        const at = Date.now();
        const pair = pairOf(k);
        const { from, to } = check(yield* tx.all<AccountRow>(lockSql, [at, platformId, pair.from, pair.to]), pair.from, 1);
        const { id } = (yield* tx.all<{ id: number }>(SQL.insertTransfer, [platformId, from.id, to.id, 1, null, null, at]))[0]!;
        const moved = yield* tx.all<{ id: number; current_balance_minor: number }>(SQL.post, postValues(from.id, to.id, 1));
        const balances = after(moved, from.id, to.id);
        yield* tx.run(SQL.entries, entryValues(platformId, from.id, to.id, 1, balances, `transfer ${id}`, at));
      }),
    Kysely: (k) =>
      kysely.transaction().execute(async (trx) => {
        const at = Date.now();
        const pair = pairOf(k);
        const { from, to } = check(await build.lock(trx, store, platformId, pair.from, pair.to, at).execute(), pair.from, 1);
        const { id } = await build.insertTransfer(trx, platformId, from.id, to.id, 1, at).executeTakeFirstOrThrow();
        const balances = after(await build.post(trx, from.id, to.id, 1).execute(), from.id, to.id);
        await build.entries(trx, platformId, from.id, to.id, 1, balances, `transfer ${id}`, at).execute();
      }),
    'Kysely-built on ours': (k) =>
      ours.transaction(function* () {
        const at = Date.now();
        const pair = pairOf(k);
        const { from, to } = check(yield* txAll(build.lock(built, store, platformId, pair.from, pair.to, at).compile()), pair.from, 1);
        const { id } = (yield* txAll(build.insertTransfer(built, platformId, from.id, to.id, 1, at).compile()))[0]!;
        const balances = after(yield* txAll(build.post(built, from.id, to.id, 1).compile()), from.id, to.id);
        yield* txAll(build.entries(built, platformId, from.id, to.id, 1, balances, `transfer ${id}`, at).compile());
      }),
  };
}

/** `concurrency` loops calling `operation(k)` back to back for `seconds`, k counting every call. */
async function loops(concurrency: number, seconds: number, operation: Operation, next: () => number) {
  let done = 0;
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      try {
        await operation(next());
        done++;
      } catch {
        failures++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { perSecond: done / ((performance.now() - started) / 1000), failures };
}

/** What building and compiling each statement costs, per statement (µs), timed over `samples` of each. */
function compileCosts(dialect: SqlLayerStore, samples: number): CompileCost[] {
  const q = compiler(dialect);
  const at = Date.now();
  const statements: Record<string, () => unknown> = {
    'find the customer': () => build.findCustomer(q, 1, READER).compile(),
    'its accounts': () => build.accountsOf(q, [1]).compile(),
    'insert a customer': () => build.insertCustomer(q, 1, 'x', at).compile(),
    'transfer: lock both accounts': () => build.lock(q, dialect, 1, 'a', 'b', at).compile(),
    'transfer: insert the transfer': () => build.insertTransfer(q, 1, 1, 2, 1, at).compile(),
    'transfer: both balances': () => build.post(q, 1, 2, 1).compile(),
    'transfer: both ledger entries': () => build.entries(q, 1, 1, 2, 1, [1, 2], 'transfer 1', at).compile(),
  };
  return Object.entries(statements).map(([statement, compile]) => {
    for (let i = 0; i < Math.min(samples, 1_000); i++) compile(); // warm-up
    const started = performance.now();
    for (let i = 0; i < samples; i++) compile();
    return { dialect, statement, microsPerStatement: ((performance.now() - started) * 1000) / samples };
  });
}

export async function runSqlLayer(options: SqlLayerOptions, log: (line: string) => void): Promise<SqlLayerReport> {
  const report: SqlLayerReport = { rows: [], compile: [] };
  for (const store of options.stores) {
    report.compile.push(...compileCosts(store, options.compileSamples));
    const dir = temporaryDirectory('raas-sql-layer-').path;
    let cluster: Cluster | undefined;
    let database: { url: string; drop(): Promise<void> } | undefined;
    let fixture: Fixture | undefined;
    try {
      if (store === 'postgres') {
        cluster = await startCluster();
        database = await temporaryPostgres(cluster.adminUrl);
      }
      const file = join(dir, 'raas.db');
      fixture = await prepare(store, database?.url ?? `file:${file}`, file);
      let k = 0;
      const next = () => k++;
      for (const { scenario, concurrency: levels } of options.points) {
        for (const concurrency of levels) {
          const runs: Record<SqlLayerRunner, { perSecond: number; failures: number }[]> = {
            ours: [],
            Kysely: [],
            'Kysely-built on ours': [],
          };
          const ops = operations(store, scenario, fixture, `${concurrency}`);
          if (options.warmup > 0) for (const runner of SQL_LAYER_RUNNERS) await loops(concurrency, options.warmup, ops[runner], next);
          for (let i = 0; i < options.repeats; i++) {
            for (const runner of SQL_LAYER_RUNNERS) runs[runner].push(await loops(concurrency, options.duration, ops[runner], next));
          }
          const oursRate = median(runs.ours.map((run) => run.perSecond));
          for (const runner of SQL_LAYER_RUNNERS) {
            const rates = runs[runner].map((run) => run.perSecond);
            const perSecond = median(rates);
            report.rows.push({
              store,
              scenario,
              concurrency,
              runner,
              perSecond,
              spread: [Math.min(...rates), Math.max(...rates)],
              ratio: perSecond / oursRate,
              failures: runs[runner].reduce((sum, run) => sum + run.failures, 0),
            });
          }
          const of = (runner: SqlLayerRunner) => report.rows.at(SQL_LAYER_RUNNERS.indexOf(runner) - SQL_LAYER_RUNNERS.length)!;
          log(
            `  ${store} | ${scenario} | c=${concurrency}: ours ${oursRate.toFixed(0)}/s, Kysely ${of('Kysely').perSecond.toFixed(0)}/s (${of('Kysely').ratio.toFixed(2)}×), Kysely-built on ours ${of('Kysely-built on ours').perSecond.toFixed(0)}/s (${of('Kysely-built on ours').ratio.toFixed(2)}×)`,
          );
        }
      }
    } finally {
      await fixture?.close().catch(() => {});
      await database?.drop().catch(() => {});
      cluster?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return report;
}

/** The report's section: per point, each runner's rate and its ratio to ours; then the compile costs. */
export function sqlLayerMarkdown(report: SqlLayerReport): string[] {
  const lines = ['## SQL layer: our driver seam against Kysely (in-process, operations/s, median)', ''];
  lines.push(
    '| store | scenario | callers | ours | Kysely | Kysely ÷ ours | Kysely-built on ours | ÷ ours | spreads (ours; Kysely; built) | failures |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|---:|',
  );
  const points = new Set(report.rows.map((row) => `${row.store}\u0000${row.scenario}\u0000${row.concurrency}`));
  for (const point of points) {
    const [store, scenario, concurrency] = point.split('\u0000');
    const rows = report.rows.filter((row) => row.store === store && row.scenario === scenario && String(row.concurrency) === concurrency);
    const by = (runner: SqlLayerRunner) => rows.find((row) => row.runner === runner);
    const [ours, kysely, built] = [by('ours'), by('Kysely'), by('Kysely-built on ours')];
    const spread = (row?: SqlLayerRow) => (row ? `${fixed(row.spread[0], 0)}–${fixed(row.spread[1], 0)}` : 'n/a');
    lines.push(
      `| ${store} | ${scenario} | ${concurrency} | ${fixed(ours?.perSecond ?? Number.NaN, 0)} | ${fixed(kysely?.perSecond ?? Number.NaN, 0)} | ${fixed(kysely?.ratio ?? Number.NaN, 2)} | ${fixed(built?.perSecond ?? Number.NaN, 0)} | ${fixed(built?.ratio ?? Number.NaN, 2)} | ${spread(ours)}; ${spread(kysely)}; ${spread(built)} | ${rows.reduce((sum, row) => sum + row.failures, 0)} |`,
    );
  }
  lines.push(
    '',
    'Ours: the server’s CustomerSql and driver seam (SQLite: better-sqlite3 with the group commit; PostgreSQL: its pg pool). Kysely: the same',
    'statements from its query builder on its SqliteDialect (its own better-sqlite3 connection, WAL, synchronous=FULL) or PostgresDialect',
    '(a pg pool of the same size). Kysely-built on ours: Kysely as a compiler only, each statement built and compiled per call, run on our drivers.',
    '',
    '| dialect | statement | build + compile, µs |',
    '|---|---|---:|',
  );
  for (const cost of report.compile) lines.push(`| ${cost.dialect} | ${cost.statement} | ${fixed(cost.microsPerStatement, 1)} |`);
  lines.push('');
  return lines;
}
