/**
 * The sandbox controls' SQL, written once for both databases. Reset, snapshot, restore and seed
 * are generic over PLATFORM_TABLES, the one list of the tables that hold a platform's data: a
 * table that joins it (with its foreign keys to the others) is reset, snapshot and restored with
 * no other change.
 */
import type { Account, AccountStatus } from '../domain/model.js';
import {
  type FaultAnswer,
  type NewFaultRule,
  PlatformGone,
  type PlatformRows,
  type SandboxSettings,
  type SandboxStore,
  type SeedCustomer,
  type StoredFaultRule,
} from '../domain/ports.js';
import { RETURNED_ACCOUNT } from './list-sql.js';
import { type AccountRow, iso, toAccount } from './rows.js';
import { type Dialect, type SqlDriver, type TxResult, type TxStatement, forUpdate, tx } from './sql/driver.js';

/**
 * Every table with a platform's data, parents before children (foreign-key order), each with
 * its columns that reference another table of the list. Every one has `id` and `platform_id`.
 */
export const PLATFORM_TABLES: readonly { name: string; references: Readonly<Record<string, string>> }[] = [
  { name: 'customers', references: {} },
  { name: 'accounts', references: { customer_id: 'customers' } },
  { name: 'credit_cards', references: { account_id: 'accounts' } },
  { name: 'deposits', references: { account_id: 'accounts', credit_card_id: 'credit_cards' } },
  { name: 'transfers', references: { from_account_id: 'accounts', to_account_id: 'accounts' } },
  { name: 'ledger_entries', references: { account_id: 'accounts' } },
  { name: 'low_balance_alerts', references: { account_id: 'accounts' } },
];

/**
 * The other tables that hold a platform's rows: its set-up, which a reset keeps and only the
 * platform's deletion removes (children of the platform row alone, in any order).
 */
export const PLATFORM_SETUP_TABLES: readonly string[] = ['credentials', 'sandbox_snapshots', 'sandbox_faults', 'sandbox_platforms'];

/**
 * References held in text, to a row of another table by its id: a transfer's ledger entries say
 * `transfer <id>` (funding-sql.ts). A restore renumbers the rows, so these follow too.
 */
const TEXT_REFERENCES: Readonly<
  Record<string, { column: string; when(row: Row): boolean; pattern: RegExp; parent: string; write(id: number): string }>
> = {
  // Only a transfer's entries: an adjustment's reference is the integrator's free text.
  ledger_entries: {
    column: 'reference',
    when: (row) => row.kind === 'transfer_out' || row.kind === 'transfer_in',
    pattern: /^transfer (\d+)$/,
    parent: 'transfers',
    write: (id) => `transfer ${id}`,
  },
};

/** The ledger entry kind of money the sandbox conjures (funding's migration reserves it). */
const ADJUSTMENT = 'adjustment';

type Row = Record<string, unknown>;
/** A platform's rows, table by table, as a snapshot keeps them. */
type PlatformData = Record<string, Row[]>;

const COLUMN_NAME = /^[a-z_][a-z0-9_]*$/;

type Steps<T> = Generator<TxStatement, T, TxResult>;

