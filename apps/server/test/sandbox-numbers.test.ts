/**
 * Account numbers are unique across platforms (10^8 of them): a seed whose draw collides with
 * another platform's account draws again, as creating an account does; a snapshot whose number
 * went to another platform since is a 409.001 on restore, with nothing changed, never a 500.
 * The numbers are drawn from a list here, so that the collisions happen on purpose. And the
 * clock controls measure offsets from the injected clock, never the machine's.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueCredential } from '../src/auth/platforms.js';
import { ApiError } from '../src/domain/errors.js';
import type { Principal } from '../src/domain/model.js';
import { PlatformClocks } from '../src/domain/platform-clocks.js';
import type { Store } from '../src/domain/ports.js';
import { type SeedFixture, SandboxService } from '../src/domain/sandbox-service.js';
import { openStore } from '../src/store/open-store.js';
import { STORE_KINDS, freshDatabase } from './support/harness.js';
import type { TemporaryDatabase } from '@raas-customers/test-kit';

const fixture = (accountIdentifier: string): SeedFixture => ({
  customers: [
    {
      customerIdentifier: 'acme',
      displayName: 'Acme',
      accounts: [{ accountIdentifier, displayName: `Pool ${accountIdentifier}`, contactEmail: 'a@acme.example' }],
    },
  ],
});

describe.each(STORE_KINDS)('seeded account numbers on %s', (kind) => {
  let database: TemporaryDatabase;
  let store: Store;
  let one: Principal;
  let two: Principal;
  const draws: string[] = [];
  let service: SandboxService;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    store = await openStore(database.url);
    // A platform with a real credential: the sandbox's checks read the platform through it.
    const principal = async (name: string): Promise<Principal> => {
      const platformId = (await store.createPlatform(name, new Date())).id;
      const { keyId } = await issueCredential(store, name);
      return { platformId, platformName: name, keyId, readOnly: false, allowedCustomers: null };
    };
    one = await principal('platform-one');
    two = await principal('platform-two');
    service = new SandboxService(store, new PlatformClocks(), new Map(), () => {
      const next = draws.shift();
      if (next === undefined) throw new Error('no number left to draw');
      return next;
    });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  test('PUT /clock measures its offset from the injected clock', async () => {
    const fixed = new SandboxService(store, new PlatformClocks({ now: () => new Date('2030-01-01T00:00:00.000Z') }), new Map());
    expect(await fixed.setClock(one, '2030-01-02T00:00:00.000Z')).toEqual({ now: '2030-01-02T00:00:00.000Z', offsetMs: 86_400_000 });
    await fixed.resetClock(one);
  });

  test("a draw that another platform's account holds is drawn again", async () => {
    draws.push('10000001');
    await service.seed(two, fixture('theirs'));
    draws.push('10000001', '10000002');
    expect(await service.seed(one, fixture('ours'))).toMatchObject({ accounts: 1 });
    expect(draws).toEqual([]);
    expect((await store.findAccount(one.platformId, 'ours'))?.account.accountNumber).toBe('10000002');
  });

  // Runs after the test above: its snapshot is of the account `ours` (10000002) seeded there.
  test('a snapshot whose account number another platform took since is a 409.001, and the platform stays as it was', async () => {
    const snapshot = await service.snapshot(one);
    await service.reset(one);
    draws.push('10000002');
    await service.seed(two, fixture('taken'));
    const restoring = service.restore(one, snapshot.snapshotId);
    await expect(restoring).rejects.toBeInstanceOf(ApiError);
    await expect(restoring).rejects.toMatchObject({ i18nKey: '409.001', httpCode: 409 });
    expect(await store.findAccount(one.platformId, 'ours')).toBeUndefined();
  });
});
