/** A platform deleted on this instance is forgotten in its memory: its clock offset, and the listeners (the credential cache) told. */
import { expect, test } from 'vitest';
import type { Principal } from '../../src/domain/model.js';
import { PlatformClocks } from '../../src/domain/platform-clocks.js';
import type { Store } from '../../src/domain/ports.js';
import { SandboxService } from '../../src/domain/sandbox-service.js';

const principal: Principal = { platformId: 7, platformName: 'throw-away-7', keyId: 'key_7', readOnly: false, allowedCustomers: null };

function serviceWith(answer: 'deleted' | 'not-throw-away' | undefined) {
  const store = { deletePlatform: async () => answer } as unknown as Store;
  const clocks = new PlatformClocks({ now: () => new Date(0) });
  clocks.remember(principal.platformId, 60_000);
  const service = new SandboxService(store, clocks, new Map());
  const told: Principal[] = [];
  service.onPlatformDeleted((deleted) => told.push(deleted));
  return { service, clocks, told };
}

test.each(['deleted', undefined] as const)('a platform deleted (%s) loses its clock offset, and the listeners are told', async (answer) => {
  const { service, clocks, told } = serviceWith(answer);
  expect(clocks.offsetOf(principal.platformId)).toBe(60_000);
  await service.deletePlatform(principal);
  expect(clocks.offsetOf(principal.platformId)).toBe(0);
  expect(told).toEqual([principal]);
});

test('a platform that is not throw-away keeps everything', async () => {
  const { service, clocks, told } = serviceWith('not-throw-away');
  await expect(service.deletePlatform(principal)).rejects.toMatchObject({ i18nKey: '409.001' });
  expect(clocks.offsetOf(principal.platformId)).toBe(60_000);
  expect(told).toEqual([]);
});
