/**
 * Cards, deposits, transfers and the ledger, in SQL written once for both databases. Every
 * balance change is a transaction (sql/driver.ts's seam) that locks the accounts it changes,
 * in id order, before it reads them, then writes the change and its ledger entry together: the
 * balance always equals the sum of the account's entries, and parallel transfers neither
 * overdraw nor lose an update.
 */
import type { ContactInformation, CreditCard } from '../domain/model.js';
import type {
  CardFilters,
  CustomerScope,
  DepositFacts,
  FundedAccount,
  FundingStore,
  LedgerDifference,
  LedgerStore,
  ListWindow,
  NewCard,
  NewDeposit,
  NewTransfer,
  Positioned,
  StoredCard,
  StoredDeposit,
  TransferDone,
  TransferFacts,
  TransferRequest,
} from '../domain/ports.js';
import { iso } from './rows.js';
import { type SqlDriver, type TxStatement, type TxResult, forUpdate, tx } from './sql/driver.js';

interface FundedAccountRow {
  id: number;
  customer_identifier: string;
  account_identifier: string;
  account_number: string;
  display_name: string;
  currency_code: FundedAccount['currencyCode'];
  status: FundedAccount['status'];
  contact_email: string;
  current_balance_minor: number;
}

interface CardRow {
  id: number;
  account_id: number;
  customer_identifier: string;
  account_identifier: string;
  account_number: string;
  token: string;
  label: string;
  last_four: string;
  expiration: string;
  contact_information: string;
  status: CreditCard['status'];
  created_at: number;
  activation_at: number;
}

interface DepositRow {
  reference_deposit_id: string;
  amount_minor: number;
  fee_minor: number;
  status: StoredDeposit['status'];
  external_ref_id: string | null;
  created_at: number;
  account_number: string;
  customer_identifier: string;
}

const ACCOUNT_COLUMNS = `a.id, c.customer_identifier, a.account_identifier, a.account_number, a.display_name,
  a.currency_code, a.status, a.contact_email, a.current_balance_minor`;
const CARD_COLUMNS = `k.id, k.account_id, c.customer_identifier, a.account_identifier, a.account_number, k.token, k.label,
  k.last_four, k.expiration, k.contact_information, k.status, k.created_at, k.activation_at`;
const CARD_FROM = 'credit_cards k JOIN accounts a ON a.id = k.account_id JOIN customers c ON c.id = a.customer_id';
const DEPOSIT_COLUMNS = `d.reference_deposit_id, d.amount_minor, d.fee_minor, d.status, d.external_ref_id, d.created_at,
  a.account_number, c.customer_identifier`;
const DEPOSIT_FROM = 'deposits d JOIN accounts a ON a.id = d.account_id JOIN customers c ON c.id = a.customer_id';

const toFundedAccount = (row: FundedAccountRow): FundedAccount => ({
  id: row.id,
  customerIdentifier: row.customer_identifier,
  accountIdentifier: row.account_identifier,
  accountNumber: row.account_number,
  displayName: row.display_name,
  currencyCode: row.currency_code,
  status: row.status,
  contactEmail: row.contact_email,
  balanceMinor: row.current_balance_minor,
});

const toStoredCard = (row: CardRow): StoredCard => ({
  accountId: row.account_id,
  activationAt: row.activation_at,
  card: {
    customerIdentifier: row.customer_identifier,
    accountIdentifier: row.account_identifier,
    accountNumber: row.account_number,
    token: row.token,
    label: row.label,
    lastFourDigits: row.last_four,
    expirationDate: row.expiration,
    status: row.status,
    createdDate: iso(row.created_at),
    activationDate: iso(row.activation_at),
    contactInformation: JSON.parse(row.contact_information) as ContactInformation[],
  },
});

const toStoredDeposit = (row: DepositRow): StoredDeposit => ({
  referenceDepositID: row.reference_deposit_id,
  amountMinor: row.amount_minor,
  feeMinor: row.fee_minor,
  status: row.status,
  externalRefID: row.external_ref_id,
  createdAt: row.created_at,
  accountNumber: row.account_number,
  customerIdentifier: row.customer_identifier,
});

type Steps<T> = Generator<TxStatement, T, TxResult>;

/** More runs of a transfer than this, each finding deposits due again, and it goes ahead without settling. */
const SETTLE_ROUNDS = 3;

