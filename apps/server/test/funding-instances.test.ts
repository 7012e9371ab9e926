/**
 * Money across two server processes on one PostgreSQL database (issue 15, item 3): the row locks
 * and the externalRefID indexes must hold between instances, not only inside one process.
 *   - 50 parallel 1.00 transfers out of 20.00, alternating between the instances: exactly 20
 *     succeed, each leaving a different balance, and 30 get 402.001; nothing is lost or doubled.
 *   - transfers both ways between two accounts at once on both instances: no deadlock, no 5xx.
 *   - duplicate externalRefIDs racing on both instances, for transfers and for deposits: one
 *     success per externalRefID, every other answer 409.001, the money moved once.
 * After each, the ledger holds (test/support/ledger-check.ts, and `raas ledger verify` exits 0);
 * on this database, a balance changed by SQL makes `ledger verify` exit 1.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freshDatabase, openDriver } from './support/harness.js';
import { countOf, fundingHttp } from './support/funding-http.js';
import { ledgerProblems, moneyTotals } from './support/ledger-check.js';
import { type RunningServer, runCli, startServerProcess } from './support/process.js';
import type { SqlDriver } from '../src/store/sql/driver.js';

const PLATFORM = { name: 'money-platform', key: 'p7Qm2Vx9LsKd4Rt8YwZc1Nb6Hf3Jg5Ue0Ai-Oo_Ev2s' };
const http = fundingHttp(PLATFORM);

let database: Awaited<ReturnType<typeof freshDatabase>>;
let instances: RunningServer[];
let driver: SqlDriver;
const at = (i: number) => instances[i % 2]!.baseUrl;

beforeAll(async () => {
  database = await freshDatabase('postgres');
  const env = {
    DATABASE_URL: database.url,
    LOG_LEVEL: 'silent',
    PG_POOL_MAX: '8',
    // The transfers of one account queue on its row lock while holding a pooled connection:
    // a generous wait keeps a slow machine from turning that queue into 503s.
    PG_CONNECT_TIMEOUT_MS: '30000',
    RAAS_PLATFORM_NAME: PLATFORM.name,
    RAAS_PLATFORM_KEY: PLATFORM.key,
  };
  instances = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  driver = await openDriver('postgres', database.url);
});
afterAll(async () => {
  await driver?.close();
  await Promise.all((instances ?? []).map((instance) => instance.stop()));
  await database?.drop();
});

const verify = () => runCli(['ledger', 'verify'], { DATABASE_URL: database.url });

/** The ledger holds: no SQL-visible problem, and the operator's `ledger verify` exits 0. */
async function expectLedgerHolds(): Promise<void> {
  expect(await ledgerProblems(driver)).toEqual([]);
  const verified = await verify();
  expect(verified.stdout).toMatch(/every balance matches/);
  expect(verified.code).toBe(0);
  const totals = await moneyTotals(driver);
  expect(totals.balances).toBe(totals.deposited);
}

test('50 parallel 1.00 transfers out of 20.00 over two instances: exactly 20 succeed, 30 get 402.001', async () => {
  const token = await http.accounts(at(0), 'race-payer', ['race-source', 'race-sink']);
  await http.funded(at(1), { customerIdentifier: 'race-payer', accountIdentifier: 'race-source', creditCardToken: token, amount: 20 });
  expect(await http.balance(at(0), 'race-source')).toBe(20);

  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) => http.transfer(at(i), { transferFrom: 'race-source', transferTo: 'race-sink', amount: 1 })),
  );
  expect(countOf(answers, 200)).toBe(20);
  expect(countOf(answers, 402, '402.001')).toBe(30);
  // No lost update: each success saw the balance its predecessor left, so the 20 ending balances
  // are 19.00 down to 0.00, each once, and each starting balance is its ending balance + 1.00.
  const successes = answers.filter((a) => a.status === 200).map((a) => a.body);
  expect(successes.map((t) => t.transferFrom.endingBalance).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  for (const t of successes) expect(t.transferFrom.startingBalance).toBe(t.transferFrom.endingBalance + 1);
  expect(successes.map((t) => t.transferTo.endingBalance).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  // Requests alternated between the instances; which of them won the 20 is the machine's business.
  // Both agree on the result.
  for (const i of [0, 1]) {
    expect(await http.balance(at(i), 'race-source')).toBe(0);
    expect(await http.balance(at(i), 'race-sink')).toBe(20);
  }
  const [transfers] = await driver.all<{ n: number }>(
    "SELECT COUNT(*) AS n FROM transfers t JOIN accounts a ON a.id = t.from_account_id WHERE a.account_identifier = 'race-source'",
    [],
  );
  expect(Number(transfers?.n)).toBe(20);
  await expectLedgerHolds();
});

