/**
 * SQLite crash safety, with the built server as a real process on a database file.
 *   - SIGKILL in the middle of a create load (16 concurrent loops creating customers and their
 *     accounts): after a restart on the same file, every customer and account whose 201 reached
 *     the client is there with exactly the fields of its 201, nothing partial exists (every
 *     account's customer is there), `PRAGMA integrity_check` is ok and `PRAGMA foreign_key_check`
 *     is empty. Done twice on the same file: the restarted server takes load and is killed again.
 *   - SIGTERM in the middle of the same load: every request that got an answer got a complete one
 *     (201 or 409 with a parseable body; a connection refused or closed before any answer is
 *     allowed, an answer cut short is not), the process exits 0, and every 201 is in the database.
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Account, Customer } from '../src/domain/model.js';
import { basic } from './support/harness.js';
import { isPartialResponse, rawClient } from './support/http.js';
import { type RunningServer, startServerProcess } from './support/process.js';
import { temporaryDirectory } from '@raas-customers/test-kit';

const PLATFORM = { name: 'crash-platform', key: 'OXRSjf1Hjz1lgHi2hDmtEg-zPdpM6rLT9pYyxpJuFzM' };
const LOOPS = 16;

let dir: string;
beforeEach(() => {
  dir = temporaryDirectory('raas-crash-').path;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({
  DATABASE_URL: `file:${join(dir, 'raas.db')}`,
  RAAS_PLATFORM_NAME: PLATFORM.name,
  RAAS_PLATFORM_KEY: PLATFORM.key,
  LOG_LEVEL: 'silent',
});
const headers = { authorization: basic(PLATFORM), 'content-type': 'application/json' };

interface LoadResult {
  customers: Map<string, Customer>;
  accounts: Map<string, { account: Account; customer: string }>;
  /** Answers other than 201, by status. */
  others: Map<number, number>;
  /** Answers whose body could not be read whole, or was not JSON. */
  broken: string[];
  /** Requests that got no answer at all (refused, reset before the status line). */
  unanswered: number;
}

/**
 * LOOPS concurrent loops, each creating a customer and then an account for it, until `stop()`
 * is called or the server stops answering (each loop ends at its first request without answer).
 */