export class FundingSql implements FundingStore, LedgerStore {
  readonly #lockAccounts: (count: number) => string;
  /**
   * A transfer's one read: both accounts locked in id order, with whether the source already sent
   * this externalRefID and whether any Pending deposit of the platform is due (so that the common
   * case, nothing due, costs no statement of its own).
   */
  readonly #lockTransfer: (withExternalRef: boolean) => string;

  readonly #db: SqlDriver;

  constructor(db: SqlDriver) {
    this.#db = db;
    const lock = forUpdate(db.dialect, 'a');
    this.#lockAccounts = (count) =>
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts a JOIN customers c ON c.id = a.customer_id
       WHERE a.platform_id = ? AND a.account_identifier IN (${Array(count).fill('?').join(', ')}) ORDER BY a.id ${lock}`;
    // Without an externalRefID nothing is looked up (`external_ref_id = NULL` would walk every
    // transfer of the account in SQLite's index).
    this.#lockTransfer = (withExternalRef) => `SELECT ${ACCOUNT_COLUMNS},
         ${withExternalRef ? 'CASE WHEN EXISTS (SELECT 1 FROM transfers t WHERE t.from_account_id = a.id AND t.external_ref_id = ?) THEN 1 ELSE 0 END' : '0'} AS sent,
         CASE WHEN EXISTS (SELECT 1 FROM deposits d WHERE d.platform_id = a.platform_id AND d.status = 'PENDING' AND d.resolve_at <= ?)
           THEN 1 ELSE 0 END AS due
       FROM accounts a JOIN customers c ON c.id = a.customer_id
       WHERE a.platform_id = ? AND a.account_identifier IN (?, ?) ORDER BY a.id ${lock}`;
  }

  /** The accounts, locked until the transaction ends, in id order (so two transfers never deadlock). */
  *#locked(platformId: number, accountIdentifiers: string[]): Steps<FundedAccount[]> {
    const rows = yield* tx.all<FundedAccountRow>(this.#lockAccounts(accountIdentifiers.length), [platformId, ...accountIdentifiers]);
    return rows.map(toFundedAccount);
  }

  /** Adds `amountMinor` (signed) to the balance and writes its ledger entry; returns the new balance. */
  *#post(
    platformId: number,
    accountId: number,
    entry: { kind: string; amountMinor: number; reference: string; at: number },
  ): Steps<number> {
    // The debit checks the balance in the statement itself too: no path can overdraw.
    const { rows } = yield* tx.run<{ current_balance_minor: number }>(
      `UPDATE accounts SET current_balance_minor = current_balance_minor + ?
       WHERE id = ? AND current_balance_minor + ? >= 0 RETURNING current_balance_minor`,
      [entry.amountMinor, accountId, entry.amountMinor],
    );
    const balance = rows[0]?.current_balance_minor;
    if (balance === undefined) throw new Error(`account ${accountId} would be overdrawn`);
    yield* tx.run(
      `INSERT INTO ledger_entries (platform_id, account_id, kind, amount_minor, balance_after_minor, reference, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [platformId, accountId, entry.kind, entry.amountMinor, balance, entry.reference, entry.at],
    );
    return balance;
  }