test('transfers both ways between two accounts on both instances at once: no deadlock, every one applied', async () => {
  const token = await http.accounts(at(0), 'swap-payer', ['swap-left', 'swap-right']);
  await http.card(at(0), 'swap-payer', 'swap-right').then(async ({ token: right }) => {
    await http.funded(at(0), { customerIdentifier: 'swap-payer', accountIdentifier: 'swap-right', creditCardToken: right, amount: 100 });
  });
  await http.funded(at(1), { customerIdentifier: 'swap-payer', accountIdentifier: 'swap-left', creditCardToken: token, amount: 100 });
  // 80 transfers, 40 each way, 0.01 to 0.40: never more than either side holds.
  const answers = await Promise.all(
    Array.from({ length: 80 }, (_, i) =>
      http.transfer(at(Math.floor(i / 2)), {
        transferFrom: i % 2 ? 'swap-left' : 'swap-right',
        transferTo: i % 2 ? 'swap-right' : 'swap-left',
        amount: (Math.floor(i / 2) + 1) / 100,
      }),
    ),
  );
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  // Each direction moved 0.01 + … + 0.40 = 8.20, so both end where they started.
  expect(await http.balance(at(0), 'swap-left')).toBe(100);
  expect(await http.balance(at(1), 'swap-right')).toBe(100);
  await expectLedgerHolds();
});

test('duplicate externalRefIDs of transfers racing on both instances: one 200 each, every other 409.001', async () => {
  const token = await http.accounts(at(0), 'dup-payer', ['dup-source', 'dup-sink']);
  await http.funded(at(0), { customerIdentifier: 'dup-payer', accountIdentifier: 'dup-source', creditCardToken: token, amount: 100 });
  const refs = Array.from({ length: 10 }, (_, i) => `transfer-ref-${i}`);
  // 10 requests per externalRefID, interleaved, each reference sent to both instances.
  const answers = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      http.transfer(at(Math.floor(i / 10)), {
        transferFrom: 'dup-source',
        transferTo: 'dup-sink',
        amount: 2.5,
        externalRefID: refs[i % 10]!,
      }),
    ),
  );
  expect(countOf(answers, 200)).toBe(10);
  expect(countOf(answers, 409, '409.001')).toBe(90);
  const succeeded = answers.filter((a) => a.status === 200).map((a) => a.body.externalRefID);
  expect(new Set(succeeded)).toEqual(new Set(refs));
  expect(await http.balance(at(1), 'dup-source')).toBe(75);
  expect(await http.balance(at(0), 'dup-sink')).toBe(25);
  const rows = await driver.all<{ external_ref_id: string }>(
    "SELECT t.external_ref_id FROM transfers t JOIN accounts a ON a.id = t.from_account_id WHERE a.account_identifier = 'dup-source'",
    [],
  );
  expect(rows.map((r) => r.external_ref_id).sort()).toEqual([...refs].sort());
  await expectLedgerHolds();
});

test('duplicate externalRefIDs of card deposits racing on both instances: one 200 each, every other 409.001', async () => {
  const token = await http.accounts(at(1), 'dup-depositor', ['dup-funded']);
  const refs = Array.from({ length: 10 }, (_, i) => `deposit-ref-${i}`);
  const answers = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      http.deposit(at(Math.floor(i / 10)), {
        customerIdentifier: 'dup-depositor',
        accountIdentifier: 'dup-funded',
        creditCardToken: token,
        amount: 12.34,
        externalRefID: refs[i % 10]!,
      }),
    ),
  );
  expect(countOf(answers, 200)).toBe(10);
  expect(countOf(answers, 409, '409.001')).toBe(90);
  expect(answers.filter((a) => a.status === 200).every((a) => a.body.status === 'SUCCESS')).toBe(true);
  expect(await http.balance(at(0), 'dup-funded')).toBe(123.4);
  const rows = await driver.all<{ external_ref_id: string; reference_deposit_id: string }>(
    "SELECT d.external_ref_id, d.reference_deposit_id FROM deposits d JOIN accounts a ON a.id = d.account_id WHERE a.account_identifier = 'dup-funded'",
    [],
  );
  expect(rows.map((r) => r.external_ref_id).sort()).toEqual([...refs].sort());
  expect(new Set(rows.map((r) => r.reference_deposit_id)).size).toBe(10);
  await expectLedgerHolds();
});

test('on PostgreSQL, ledger verify exits 1 naming an account whose balance was changed beside its ledger', async () => {
  await http.accounts(at(0), 'tamper-owner', ['tamper-pool']);
  const tamper = (delta: number) =>
    driver.write("UPDATE accounts SET current_balance_minor = current_balance_minor + ? WHERE account_identifier = 'tamper-pool'", [delta]);
  await tamper(1);
  try {
    const tampered = await verify();
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain('DIFFERS\tplatform money-platform\taccount tamper-pool\tbalance 0.01\tentries sum 0.00');
    expect(tampered.stdout).toMatch(/1 differ$/m);
  } finally {
    await tamper(-1);
  }
  expect((await verify()).code).toBe(0);
});
