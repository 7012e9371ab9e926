/**
 * An integrator's test file, run against the RaaS Customers server as a child process in
 * sandbox mode. It creates its own platform (so files can run in parallel), seeds it, injects
 * faults in the API's own vocabulary, moves the platform's clock, and asserts on what its code
 * (src/payouts.ts) does about all of it; at the end it deletes its platform. In your project, start the server the same way
 * (`npx raas-customers serve` from the installed package, or `pnpm start`) once per run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type RaasClient, type SandboxClient, type SeedFixture, createRaasClient, createSandboxClient } from '@raas-customers/client';
import { type RunningProcess, startProcess } from '@raas-customers/test-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { RaasCallFailed, awaitDeposit, onboardClient } from '../src/payouts.js';

const CARD = 'c0ffee00000000000000000000000000000000aa';

/** What every test starts from. */
const FIXTURE: SeedFixture = {
  customers: [
    {
      customerIdentifier: 'acme-existing',
      displayName: 'Acme, already a client',
      accounts: [
        {
          accountIdentifier: 'acme-existing-rewards',
          displayName: 'Acme rewards',
          contactEmail: 'finance@acme.example',
          currentBalance: 500,
          creditCards: [{ label: 'Acme Visa', lastFourDigits: '1111', expirationDate: '2030-12', token: CARD }],
        },
      ],
    },
  ],
};

let server: RunningProcess;
let dataDir: string;
let raas: RaasClient;
let sandbox: SandboxClient;
let snapshotId: string;
/** The delays our code asked to wait, instead of waiting them. */
let slept: number[];
const sleep = async (ms: number) => {
  slept.push(ms);
};
const retry = { attempts: 3, baseDelayMs: 100, sleep };

/**
 * A control's answer, checked: a control that failed (a fixture the server refused, a snapshot
 * that did not restore) must fail the test here, not leave it running on the wrong state.
 */
async function expectStatus<T extends { response: Response; error?: unknown }>(call: Promise<T>, status: number): Promise<T> {
  const result = await call;
  expect(result.response.status, JSON.stringify(result.error)).toBe(status);
  return result;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sandbox-example-'));
  // One key to bootstrap with; each test file then makes a platform of its own.
  const bootstrap = { name: 'example-bootstrap', key: randomBytes(32).toString('base64url') };
  const main = join(dirname(createRequire(import.meta.url).resolve('@raas-customers/server/package.json')), 'dist/main.js');
  server = await startProcess({
    name: 'raas-customers',
    args: [main],
    env: {
      RAAS_MODE: 'sandbox',
      PORT: '0',
      DATABASE_URL: join(dataDir, 'raas.db'),
      RAAS_PLATFORM_NAME: bootstrap.name,
      RAAS_PLATFORM_KEY: bootstrap.key,
      DEPOSIT_PENDING_MS: '5000',
      LOG_LEVEL: 'warn',
    },
  });
  const controls = server.url.replace(/\/raas\/v2$/, '/sandbox/v1');
  const created = await expectStatus(
    createSandboxClient({ baseUrl: controls, platformName: bootstrap.name, platformKey: bootstrap.key }).POST('/platforms'),
    201,
  );
  const mine = { platformName: created.data!.platformName, platformKey: created.data!.platformKey };
  raas = createRaasClient({ baseUrl: server.url, ...mine });
  sandbox = createSandboxClient({ baseUrl: controls, ...mine });
  // A card token is unique per platform: every file may seed this same fixture on its own platform.
  await expectStatus(sandbox.POST('/seed', { body: FIXTURE }), 200);
  snapshotId = (await expectStatus(sandbox.POST('/snapshots'), 201)).data!.snapshotId;
});

afterAll(async () => {
  // On a long-lived server the file's platform would otherwise stay: delete it, data and keys.
  if (sandbox) {
    await expectStatus(sandbox.DELETE('/platform'), 204);
    expect((await raas.GET('/customers')).response.status).toBe(401);
  }
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  slept = [];
  // Every test from the same state, in milliseconds: the snapshot, no faults, the real time.
  await expectStatus(sandbox.POST('/snapshots/{snapshotId}/restore', { params: { path: { snapshotId } } }), 200);
  await expectStatus(sandbox.DELETE('/faults'), 200);
  await expectStatus(sandbox.DELETE('/clock'), 200);
});

