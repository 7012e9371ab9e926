/**
 * The unpaginated list of a large platform is streamed: 100,000 customers come back complete and
 * in order while the server's peak memory stays under 300 MB.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { basic } from './support/harness.js';
import { type RunningServer, startServerProcess } from './support/process.js';
import { peakRssMb, temporaryDirectory } from '@raas-customers/test-kit';

const CUSTOMERS = 100_000;
const platform = { RAAS_PLATFORM_NAME: 'large-platform', RAAS_PLATFORM_KEY: 'nmI9cc_x4H0hTKDM5iMvj6HvOFNCYDzTyOGw1q87Vvo' };
const dir = temporaryDirectory('raas-large-').path;
const file = join(dir, 'raas.db');
let server: RunningServer;

beforeAll(async () => {
  server = await startServerProcess({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'silent', ...platform });
  // Seed straight into the database: 100k creates over HTTP would test the wrong thing slowly.
  const db = new Database(file);
  const platformId = db.prepare('SELECT id FROM platforms WHERE name = ?').pluck().get(platform.RAAS_PLATFORM_NAME);
  const insert = db.prepare(
    "INSERT INTO customers (platform_id, customer_identifier, display_name, status, created_at) VALUES (?, ?, ?, 'active', ?)",
  );
  const start = Date.UTC(2024, 0, 1);
  db.transaction(() => {
    for (let i = 0; i < CUSTOMERS; i++) insert.run(platformId, `bulk-customer-${i}`, `Bulk customer number ${i}`, start + i);
  })();
  db.close();
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('100,000 customers stream back complete, in order, in under 300 MB', async () => {
  const response = await fetch(`${server.baseUrl}/customers`, {
    headers: { authorization: basic({ name: platform.RAAS_PLATFORM_NAME, key: platform.RAAS_PLATFORM_KEY }) },
  });
  expect(response.status).toBe(200);
  const customers = (await response.json()) as { customerIdentifier: string; accounts: unknown[] }[];
  const peak = peakRssMb(server.child.pid!);
  expect(customers).toHaveLength(CUSTOMERS);
  expect(customers[0]?.customerIdentifier).toBe('bulk-customer-0');
  expect(customers[CUSTOMERS - 1]?.customerIdentifier).toBe(`bulk-customer-${CUSTOMERS - 1}`);
  expect(customers.every((customer, i) => customer.customerIdentifier === `bulk-customer-${i}`)).toBe(true);
  console.log(`peak RSS of the server while streaming ${CUSTOMERS} customers: ${peak.toFixed(0)} MB`);
  expect(peak).toBeLessThan(300);
  // Backpressure waits leave nothing behind (a listener per wait once warned here).
  expect(server.stderr()).not.toContain('MaxListenersExceededWarning');
}, 120_000);

test('a client that leaves mid-stream frees the server, which goes on serving', async () => {
  const headers = { authorization: basic({ name: platform.RAAS_PLATFORM_NAME, key: platform.RAAS_PLATFORM_KEY }) };
  for (let i = 0; i < 5; i++) {
    const controller = new AbortController();
    const response = await fetch(`${server.baseUrl}/customers`, { headers, signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.closed.catch(() => {});
  }
  const after = await fetch(`${server.baseUrl}/customers?paginate=true&maxResults=1`, { headers });
  expect(after.status).toBe(200);
  expect(server.child.exitCode).toBeNull();
  expect(server.stderr()).not.toMatch(/Unhandled|MaxListenersExceededWarning/);
}, 60_000);
