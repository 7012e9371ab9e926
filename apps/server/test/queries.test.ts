/** A page costs a bounded number of queries, whatever its size: no N+1 for account summaries. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { principalOf } from '../src/auth/credentials.js';
import { ensurePlatform, issueCredential } from '../src/auth/platforms.js';
import type { Principal } from '../src/domain/model.js';
import { RaasService } from '../src/domain/raas-service.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { temporaryDirectory } from '@raas-customers/test-kit';

const dir = temporaryDirectory('raas-queries-').path;
let statements = 0;
const store = new SqliteStore(`file:${join(dir, 'raas.db')}`, { onStatement: () => statements++ });
const service = new RaasService(store);
let principal: Principal;

beforeAll(async () => {
  await ensurePlatform(store, 'query-platform');
  await issueCredential(store, 'query-platform');
  principal = principalOf((await store.activeCredentials('query-platform'))[0]!);
  for (let c = 0; c < 60; c++) {
    const customerIdentifier = `query-customer-${c}`;
    await service.createCustomer(principal, { customerIdentifier, displayName: 'Query customer' });
    for (let a = 0; a < 3; a++) {
      await service.createCustomerAccount(principal, customerIdentifier, {
        accountIdentifier: `query-account-${c}-${a}`,
        displayName: `Query account ${c}-${a}`,
        contactEmail: 'q@acme.example',
      });
    }
  }
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function countQueries(run: () => Promise<unknown>): Promise<number> {
  statements = 0;
  await run();
  return statements;
}

test('a customer page with its account summaries costs the same few queries at 5 or 50 customers', async () => {
  await service.customerPage(principal, { paginate: true }); // the cursor key is read once, then kept
  const small = await countQueries(() => service.customerPage(principal, { paginate: true, maxResults: 5 }));
  const large = await countQueries(() => service.customerPage(principal, { paginate: true, maxResults: 50 }));
  expect(small).toBe(2);
  expect(large).toBe(small);
  const first = await service.customerPage(principal, { paginate: true, maxResults: 5 });
  const middle = await countQueries(() =>
    service.customerPage(principal, { paginate: true, maxResults: 50, nextCursor: first.nextCursor! }),
  );
  // The page, its accounts, and one look behind it for prevPageAvailable (a customer and its accounts).
  expect(middle).toBe(4);
  expect(first.items[0]?.accounts).toHaveLength(3);
});

test('the whole list is read in bounded batches, two queries each', async () => {
  const queries = await countQueries(async () => {
    let count = 0;
    for await (const batch of service.allCustomers(principal, {})) count += batch.length;
    expect(count).toBe(60);
  });
  expect(queries).toBe(2);
});