function* countRows(platformId: number): Steps<PlatformRows> {
  const rows: PlatformRows = {};
  for (const table of PLATFORM_TABLES) {
    const [count] = yield* tx.all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table.name} WHERE platform_id = ?`, [platformId]);
    rows[table.name] = Number(count?.n ?? 0);
  }
  return rows;
}

function* deleteRows(platformId: number): Steps<void> {
  for (const table of [...PLATFORM_TABLES].reverse()) yield* tx.run(`DELETE FROM ${table.name} WHERE platform_id = ?`, [platformId]);
}

/**
 * Writes `data` as the platform's rows, in foreign-key order. Each row gets a new id (an id
 * freed by a reset may have gone to another platform since: SQLite reuses the highest), and its
 * references follow their parents' new ids; every other column is written as it was.
 */
function* insertRows(platformId: number, data: PlatformData): Steps<void> {
  const newIds = new Map<string, Map<unknown, number>>();
  for (const table of PLATFORM_TABLES) {
    const ids = new Map<unknown, number>();
    newIds.set(table.name, ids);
    for (const { id, ...columns } of data[table.name] ?? []) {
      columns.platform_id = platformId;
      for (const [column, parent] of Object.entries(table.references)) {
        const parentId = newIds.get(parent)?.get(columns[column]);
        if (parentId === undefined) throw new InconsistentPlatformData(table.name, column, parent, columns[column]);
        columns[column] = parentId;
      }
      const text = TEXT_REFERENCES[table.name];
      const named = text?.when(columns) ? text.pattern.exec(String(columns[text.column])) : null;
      if (text && named) {
        const parentId = newIds.get(text.parent)!.get(Number(named[1]));
        if (parentId === undefined) throw new InconsistentPlatformData(table.name, text.column, text.parent, named[1]);
        columns[text.column] = text.write(parentId);
      }
      const names = Object.keys(columns).filter((name) => COLUMN_NAME.test(name));
      const { rows } = yield* tx.run<{ id: number }>(
        `INSERT INTO ${table.name} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) RETURNING id`,
        names.map((name) => columns[name]),
      );
      ids.set(id, Number(rows[0]!.id));
    }
  }
}

/** Rows whose parent the data does not hold: a snapshot or fixture that no database could have held. */
export class InconsistentPlatformData extends Error {
  constructor(table: string, column: string, parent: string, id: unknown) {
    super(`${table}.${column} ${String(id)} names no row of ${parent} in the platform's data`);
    this.name = 'InconsistentPlatformData';
  }
}

/**
 * Empties the platform and writes `data` in its place, then counts. The platform's row is locked
 * first (PostgreSQL): two seeds, resets or restores at once run one after the other, instead of
 * both deleting and then both inserting (the second failing on the first's rows).
 */
function* replaceRows(dialect: Dialect, platformId: number, data: PlatformData): Steps<PlatformRows> {
  const [platform] = yield* tx.all(`SELECT id FROM platforms WHERE id = ? ${forUpdate(dialect)}`, [platformId]);
  // Deleted since the request was authenticated: nothing to replace (and no row to insert would be valid).
  if (!platform) throw new PlatformGone();
  yield* deleteRows(platformId);
  yield* insertRows(platformId, data);
  return yield* countRows(platformId);
}

interface FaultRow {
  fault_id: string;
  operation_id: string;
  times: number | null;
  remaining: number | null;
  probability: number;
  seed: number;
  answer: string;
  created_at: number;
}

const FAULT_COLUMNS = 'fault_id, operation_id, times, remaining, probability, seed, answer, created_at';

const toFaultRule = (row: FaultRow): StoredFaultRule => ({
  faultId: row.fault_id,
  operationId: row.operation_id,
  times: row.times === null ? null : Number(row.times),
  remaining: row.remaining === null ? null : Number(row.remaining),
  probability: Number(row.probability),
  seed: Number(row.seed),
  answer: JSON.parse(row.answer) as FaultAnswer,
  createdAt: iso(Number(row.created_at)),
});

export class SandboxSql implements SandboxStore {
  readonly #db: SqlDriver;

  constructor(db: SqlDriver) {
    this.#db = db;
  }

  resetPlatform(platformId: number): Promise<PlatformRows> {
    return this.#db.transaction(() => replaceRows(this.#db.dialect, platformId, {}));
  }

