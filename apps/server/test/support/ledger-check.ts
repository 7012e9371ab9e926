/**
 * The money invariants checked in SQL, on either database, independently of the server's own
 * `ledger verify`: each balance is the sum of its account's entries, each transfer has exactly
 * its two entries (the debit on the source, the credit on the destination), each ledger entry
 * belongs to a transfer or deposit that exists, and each SUCCESS deposit, only those, has its entry.
 * An empty list means the database holds no half-done money movement.
 */
import type { SqlDriver } from '../../src/store/sql/driver.js';

export async function ledgerProblems(driver: SqlDriver): Promise<string[]> {
  const problems: string[] = [];
  const balances = await driver.all<{ account_identifier: string; balance: number; entries: number }>(
    `SELECT a.account_identifier, a.current_balance_minor AS balance, COALESCE(SUM(e.amount_minor), 0) AS entries
     FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
     GROUP BY a.id, a.account_identifier, a.current_balance_minor`,
    [],
  );
  for (const row of balances) {
    if (Number(row.balance) !== Number(row.entries)) {
      problems.push(`${row.account_identifier}: balance ${row.balance}, entries sum ${row.entries}`);
    }
    if (Number(row.balance) < 0) problems.push(`${row.account_identifier}: overdrawn (${row.balance})`);
  }
  const transfers = await driver.all<{ id: number; outs: number; ins: number; entries: number }>(
    `SELECT t.id,
       (SELECT COUNT(*) FROM ledger_entries e WHERE e.reference = 'transfer ' || t.id AND e.kind = 'transfer_out'
          AND e.account_id = t.from_account_id AND e.amount_minor = -t.amount_minor) AS outs,
       (SELECT COUNT(*) FROM ledger_entries e WHERE e.reference = 'transfer ' || t.id AND e.kind = 'transfer_in'
          AND e.account_id = t.to_account_id AND e.amount_minor = t.amount_minor) AS ins,
       (SELECT COUNT(*) FROM ledger_entries e WHERE e.reference = 'transfer ' || t.id) AS entries
     FROM transfers t`,
    [],
  );
  for (const row of transfers) {
    if (Number(row.outs) !== 1 || Number(row.ins) !== 1 || Number(row.entries) !== 2) {
      problems.push(`transfer ${row.id}: ${row.outs} debit(s), ${row.ins} credit(s), ${row.entries} entries`);
    }
  }
  const orphans = await driver.all<{ id: number; reference: string }>(
    `SELECT e.id, e.reference FROM ledger_entries e
     WHERE NOT EXISTS (SELECT 1 FROM transfers t WHERE 'transfer ' || t.id = e.reference)
       AND NOT EXISTS (SELECT 1 FROM deposits d WHERE d.reference_deposit_id = e.reference AND d.account_id = e.account_id)`,
    [],
  );
  for (const row of orphans) problems.push(`ledger entry ${row.id} (${row.reference}) belongs to nothing`);
  const deposits = await driver.all<{ reference_deposit_id: string; status: string; entries: number }>(
    `SELECT d.reference_deposit_id, d.status,
       (SELECT COUNT(*) FROM ledger_entries e WHERE e.reference = d.reference_deposit_id AND e.kind = 'deposit'
          AND e.account_id = d.account_id AND e.amount_minor = d.amount_minor) AS entries
     FROM deposits d`,
    [],
  );
  for (const row of deposits) {
    const expected = row.status === 'SUCCESS' ? 1 : 0;
    if (Number(row.entries) !== expected) problems.push(`deposit ${row.reference_deposit_id} (${row.status}): ${row.entries} entries`);
  }
  return problems;
}

/** The sum of every balance and of every SUCCESS deposit, in cents: transfers must leave them equal. */
export async function moneyTotals(driver: SqlDriver): Promise<{ balances: number; deposited: number }> {
  const [balances] = await driver.all<{ n: number }>('SELECT COALESCE(SUM(current_balance_minor), 0) AS n FROM accounts', []);
  const [deposited] = await driver.all<{ n: number }>(
    "SELECT COALESCE(SUM(amount_minor), 0) AS n FROM deposits WHERE status = 'SUCCESS'",
    [],
  );
  return { balances: Number(balances?.n), deposited: Number(deposited?.n) };
}