const newClient = { id: 'globex-new', name: 'Globex, a new client', financeEmail: 'ap@globex.example' };

async function customerIds(): Promise<string[]> {
  const { data } = await raas.GET('/customers');
  return (data as { customerIdentifier: string }[]).map((customer) => customer.customerIdentifier);
}

describe('onboardClient', () => {
  test('survives two 503s and a dropped connection, creating the customer and its account once', async () => {
    await expectStatus(
      sandbox.POST('/faults', { body: { operationId: 'createCustomer', times: 2, answer: { type: 'error', i18nKey: '503.001' } } }),
      201,
    );
    await expectStatus(
      sandbox.POST('/faults', { body: { operationId: 'createCustomerAccount', times: 1, answer: { type: 'drop' } } }),
      201,
    );
    const { accountNumber } = await onboardClient(raas, newClient, retry);
    expect(accountNumber).toMatch(/^A\d{8}$/);
    // Backoff doubled for the customer, started again for the account.
    expect(slept).toEqual([100, 200, 100]);
    expect(await customerIds()).toEqual(['acme-existing', 'globex-new']);
  });

  test('waits what Retry-After says after a 429', async () => {
    await expectStatus(
      sandbox.POST('/faults', {
        body: { operationId: 'createCustomer', times: 1, answer: { type: 'error', i18nKey: '429.001', retryAfterSeconds: 3 } },
      }),
      201,
    );
    await onboardClient(raas, newClient, retry);
    expect(slept).toEqual([3000]);
  });

  test('gives up at once on a 409, which retrying cannot fix', async () => {
    const failure = onboardClient(raas, { ...newClient, id: 'acme-existing' }, retry);
    await expect(failure).rejects.toBeInstanceOf(RaasCallFailed);
    await expect(failure).rejects.toMatchObject({ status: 409, error: { i18nKey: '409.012' } });
    expect(slept).toEqual([]);
  });

  test('gives up after its attempts, and the operation never ran', async () => {
    await expectStatus(
      sandbox.POST('/faults', { body: { operationId: 'createCustomer', times: 10, answer: { type: 'error', i18nKey: '503.001' } } }),
      201,
    );
    await expect(onboardClient(raas, newClient, retry)).rejects.toMatchObject({ status: 503, error: { i18nKey: '503.001' } });
    expect(slept).toEqual([100, 200]);
    expect((await sandbox.GET('/faults')).data?.[0]?.remaining).toBe(7);
    expect(await customerIds()).toEqual(['acme-existing']);
  });
});

describe('awaitDeposit', () => {
  test('sees a Pending deposit decided once the clock has moved past its resolution', async () => {
    const { data: deposit } = await raas.POST('/creditCardDeposits', {
      body: { customerIdentifier: 'acme-existing', accountIdentifier: 'acme-existing-rewards', creditCardToken: CARD, amount: 1001 },
    });
    expect(deposit?.status).toBe('PENDING');
    // Our code's sleep moves the platform's clock instead of waiting: the test takes milliseconds.
    const moveClock = async (ms: number) => {
      slept.push(ms);
      await expectStatus(sandbox.POST('/clock/advance', { body: { milliseconds: ms } }), 200);
    };
    const status = await awaitDeposit(raas, deposit!.referenceDepositID, { polls: 5, intervalMs: 2000, sleep: moveClock });
    expect(status).toBe('SUCCESS');
    expect(slept).toEqual([2000, 2000, 2000]);
    const { data: account } = await raas.GET('/accounts/{accountIdentifier}', {
      params: { path: { accountIdentifier: 'acme-existing-rewards' } },
    });
    expect(account?.currentBalance).toBe(1501);
  });

  test('a deposit settled by the control is seen at the first read', async () => {
    const { data: deposit } = await raas.POST('/creditCardDeposits', {
      body: { customerIdentifier: 'acme-existing', accountIdentifier: 'acme-existing-rewards', creditCardToken: CARD, amount: 1002 },
    });
    await expectStatus(
      sandbox.POST('/deposits/{referenceDepositID}/settle', {
        params: { path: { referenceDepositID: deposit!.referenceDepositID } },
        body: { status: 'DECLINED' },
      }),
      200,
    );
    expect(await awaitDeposit(raas, deposit!.referenceDepositID, { polls: 1, intervalMs: 1000, sleep })).toBe('DECLINED');
  });
});
