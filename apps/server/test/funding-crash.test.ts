/**
 * A SIGKILL in the middle of a transfer load leaves no half-transfer (issue 15, item 3), on a
 * SQLite file (synchronous=FULL) and on PostgreSQL. 16 concurrent loops move money between six
 * funded accounts, each transfer carrying a unique externalRefID, until the server is killed;
 * then, on the database as the kill left it and again after a restart:
 *   - every transfer whose 200 reached the client is stored, with its accounts and amount;
 *   - none is partial: each stored transfer has exactly its debit and its credit entry, each
 *     entry belongs to a transfer or deposit, each balance is its entries' sum, and the total
 *     of the balances is still the total deposited;
 *   - `raas ledger verify` exits 0;
 *   - the restarted server answers the balances the database holds, and takes transfers again.
 * On SQLite it is done twice on the same file, as crash.test.ts does for creates.
 */
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { SqlDriver } from '../src/store/sql/driver.js';
import { type StoreKind, freshDatabase, openDriver } from './support/harness.js';
import { type TransferAnswer, fundingHttp } from './support/funding-http.js';
import { isPartialResponse, rawClient } from './support/http.js';
import { ledgerProblems, moneyTotals } from './support/ledger-check.js';
import { type RunningServer, runCli, startServerProcess } from './support/process.js';

const PLATFORM = { name: 'crash-money', key: 'Zt4Kq8Wm1Xr6Vb3Nc9Pl2Hd7Sj5Fg0Ay-Ue_Oi8Tw3Q' };
const http = fundingHttp(PLATFORM);
const ACCOUNTS = Array.from({ length: 6 }, (_, i) => `crash-pool-${i}`);
const LOOPS = 16;

interface Acknowledged {
  from: string;
  to: string;
  amountMinor: number;
}

/**
 * LOOPS loops of transfers between the accounts (amounts 0.01–5.00, never more than an account
 * holds on this load's scale), each with a unique externalRefID, until the server stops answering.
 */
