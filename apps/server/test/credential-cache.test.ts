/** The credential cache: one store read per platform per ttl, failures not remembered. */
import { expect, test } from 'vitest';
import { CredentialCache } from '../src/auth/credential-cache.js';
import type { Store, StoredCredential } from '../src/domain/ports.js';

function countingStore(fail = false) {
  const calls: string[] = [];
  const store = {
    listPlatforms: async () => {
      calls.push('(platforms)');
      return [{ id: 1, name: 'exists', createdAt: '' }];
    },
    activeCredentials: async (platformName: string): Promise<StoredCredential[]> => {
      calls.push(platformName);
      if (fail) throw new Error('database down');
      return [{ keyId: `key-${calls.length}`, platformId: 1, platformName, keyHash: 'h', readOnly: false, allowedCustomers: null }];
    },
  } as unknown as Store;
  return { store, calls };
}

test('reads each platform once per ttl, then again', async () => {
  let now = 0;
  const { store, calls } = countingStore();
  const cache = new CredentialCache(store, 1000, 10, () => now);
  await cache.activeCredentials('a');
  await cache.activeCredentials('a');
  await cache.activeCredentials('b');
  expect(calls).toEqual(['a', 'b']);
  now = 1000;
  expect((await cache.activeCredentials('a'))[0]?.keyId).toBe('key-3');
  expect(calls).toEqual(['a', 'b', 'a']);
});

test('a ttl of 0 always asks the store, and a failed read is not kept', async () => {
  const plain = countingStore();
  const uncached = new CredentialCache(plain.store, 0);
  await uncached.activeCredentials('a');
  await uncached.activeCredentials('a');
  expect(plain.calls).toHaveLength(2);

  const failing = countingStore(true);
  const cache = new CredentialCache(failing.store, 1000);
  await expect(cache.activeCredentials('a')).rejects.toThrow('database down');
  await expect(cache.activeCredentials('a')).rejects.toThrow('database down');
  expect(failing.calls).toHaveLength(2);
});

test('for a throttled client, only platforms that exist are looked up, and the platform names at most once a second', async () => {
  let now = 0;
  const { store, calls } = countingStore();
  const cache = new CredentialCache(store, 1000, 10, () => now);
  expect(await cache.knownCredentials('guess-1')).toEqual([]);
  expect(await cache.knownCredentials('guess-2')).toEqual([]);
  expect((await cache.knownCredentials('exists'))[0]?.platformName).toBe('exists');
  expect(await cache.knownCredentials('exists')).toHaveLength(1);
  expect(calls).toEqual(['(platforms)', 'exists']);
  now = 999;
  await cache.knownCredentials('guess-3');
  expect(calls).toEqual(['(platforms)', 'exists']);
  // A second later the names are read again: a platform created meanwhile gets in.
  now = 1_000;
  await cache.knownCredentials('guess-4');
  expect(calls).toEqual(['(platforms)', 'exists', '(platforms)']);
});

test('a forgotten platform is read again, and its name is no longer known to a throttled client', async () => {
  const { store, calls } = countingStore();
  const cache = new CredentialCache(store, 60_000, 10, () => 0);
  expect(await cache.knownCredentials('exists')).toHaveLength(1);
  await cache.activeCredentials('exists');
  expect(calls).toEqual(['(platforms)', 'exists']);
  cache.forget('exists');
  // Within the ttl, yet read again; a throttled guess of the name reads the names (at most once a second).
  await cache.activeCredentials('exists');
  expect(calls).toEqual(['(platforms)', 'exists', 'exists']);
  cache.forget('exists');
  expect(await cache.knownCredentials('exists')).toEqual([]);
  expect(calls).toEqual(['(platforms)', 'exists', 'exists']);
});

test('each read of the names replaces them: a platform deleted on another instance drops out, one found meanwhile stays', async () => {
  let now = 0;
  const platforms = [
    { id: 1, name: 'exists', createdAt: '' },
    { id: 2, name: 'deleted-elsewhere', createdAt: '' },
  ];
  const calls: string[] = [];
  let releaseList: () => void = () => {};
  let holdList = false;
  const store = {
    listPlatforms: async () => {
      calls.push('(platforms)');
      const answer = platforms.map((platform) => ({ ...platform }));
      if (holdList) await new Promise<void>((resolve) => (releaseList = resolve));
      return answer;
    },
    activeCredentials: async (platformName: string): Promise<StoredCredential[]> => {
      calls.push(platformName);
      if (!platforms.some((platform) => platform.name === platformName)) return [];
      return [{ keyId: `key-${platformName}`, platformId: 1, platformName, keyHash: 'h', readOnly: false, allowedCustomers: null }];
    },
  } as unknown as Store;
  const cache = new CredentialCache(store, 500, 10, () => now);
  expect(await cache.knownCredentials('deleted-elsewhere')).toHaveLength(1);
  expect(calls).toEqual(['(platforms)', 'deleted-elsewhere']);

  // Deleted on another instance; a second later (its credentials no longer cached) the names are read again.
  platforms.splice(1, 1);
  now = 1_000;
  expect(await cache.knownCredentials('guess')).toEqual([]);
  expect(calls).toEqual(['(platforms)', 'deleted-elsewhere', '(platforms)']);
  // A throttled client naming it costs no lookup now, as any unknown name.
  expect(await cache.knownCredentials('deleted-elsewhere')).toEqual([]);
  expect(calls).toEqual(['(platforms)', 'deleted-elsewhere', '(platforms)']);
  // The platform that exists is still known, and still looked up.
  expect(await cache.knownCredentials('exists')).toHaveLength(1);
  expect(calls.at(-1)).toBe('exists');

  // A platform created while a read is under way, and found by a lookup meanwhile, stays known.
  now = 2_000;
  holdList = true;
  const reading = cache.knownCredentials('guess-2');
  platforms.push({ id: 3, name: 'created-meanwhile', createdAt: '' });
  expect(await cache.activeCredentials('created-meanwhile')).toHaveLength(1);
  releaseList();
  expect(await reading).toEqual([]);
  now = 2_600;
  const before = calls.length;
  expect(await cache.knownCredentials('created-meanwhile')).toHaveLength(1);
  expect(calls.slice(before)).toEqual(['created-meanwhile']);
});