function createLoad(server: RunningServer, round: string) {
  const client = rawClient(server.baseUrl, LOOPS);
  const base = new URL(server.baseUrl).pathname;
  const result: LoadResult = { customers: new Map(), accounts: new Map(), others: new Map(), broken: [], unanswered: 0 };
  let stopping = false;
  let sent = 0;
  const send = async (path: string, body: object) => {
    sent++;
    try {
      const response = await client.send({ method: 'POST', path: `${base}${path}`, headers, body: JSON.stringify(body) }, 10_000);
      if (response.json === undefined) result.broken.push(`${response.status} ${response.text.slice(0, 100)}`);
      return response;
    } catch (error) {
      if (isPartialResponse(error)) result.broken.push(`cut off: ${(error as Error).message}`);
      else result.unanswered++;
      return undefined;
    }
  };
  const loop = async (n: number) => {
    for (let i = 0; !stopping; i++) {
      const customerIdentifier = `${round}-c-${n}-${i}`;
      const customer = await send('/customers', { customerIdentifier, displayName: `Crash customer ${n} ${i}` });
      if (!customer) return;
      if (customer.status !== 201) {
        result.others.set(customer.status, (result.others.get(customer.status) ?? 0) + 1);
        continue;
      }
      result.customers.set(customerIdentifier, customer.json as Customer);
      const accountIdentifier = `${round}-a-${n}-${i}`;
      const account = await send(`/customers/${customerIdentifier}/accounts`, {
        accountIdentifier,
        // Unique across rounds too: account display names are unique on a platform.
        displayName: `Crash account ${round} ${n} ${i}`,
        contactEmail: `loop${n}@acme.example`,
        currencyCode: (['USD', 'EUR', 'GBP'] as const)[i % 3],
        fundingNotification: [{ emailAddress: `notify${i}@acme.example` }],
      });
      if (!account) return;
      if (account.status === 201)
        result.accounts.set(accountIdentifier, { account: account.json as Account, customer: customerIdentifier });
      else result.others.set(account.status, (result.others.get(account.status) ?? 0) + 1);
    }
  };
  const done = Promise.all(Array.from({ length: LOOPS }, (_, n) => loop(n))).then(() => {
    client.close();
    return result;
  });
  return {
    done,
    sent: () => sent,
    stop: () => {
      stopping = true;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the load has sent at least `count` requests, so that the signal lands mid-load. */
async function whenSent(load: { sent(): number }, count: number): Promise<void> {
  for (let i = 0; load.sent() < count && i < 500; i++) await sleep(10);
}

/** The database file as SQLite sees it: integrity, foreign keys, and rows without a customer. */
function inspectDatabase() {
  const db = new Database(join(dir, 'raas.db'));
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      foreignKeys: db.pragma('foreign_key_check') as unknown[],
      orphans: db.prepare('SELECT COUNT(*) FROM accounts a LEFT JOIN customers c ON c.id = a.customer_id WHERE c.id IS NULL').pluck().get(),
      customers: new Set(db.prepare('SELECT customer_identifier FROM customers').pluck().all() as string[]),
      accounts: new Set(db.prepare('SELECT account_identifier FROM accounts').pluck().all() as string[]),
    };
  } finally {
    db.close();
  }
}

/** Through the API of a running server: every 201 is there, as answered; nothing is partial. */
async function verifyThroughApi(server: RunningServer, expected: LoadResult): Promise<void> {
  const client = rawClient(server.baseUrl, 8);
  const base = new URL(server.baseUrl).pathname;
  const get = async <T>(path: string) => {
    const response = await client.send({ method: 'GET', path: `${base}${path}`, headers: { authorization: headers.authorization } });
    return { status: response.status, body: response.json as T };
  };
  try {
    for (const [id, created] of expected.customers) {
      const { status, body } = await get<Customer>(`/customers/${id}`);
      expect(status, id).toBe(200);
      const { accounts, ...fields } = body;
      const { accounts: _none, ...createdFields } = created;
      expect(fields).toEqual(createdFields);
      for (const summary of accounts)
        expect(expected.accounts.has(summary.accountIdentifier) || summary.accountIdentifier.startsWith(id.replace('-c-', '-a-'))).toBe(
          true,
        );
    }
    for (const [id, { account, customer }] of expected.accounts) {
      const { status, body } = await get<Account>(`/accounts/${id}`);
      expect(status, id).toBe(200);
      expect(body).toEqual(account);
      const owner = await get<Customer>(`/customers/${customer}`);
      expect(owner.body.accounts.map((a) => a.accountIdentifier)).toContain(id);
    }
    // Nothing partial: every listed account sits under a customer that exists, counts agree.
    const customers = (await get<Customer[]>('/customers')).body;
    const accounts = (await get<Account[]>('/accounts')).body;
    expect(customers.reduce((n, c) => n + c.accounts.length, 0)).toBe(accounts.length);
    const held = new Set(customers.flatMap((c) => c.accounts.map((a) => a.accountIdentifier)));
    for (const a of accounts) expect(held.has(a.accountIdentifier), a.accountIdentifier).toBe(true);
  } finally {
    client.close();
  }
}

describe('SQLite crash safety', () => {
  test('SIGKILL mid-load, twice: every acknowledged create survives intact, nothing partial, the file is sound', {
    timeout: 60_000,
  }, async () => {
    const acknowledged: LoadResult = { customers: new Map(), accounts: new Map(), others: new Map(), broken: [], unanswered: 0 };
    for (const round of ['first', 'second']) {
      const server = await startServerProcess(env());
      if (round === 'second') await verifyThroughApi(server, acknowledged);
      const load = createLoad(server, round);
      await whenSent(load, 300 + Math.floor(Math.random() * 300));
      const exited = once(server.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      server.child.kill('SIGKILL');
      const [[code, signal], result] = await Promise.all([exited, load.done]);
      expect([code, signal]).toEqual([null, 'SIGKILL']);
      expect(result.customers.size, 'the load created customers before the kill').toBeGreaterThan(20);
      expect(result.broken).toEqual([]);
      expect([...result.others.keys()]).toEqual([]);
      for (const [k, v] of result.customers) acknowledged.customers.set(k, v);
      for (const [k, v] of result.accounts) acknowledged.accounts.set(k, v);

      const db = inspectDatabase();
      expect(db.integrity).toBe('ok');
      expect(db.foreignKeys).toEqual([]);
      expect(db.orphans).toBe(0);
      for (const id of acknowledged.customers.keys()) expect(db.customers.has(id), id).toBe(true);
      for (const id of acknowledged.accounts.keys()) expect(db.accounts.has(id), id).toBe(true);
      console.log(
        `SIGKILL ${round}: ${result.customers.size} customers and ${result.accounts.size} accounts acknowledged, ` +
          `${result.unanswered} requests unanswered at the kill; the file holds ${db.customers.size} customers, ${db.accounts.size} accounts`,
      );
    }
    const restarted = await startServerProcess(env());
    try {
      await verifyThroughApi(restarted, acknowledged);
    } finally {
      expect(await restarted.stop('SIGTERM')).toBe(0);
    }
    const db = inspectDatabase();
    expect(db.integrity).toBe('ok');
    expect(db.foreignKeys).toEqual([]);
  });

  test('SIGTERM mid-load: every answer is complete, the process exits 0, every 201 is stored', { timeout: 60_000 }, async () => {
    const server = await startServerProcess(env());
    const load = createLoad(server, 'term');
    await whenSent(load, 400);
    const exited = server.stop('SIGTERM');
    // Keep the load running into the shutdown for a while, then let the loops stop by themselves.
    await sleep(300);
    load.stop();
    const [code, result] = await Promise.all([exited, load.done]);
    expect(code).toBe(0);
    expect(result.broken, 'answers cut short or unreadable').toEqual([]);
    // Each answer was a 201 (counted in customers/accounts) or a 409 with an ErrorInfo.
    expect([...result.others.keys()].filter((s) => s !== 409)).toEqual([]);
    expect(result.customers.size).toBeGreaterThan(20);

    const db = inspectDatabase();
    expect(db.integrity).toBe('ok');
    expect(db.foreignKeys).toEqual([]);
    expect(db.orphans).toBe(0);
    for (const id of result.customers.keys()) expect(db.customers.has(id), id).toBe(true);
    for (const id of result.accounts.keys()) expect(db.accounts.has(id), id).toBe(true);
    console.log(
      `SIGTERM: ${result.customers.size} customers and ${result.accounts.size} accounts acknowledged, ${result.unanswered} requests refused after the signal`,
    );

    const restarted = await startServerProcess(env());
    try {
      await verifyThroughApi(restarted, result);
    } finally {
      await restarted.stop();
    }
  });
});