  takeSnapshot(platformId: number, snapshotId: string, now: Date): Promise<PlatformRows> {
    // One moment for every table: under READ COMMITTED each SELECT could see a later one (a
    // balance without its ledger entry, an account without its customer).
    return this.#db.transaction(
      function* () {
        const data: PlatformData = {};
        for (const table of PLATFORM_TABLES) {
          data[table.name] = yield* tx.all<Row>(`SELECT * FROM ${table.name} WHERE platform_id = ? ORDER BY id`, [platformId]);
        }
        yield* tx.run('INSERT INTO sandbox_snapshots (snapshot_id, platform_id, data, created_at) VALUES (?, ?, ?, ?)', [
          snapshotId,
          platformId,
          JSON.stringify(data),
          now.getTime(),
        ]);
        return Object.fromEntries(PLATFORM_TABLES.map((table) => [table.name, data[table.name]!.length]));
      },
      { consistentReads: true },
    );
  }

  restoreSnapshot(platformId: number, snapshotId: string): Promise<{ createdAt: string; rows: PlatformRows } | undefined> {
    const { dialect } = this.#db;
    return this.#db.transaction(function* () {
      const [snapshot] = yield* tx.all<{ data: string; created_at: number }>(
        'SELECT data, created_at FROM sandbox_snapshots WHERE platform_id = ? AND snapshot_id = ?',
        [platformId, snapshotId],
      );
      if (!snapshot) return undefined;
      const rows = yield* replaceRows(dialect, platformId, JSON.parse(snapshot.data) as PlatformData);
      return { createdAt: iso(Number(snapshot.created_at)), rows };
    });
  }

  async deleteSnapshot(platformId: number, snapshotId: string): Promise<boolean> {
    const { changes } = await this.#db.write('DELETE FROM sandbox_snapshots WHERE platform_id = ? AND snapshot_id = ?', [
      platformId,
      snapshotId,
    ]);
    return changes === 1;
  }

  seedPlatform(platformId: number, customers: readonly SeedCustomer[]): Promise<PlatformRows> {
    // The fixture as a snapshot would hold it: its position stands for a customer's id.
    const data: PlatformData = {
      customers: customers.map((customer, index) => ({
        id: index,
        customer_identifier: customer.customerIdentifier,
        display_name: customer.displayName,
        status: customer.status,
        created_at: customer.createdAt.getTime(),
      })),
      accounts: customers.flatMap((customer, index) =>
        customer.accounts.map((account) => ({
          id: account.accountNumber,
          customer_id: index,
          account_identifier: account.accountIdentifier,
          account_number: account.accountNumber,
          display_name: account.displayName,
          currency_code: account.currencyCode,
          current_balance_minor: account.balanceMinor,
          contact_email: account.contactEmail,
          funding_notification: JSON.stringify(account.fundingNotification),
          status: account.status,
          created_at: account.createdAt.getTime(),
        })),
      ),
      // A seeded balance is money like any other: one adjustment entry of the account's ledger.
      ledger_entries: customers.flatMap((customer) =>
        customer.accounts
          .filter((account) => account.balanceMinor > 0)
          .map((account, index) => ({
            id: `${account.accountNumber} ${index}`,
            account_id: account.accountNumber,
            kind: ADJUSTMENT,
            amount_minor: account.balanceMinor,
            balance_after_minor: account.balanceMinor,
            reference: 'sandbox seed',
            created_at: account.createdAt.getTime(),
          })),
      ),
      credit_cards: customers.flatMap((customer) =>
        customer.accounts.flatMap((account) =>
          account.creditCards.map((card) => ({
            id: card.token,
            account_id: account.accountNumber,
            token: card.token,
            label: card.label,
            last_four: card.lastFourDigits,
            expiration: card.expirationDate,
            contact_information: '[]',
            status: 'ACTIVE',
            created_at: account.createdAt.getTime(),
            activation_at: account.createdAt.getTime(),
            deleted_at: null,
          })),
        ),
      ),
    };
    return this.#db.transaction(() => replaceRows(this.#db.dialect, platformId, data));
  }

  async setAccountStatus(platformId: number, accountIdentifier: string, status: AccountStatus): Promise<Account | undefined> {
    const { rows } = await this.#db.write<AccountRow>(
      `UPDATE accounts SET status = ? WHERE platform_id = ? AND account_identifier = ? RETURNING ${RETURNED_ACCOUNT}`,
      [status, platformId, accountIdentifier],
    );
    return rows[0] && toAccount(rows[0]);
  }

  adjustBalance(
    platformId: number,
    accountIdentifier: string,
    adjustment: { amountMinor: number; reference: string },
    now: Date,
  ): Promise<Account | 'overdrawn' | undefined> {
    return this.#db.transaction(function* () {
      const [found] = yield* tx.all<{ id: number }>('SELECT id FROM accounts WHERE platform_id = ? AND account_identifier = ?', [
        platformId,
        accountIdentifier,
      ]);
      if (!found) return undefined;
      // The balance and its entry in one transaction, the debit checked in the statement itself.
      const { rows } = yield* tx.run<AccountRow>(
        `UPDATE accounts SET current_balance_minor = current_balance_minor + ?
         WHERE id = ? AND current_balance_minor + ? >= 0 RETURNING ${RETURNED_ACCOUNT}`,
        [adjustment.amountMinor, found.id, adjustment.amountMinor],
      );
      const account = rows[0];
      if (!account) return 'overdrawn' as const;
      yield* tx.run(
        `INSERT INTO ledger_entries (platform_id, account_id, kind, amount_minor, balance_after_minor, reference, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [platformId, found.id, ADJUSTMENT, adjustment.amountMinor, account.current_balance_minor, adjustment.reference, now.getTime()],
      );
      return toAccount(account);
    });
  }

  async decideDeposit(
    platformId: number,
    referenceDepositID: string,
    status: 'SUCCESS' | 'DECLINED',
    now: Date,
  ): Promise<'decided' | 'not-pending' | undefined> {
    // Due now, with the chosen outcome: the funding store's settlement then applies it (credit, ledger).
    const { changes } = await this.#db.write(
      `UPDATE deposits SET resolves_to = ?, resolve_at = ?
       WHERE platform_id = ? AND reference_deposit_id = ? AND status = 'PENDING'`,
      [status, now.getTime(), platformId, referenceDepositID],
    );
    if (changes === 1) return 'decided';
    const found = await this.#db.all('SELECT 1 FROM deposits WHERE platform_id = ? AND reference_deposit_id = ?', [
      platformId,
      referenceDepositID,
    ]);
    return found.length > 0 ? 'not-pending' : undefined;
  }

  async sandboxSettings(credential: { platformId: number; keyId: string }): Promise<SandboxSettings | undefined> {
    // From the credential's row (its unique key_id), with its platform's (primary key) and the
    // platform's settings: one indexed read. A credential revoked, or its platform deleted, on
    // any instance is seen at once, although the credentials may still be cached; and since the
    // credential is named, not only its platform's id, a key of a deleted platform would never
    // reach a later platform even if one had its id (none has: migration 9).
    const [row] = await this.#db.all<{ clock_offset_ms: number | null; requests_per_second: number | null }>(
      `SELECT s.clock_offset_ms, s.requests_per_second FROM credentials k
       JOIN platforms p ON p.id = k.platform_id
       LEFT JOIN sandbox_platforms s ON s.platform_id = p.id
       WHERE k.key_id = ? AND k.platform_id = ? AND k.revoked_at IS NULL`,
      [credential.keyId, credential.platformId],
    );
    if (!row) return undefined;
    return { clockOffsetMs: Number(row.clock_offset_ms ?? 0), requestsPerSecond: Number(row.requests_per_second ?? 0) };
  }

  async setClockOffset(platformId: number, offsetMs: number): Promise<void> {
    await this.#db.write(
      `INSERT INTO sandbox_platforms (platform_id, clock_offset_ms) VALUES (?, ?)
       ON CONFLICT (platform_id) DO UPDATE SET clock_offset_ms = excluded.clock_offset_ms`,
      [platformId, offsetMs],
    );
  }

  async advanceClockOffset(platformId: number, milliseconds: number, maxOffsetMs: number): Promise<number | undefined> {
    // One statement: two advances at once, on any instances, both count, and none passes the
    // cap. (A first advance is at most one the schema allows, ten years: always under it.)
    const { rows } = await this.#db.write<{ clock_offset_ms: number }>(
      `INSERT INTO sandbox_platforms (platform_id, clock_offset_ms) VALUES (?, ?)
       ON CONFLICT (platform_id) DO UPDATE SET clock_offset_ms = sandbox_platforms.clock_offset_ms + excluded.clock_offset_ms
       WHERE sandbox_platforms.clock_offset_ms + excluded.clock_offset_ms <= ?
       RETURNING clock_offset_ms`,
      [platformId, milliseconds, maxOffsetMs],
    );
    return rows[0] && Number(rows[0].clock_offset_ms);
  }

  async setRequestsPerSecond(platformId: number, requestsPerSecond: number): Promise<void> {
    await this.#db.write(
      `INSERT INTO sandbox_platforms (platform_id, requests_per_second) VALUES (?, ?)
       ON CONFLICT (platform_id) DO UPDATE SET requests_per_second = excluded.requests_per_second, last_request_at = 0`,
      [platformId, requestsPerSecond],
    );
  }

  deletePlatform(platformId: number): Promise<'deleted' | 'not-throw-away' | undefined> {
    const { dialect } = this.#db;
    return this.#db.transaction(function* () {
      // Locked first (PostgreSQL): a concurrent seed or restore of the platform finishes before.
      const [platform] = yield* tx.all<{ sandbox_throwaway: unknown }>(
        `SELECT sandbox_throwaway FROM platforms WHERE id = ? ${forUpdate(dialect)}`,
        [platformId],
      );
      if (!platform) return undefined;
      // SQLite answers 0 or 1, PostgreSQL a boolean.
      if (!Number(platform.sandbox_throwaway)) return 'not-throw-away' as const;
      yield* deleteRows(platformId);
      for (const table of PLATFORM_SETUP_TABLES) yield* tx.run(`DELETE FROM ${table} WHERE platform_id = ?`, [platformId]);
      yield* tx.run('DELETE FROM platforms WHERE id = ?', [platformId]);
      return 'deleted' as const;
    });
  }

  async passRateLimit(platformId: number, nowMs: number, intervalMs: number): Promise<boolean> {
    // One statement: of two instances answering at once, exactly one passes.
    const { changes } = await this.#db.write(
      'UPDATE sandbox_platforms SET last_request_at = ? WHERE platform_id = ? AND last_request_at <= ?',
      [nowMs, platformId, nowMs - intervalMs],
    );
    return changes === 1;
  }

  async addFaultRule(platformId: number, rule: NewFaultRule, now: Date): Promise<StoredFaultRule> {
    const { rows } = await this.#db.write<FaultRow>(
      `INSERT INTO sandbox_faults (fault_id, platform_id, operation_id, times, remaining, probability, seed, answer, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${FAULT_COLUMNS}`,
      [
        rule.faultId,
        platformId,
        rule.operationId,
        rule.times,
        rule.times,
        rule.probability,
        rule.seed,
        JSON.stringify(rule.answer),
        now.getTime(),
      ],
    );
    return toFaultRule(rows[0]!);
  }

  async faultRules(platformId: number, operationId?: string): Promise<StoredFaultRule[]> {
    const rows =
      operationId === undefined
        ? await this.#db.all<FaultRow>(`SELECT ${FAULT_COLUMNS} FROM sandbox_faults WHERE platform_id = ? ORDER BY id`, [platformId])
        : await this.#db.all<FaultRow>(
            `SELECT ${FAULT_COLUMNS} FROM sandbox_faults
             WHERE platform_id = ? AND operation_id = ? AND (remaining IS NULL OR remaining > 0) ORDER BY id`,
            [platformId, operationId],
          );
    return rows.map(toFaultRule);
  }

  async deleteFaultRules(platformId: number): Promise<number> {
    return (await this.#db.write('DELETE FROM sandbox_faults WHERE platform_id = ?', [platformId])).changes;
  }

  async countFaultMatch(platformId: number, faultId: string): Promise<number | undefined> {
    const { rows } = await this.#db.write<{ matched: number }>(
      `UPDATE sandbox_faults SET matched = matched + 1
       WHERE platform_id = ? AND fault_id = ? AND (remaining IS NULL OR remaining > 0) RETURNING matched`,
      [platformId, faultId],
    );
    return rows[0] && Number(rows[0].matched);
  }

  async consumeFault(platformId: number, faultId: string): Promise<boolean> {
    const { changes } = await this.#db.write(
      `UPDATE sandbox_faults SET remaining = remaining - 1
       WHERE platform_id = ? AND fault_id = ? AND (remaining IS NULL OR remaining > 0)`,
      [platformId, faultId],
    );
    return changes === 1;
  }
}