  registerCard(
    platformId: number,
    accountIdentifier: string,
    decide: (account: FundedAccount | undefined, activeCards: number) => NewCard,
    now: Date,
  ): Promise<StoredCard> {
    const self = this;
    return this.#db.transaction(function* () {
      const [account] = yield* self.#locked(platformId, [accountIdentifier]);
      const counted = account
        ? yield* tx.all<{ n: number }>(`SELECT COUNT(*) AS n FROM credit_cards WHERE account_id = ? AND status = 'ACTIVE'`, [account.id])
        : [];
      const card = decide(account, Number(counted[0]?.n ?? 0));
      const { rows } = yield* tx.run<{ id: number }>(
        `INSERT INTO credit_cards (platform_id, account_id, token, label, last_four, expiration, contact_information,
           status, created_at, activation_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [
          platformId,
          account!.id,
          card.token,
          card.label,
          card.lastFourDigits,
          card.expirationDate,
          JSON.stringify(card.contactInformation),
          card.status,
          now.getTime(),
          card.activationAt,
        ],
      );
      return toStoredCard({
        id: rows[0]!.id,
        account_id: account!.id,
        customer_identifier: account!.customerIdentifier,
        account_identifier: account!.accountIdentifier,
        account_number: account!.accountNumber,
        token: card.token,
        label: card.label,
        last_four: card.lastFourDigits,
        expiration: card.expirationDate,
        contact_information: JSON.stringify(card.contactInformation),
        status: card.status,
        created_at: now.getTime(),
        activation_at: card.activationAt,
      });
    });
  }

  async findCard(platformId: number, token: string): Promise<StoredCard | undefined> {
    const rows = await this.#db.all<CardRow>(`SELECT ${CARD_COLUMNS} FROM ${CARD_FROM} WHERE k.platform_id = ? AND k.token = ?`, [
      platformId,
      token,
    ]);
    return rows[0] && toStoredCard(rows[0]);
  }

  async listCards(platformId: number, scope: CustomerScope, filters: CardFilters, window: ListWindow): Promise<Positioned<CreditCard>[]> {
    const values: unknown[] = [platformId];
    const add = (value: unknown) => {
      values.push(value);
      return '?';
    };
    const conditions = ['k.platform_id = ?'];
    if (scope.customerIdentifiers) {
      conditions.push(
        scope.customerIdentifiers.length === 0 ? '1 = 0' : `c.customer_identifier IN (${scope.customerIdentifiers.map(add).join(', ')})`,
      );
    }
    if (filters.customerIdentifier !== undefined) conditions.push(`c.customer_identifier = ${add(filters.customerIdentifier)}`);
    if (filters.accountIdentifier !== undefined) conditions.push(`a.account_identifier = ${add(filters.accountIdentifier)}`);
    conditions.push(`k.status IN (${filters.statuses.map(add).join(', ')})`);
    let descending = false;
    if (window.after) conditions.push(`(k.created_at, k.id) > (${add(window.after.createdAt)}, ${add(window.after.id)})`);
    else if (window.before) {
      conditions.push(`(k.created_at, k.id) < (${add(window.before.createdAt)}, ${add(window.before.id)})`);
      descending = true;
    }
    const order = descending ? 'k.created_at DESC, k.id DESC' : 'k.created_at, k.id';
    const rows = await this.#db.all<CardRow>(
      `SELECT ${CARD_COLUMNS} FROM ${CARD_FROM} WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT ${add(window.limit)}`,
      values,
    );
    if (descending) rows.reverse();
    return rows.map((row) => ({ item: toStoredCard(row).card, position: { createdAt: row.created_at, id: row.id } }));
  }

  async unregisterCard(platformId: number, accountIdentifier: string, token: string, now: Date): Promise<boolean> {
    const { changes } = await this.#db.write(
      `UPDATE credit_cards SET status = 'DELETED', deleted_at = ?
       WHERE platform_id = ? AND token = ? AND status = 'ACTIVE'
         AND account_id = (SELECT id FROM accounts WHERE platform_id = ? AND account_identifier = ?)`,
      [now.getTime(), platformId, token, platformId, accountIdentifier],
    );
    return changes > 0;
  }

  deposit(
    platformId: number,
    request: { accountIdentifier: string; token: string; externalRefID?: string },
    decide: (facts: DepositFacts) => NewDeposit,
    now: Date,
  ): Promise<StoredDeposit> {
    const self = this;
    return this.#db.transaction(function* () {
      const [account] = yield* self.#locked(platformId, [request.accountIdentifier]);
      const cards = yield* tx.all<CardRow>(`SELECT ${CARD_COLUMNS} FROM ${CARD_FROM} WHERE k.platform_id = ? AND k.token = ?`, [
        platformId,
        request.token,
      ]);
      // The account is locked: no other deposit of it can slip in between this check and the insert.
      const duplicate =
        account !== undefined &&
        request.externalRefID !== undefined &&
        (yield* tx.all('SELECT 1 FROM deposits WHERE account_id = ? AND external_ref_id = ?', [account.id, request.externalRefID])).length >
          0;
      const card = cards[0] && toStoredCard(cards[0]);
      const deposit = decide({ account, card, duplicate });
      yield* tx.run(
        `INSERT INTO deposits (platform_id, account_id, credit_card_id, reference_deposit_id, amount_minor, fee_minor, status,
           resolves_to, resolve_at, external_ref_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          platformId,
          account!.id,
          cards[0]!.id,
          deposit.referenceDepositID,
          deposit.amountMinor,
          deposit.feeMinor,
          deposit.status,
          deposit.resolvesTo,
          deposit.resolveAt,
          deposit.externalRefID ?? null,
          now.getTime(),
        ],
      );
      if (deposit.status === 'SUCCESS') {
        yield* self.#post(platformId, account!.id, {
          kind: 'deposit',
          amountMinor: deposit.amountMinor,
          reference: deposit.referenceDepositID,
          at: now.getTime(),
        });
      }
      return {
        referenceDepositID: deposit.referenceDepositID,
        amountMinor: deposit.amountMinor,
        feeMinor: deposit.feeMinor,
        status: deposit.status,
        externalRefID: deposit.externalRefID ?? null,
        createdAt: now.getTime(),
        accountNumber: account!.accountNumber,
        customerIdentifier: account!.customerIdentifier,
      };
    });
  }

  async findDeposit(platformId: number, referenceDepositID: string): Promise<StoredDeposit | undefined> {
    const rows = await this.#db.all<DepositRow>(
      `SELECT ${DEPOSIT_COLUMNS} FROM ${DEPOSIT_FROM} WHERE d.platform_id = ? AND d.reference_deposit_id = ?`,
      [platformId, referenceDepositID],
    );
    return rows[0] && toStoredDeposit(rows[0]);
  }

  async settleDueDeposits(platformId: number, now: Date): Promise<void> {
    const due = `FROM deposits WHERE platform_id = ? AND status = 'PENDING' AND resolve_at <= ?`;
    const values = [platformId, now.getTime()];
    // The common case, nothing due: one lookup in the partial index of PENDING deposits.
    if ((await this.#db.all(`SELECT 1 ${due} LIMIT 1`, values)).length === 0) return;
    const self = this;
    const lock = forUpdate(this.#db.dialect);
    await this.#db.transaction(function* () {
      // The accounts first, in id order, as a transfer locks them: the two never wait on each
      // other in opposite orders (a deadlock, 40P01 on PostgreSQL).
      const accounts = yield* tx.all<{ id: number }>(
        `SELECT id FROM accounts WHERE id IN (SELECT account_id ${due}) ORDER BY id ${lock}`,
        values,
      );
      if (accounts.length === 0) return;
      const ids = accounts.map((account) => account.id);
      // Then the deposits, of those accounts only (one that fell due since is the next call's):
      // a second instance settling at once waits here, then finds them decided.
      const rows = yield* tx.all<{
        id: number;
        account_id: number;
        amount_minor: number;
        resolves_to: string;
        reference_deposit_id: string;
        resolve_at: number;
      }>(
        `SELECT id, account_id, amount_minor, resolves_to, reference_deposit_id, resolve_at ${due}
         AND account_id IN (${ids.map(() => '?').join(', ')}) ORDER BY id ${lock}`,
        [...values, ...ids],
      );
      for (const row of rows) {
        const { changes } = yield* tx.run(`UPDATE deposits SET status = resolves_to WHERE id = ? AND status = 'PENDING'`, [row.id]);
        if (changes === 1 && row.resolves_to === 'SUCCESS') {
          yield* self.#post(platformId, row.account_id, {
            kind: 'deposit',
            amountMinor: row.amount_minor,
            reference: row.reference_deposit_id,
            at: row.resolve_at,
          });
        }
      }
    });
  }

  /**
   * A transfer in six statements on PostgreSQL (BEGIN, the lock, the transfer row, both balances
   * in one UPDATE, both ledger entries in one INSERT, COMMIT). Deposits due by now are settled
   * first, in a transaction of their own, whenever the lock says some are: the transfer then runs
   * again, on balances that include them.
   */
  async transfer(
    platformId: number,
    request: TransferRequest,
    decide: (facts: TransferFacts) => NewTransfer,
    now: Date,
  ): Promise<TransferDone> {
    for (let round = 1; ; round++) {
      const done = await this.#transferOnce(platformId, request, decide, now, round < SETTLE_ROUNDS);
      if (done !== 'settle first') return done;
      await this.settleDueDeposits(platformId, now);
    }
  }

  #transferOnce(
    platformId: number,
    request: TransferRequest,
    decide: (facts: TransferFacts) => NewTransfer,
    now: Date,
    maySettle: boolean,
  ): Promise<TransferDone | 'settle first'> {
    const self = this;
    const at = now.getTime();
    return this.#db.transaction(function* () {
      const withExternalRef = request.externalRefID !== undefined;
      const rows = yield* tx.all<FundedAccountRow & { sent: number; due: number }>(self.#lockTransfer(withExternalRef), [
        ...(withExternalRef ? [request.externalRefID] : []),
        at,
        platformId,
        request.transferFrom,
        request.transferTo,
      ]);
      // Nothing written yet: the transaction ends empty, the deposits are settled, the transfer runs again.
      if (maySettle && rows.some((row) => Number(row.due) === 1)) return 'settle first' as const;
      const fromRow = rows.find((row) => row.account_identifier === request.transferFrom);
      const toRow = rows.find((row) => row.account_identifier === request.transferTo);
      const from = fromRow && toFundedAccount(fromRow);
      const to = toRow && toFundedAccount(toRow);
      const duplicate = fromRow !== undefined && request.externalRefID !== undefined && Number(fromRow.sent) === 1;
      const transfer = decide({ from, to, duplicate });
      const { rows: inserted } = yield* tx.run<{ id: number }>(
        `INSERT INTO transfers (platform_id, from_account_id, to_account_id, amount_minor, notes, external_ref_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [platformId, from!.id, to!.id, transfer.amountMinor, transfer.transferNotes ?? null, request.externalRefID ?? null, at],
      );
      const reference = `transfer ${inserted[0]!.id}`;
      // Both balances in one statement; the debit checks the balance in the statement itself too.
      const { rows: balances } = yield* tx.run<{ id: number; current_balance_minor: number }>(
        `UPDATE accounts SET current_balance_minor = current_balance_minor + CASE WHEN id = ? THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END
         WHERE id IN (?, ?) AND current_balance_minor + CASE WHEN id = ? THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END >= 0
         RETURNING id, current_balance_minor`,
        [from!.id, -transfer.amountMinor, transfer.amountMinor, from!.id, to!.id, from!.id, -transfer.amountMinor, transfer.amountMinor],
      );
      const fromAfterMinor = balances.find((row) => Number(row.id) === from!.id)?.current_balance_minor;
      const toAfterMinor = balances.find((row) => Number(row.id) === to!.id)?.current_balance_minor;
      if (fromAfterMinor === undefined || toAfterMinor === undefined) throw new Error(`account ${from!.id} would be overdrawn`);
      yield* tx.run(
        `INSERT INTO ledger_entries (platform_id, account_id, kind, amount_minor, balance_after_minor, reference, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)`,
        [
          ...[platformId, from!.id, 'transfer_out', -transfer.amountMinor, fromAfterMinor, reference, at],
          ...[platformId, to!.id, 'transfer_in', transfer.amountMinor, toAfterMinor, reference, at],
        ],
      );
      return { from: from!, to: to!, fromAfterMinor, toAfterMinor, createdAt: at };
    });
  }

  async verifyLedger(): Promise<{ accounts: number; entries: number; differences: LedgerDifference[] }> {
    const rows = await this.#db.all<{
      platform_name: string;
      account_identifier: string;
      balance_minor: number;
      entries_minor: number;
      entry_count: number;
      broken_entries: number;
    }>(
      `SELECT p.name AS platform_name, a.account_identifier, a.current_balance_minor AS balance_minor,
         CAST(COALESCE((SELECT SUM(e.amount_minor) FROM ledger_entries e WHERE e.account_id = a.id), 0) AS BIGINT) AS entries_minor,
         (SELECT COUNT(*) FROM ledger_entries e WHERE e.account_id = a.id) AS entry_count,
         (SELECT COUNT(*) FROM (
            SELECT e.balance_after_minor, CAST(SUM(e.amount_minor) OVER (ORDER BY e.id) AS BIGINT) AS running
            FROM ledger_entries e WHERE e.account_id = a.id) r
          WHERE r.balance_after_minor <> r.running) AS broken_entries
       FROM accounts a JOIN platforms p ON p.id = a.platform_id ORDER BY p.name, a.account_identifier`,
      [],
    );
    const differences = rows
      .filter((row) => Number(row.balance_minor) !== Number(row.entries_minor) || Number(row.broken_entries) > 0)
      .map((row) => ({
        platformName: row.platform_name,
        accountIdentifier: row.account_identifier,
        balanceMinor: Number(row.balance_minor),
        entriesMinor: Number(row.entries_minor),
        brokenEntries: Number(row.broken_entries),
      }));
    return { accounts: rows.length, entries: rows.reduce((sum, row) => sum + Number(row.entry_count), 0), differences };
  }
}