function transferLoad(server: RunningServer, round: string) {
  const client = rawClient(server.baseUrl, LOOPS);
  const base = new URL(server.baseUrl).pathname;
  const acknowledged = new Map<string, Acknowledged>();
  const others: string[] = [];
  let unanswered = 0;
  let sent = 0;
  const loop = async (n: number) => {
    for (let i = 0; ; i++) {
      const from = ACCOUNTS[(n + i) % ACCOUNTS.length]!;
      const to = ACCOUNTS[(n + 2 * i + 1) % ACCOUNTS.length]!;
      if (from === to) continue;
      const amountMinor = ((n * 31 + i * 7) % 500) + 1;
      const externalRefID = `${round}-${n}-${i}`;
      sent++;
      try {
        const response = await client.send(
          {
            method: 'POST',
            path: `${base}/transferFunds`,
            headers: http.headers,
            body: JSON.stringify({ transferFrom: from, transferTo: to, amount: amountMinor / 100, externalRefID }),
          },
          15_000,
        );
        const body = response.json as TransferAnswer | undefined;
        if (response.status === 200 && body?.externalRefID === externalRefID && Math.round(body.transferredAmount * 100) === amountMinor) {
          acknowledged.set(externalRefID, { from, to, amountMinor });
        } else {
          others.push(`${response.status} ${response.text.slice(0, 200)}`);
        }
      } catch (error) {
        if (isPartialResponse(error)) others.push(`cut off: ${(error as Error).message}`);
        else unanswered++;
        return;
      }
    }
  };
  const done = Promise.all(Array.from({ length: LOOPS }, (_, n) => loop(n))).then(() => {
    client.close();
    return { acknowledged, others, unanswered };
  });
  return { done, sent: () => sent };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(['sqlite', 'postgres'] as const satisfies readonly StoreKind[])('SIGKILL mid-transfer load on %s', (kind) => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let running: RunningServer | undefined;
  beforeEach(async () => {
    database = await freshDatabase(kind);
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await database?.drop();
  });

  const env = () => ({
    DATABASE_URL: database.url,
    RAAS_PLATFORM_NAME: PLATFORM.name,
    RAAS_PLATFORM_KEY: PLATFORM.key,
    LOG_LEVEL: 'silent',
    PG_CONNECT_TIMEOUT_MS: '30000',
  });

  /** Everything the database says after a kill, checked while no server runs. */
  async function expectNothingPartial(acknowledged: Map<string, Acknowledged>): Promise<void> {
    if (kind === 'sqlite') {
      const db = new Database(database.url.replace(/^file:/, ''));
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.pragma('foreign_key_check')).toEqual([]);
      } finally {
        db.close();
      }
    }
    const driver: SqlDriver = await openDriver(kind, database.url);
    try {
      const stored = new Map(
        (
          await driver.all<{ external_ref_id: string; from_id: string; to_id: string; amount_minor: number }>(
            `SELECT t.external_ref_id, f.account_identifier AS from_id, d.account_identifier AS to_id, t.amount_minor
             FROM transfers t JOIN accounts f ON f.id = t.from_account_id JOIN accounts d ON d.id = t.to_account_id`,
            [],
          )
        ).map((row) => [row.external_ref_id, { from: row.from_id, to: row.to_id, amountMinor: Number(row.amount_minor) }]),
      );
      for (const [ref, transfer] of acknowledged) expect(stored.get(ref), ref).toEqual(transfer);
      expect(await ledgerProblems(driver)).toEqual([]);
      const totals = await moneyTotals(driver);
      expect(totals.balances).toBe(totals.deposited);
    } finally {
      await driver.close();
    }
    const verified = await runCli(['ledger', 'verify'], { DATABASE_URL: database.url });
    expect(verified.stdout).toMatch(/every balance matches/);
    expect(verified.code).toBe(0);
  }

  test('every acknowledged transfer survives whole, none is partial, the ledger holds after restart', { timeout: 90_000 }, async () => {
    running = await startServerProcess(env());
    const token = await http.accounts(running.baseUrl, 'crash-payer', [ACCOUNTS[0]!]);
    for (const accountIdentifier of ACCOUNTS.slice(1)) {
      const created = await http.post(running.baseUrl, '/customers/crash-payer/accounts', {
        accountIdentifier,
        displayName: `Pool ${accountIdentifier}`,
        contactEmail: 'finance@acme.example',
      });
      expect(created.status).toBe(201);
    }
    for (const accountIdentifier of ACCOUNTS) {
      const creditCardToken =
        accountIdentifier === ACCOUNTS[0] ? token : (await http.card(running.baseUrl, 'crash-payer', accountIdentifier)).token;
      await http.funded(running.baseUrl, { customerIdentifier: 'crash-payer', accountIdentifier, creditCardToken, amount: 5000 });
    }

    const acknowledged = new Map<string, Acknowledged>();
    for (const round of kind === 'sqlite' ? ['first', 'second'] : ['first']) {
      running ??= await startServerProcess(env());
      const load = transferLoad(running, round);
      // Kill at a point that differs between runs, well inside the load.
      const target = 200 + Math.floor(Math.random() * 300);
      for (let i = 0; load.sent() < target && i < 1000; i++) await sleep(10);
      const exited = once(running.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      running.child.kill('SIGKILL');
      const [[code, signal], result] = await Promise.all([exited, load.done]);
      running = undefined;
      expect([code, signal]).toEqual([null, 'SIGKILL']);
      expect(result.others, 'answers other than a whole 200').toEqual([]);
      expect(result.acknowledged.size, 'the load moved money before the kill').toBeGreaterThan(50);
      for (const [ref, transfer] of result.acknowledged) acknowledged.set(ref, transfer);
      await expectNothingPartial(acknowledged);
      console.log(
        `${kind} SIGKILL ${round}: ${result.acknowledged.size} transfers acknowledged, ${result.unanswered} requests unanswered at the kill`,
      );
    }

    // Restarted: the server reads what the database holds, and money moves again.
    running = await startServerProcess(env());
    const driver = await openDriver(kind, database.url);
    try {
      const rows = await driver.all<{ account_identifier: string; current_balance_minor: number }>(
        'SELECT account_identifier, current_balance_minor FROM accounts',
        [],
      );
      for (const row of rows)
        expect(await http.balance(running.baseUrl, row.account_identifier)).toBe(Number(row.current_balance_minor) / 100);
    } finally {
      await driver.close();
    }
    const after = await http.transfer(running.baseUrl, { transferFrom: ACCOUNTS[0]!, transferTo: ACCOUNTS[1]!, amount: 0.01 });
    expect(after.status).toBe(200);
    expect(await running.stop('SIGTERM')).toBe(0);
    running = undefined;
    await expectNothingPartial(acknowledged);
  });
});
