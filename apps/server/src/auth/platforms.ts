/**
 * Creating platforms and credentials: shared by the operator CLI and by start-up provisioning.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config.js';
import { type Store, UniqueViolation } from '../domain/ports.js';
import { MIN_KEY_LENGTH, PLATFORM_NAME_PATTERN, hashKey, newKeyId, newPlatformKey } from './credentials.js';

export interface IssuedCredential {
  platformName: string;
  keyId: string;
  /** The secret: shown once, never stored. */
  platformKey: string;
}

export interface CredentialOptions {
  label?: string | null;
  readOnly?: boolean;
  allowedCustomers?: string[] | null;
  /** Use this key instead of a random one (start-up provisioning from the environment). */
  platformKey?: string;
}

export function assertPlatformName(name: string): void {
  if (!PLATFORM_NAME_PATTERN.test(name)) {
    throw new Error(
      `invalid platform name "${name}": 3-64 characters of letters, digits, '.', '_' and '-', starting with a letter or digit`,
    );
  }
}

/** Ignores the UniqueViolation of a concurrent instance that did the same thing first. */
async function unlessRaced<T>(write: Promise<T>, target: UniqueViolation['target']): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof UniqueViolation && error.target === target) return undefined;
    throw error;
  }
}

/** The platform of that name, created if missing; safe when several instances start at once. */
export async function ensurePlatform(store: Store, name: string, now = new Date()) {
  assertPlatformName(name);
  const existing = await store.findPlatform(name);
  if (existing) return existing;
  const created = await unlessRaced(store.createPlatform(name, now), 'platform');
  const platform = created ?? (await store.findPlatform(name));
  if (!platform) throw new Error(`platform "${name}" could not be created`);
  return platform;
}

export async function issueCredential(
  store: Store,
  platformName: string,
  options: CredentialOptions = {},
  now = new Date(),
): Promise<IssuedCredential> {
  const platform = await store.findPlatform(platformName);
  if (!platform) throw new Error(`no platform named "${platformName}"`);
  const platformKey = options.platformKey ?? newPlatformKey();
  if (platformKey.length < MIN_KEY_LENGTH) throw new Error(`a platform key has at least ${MIN_KEY_LENGTH} characters`);
  const keyId = newKeyId();
  await store.addCredential(
    {
      platformId: platform.id,
      keyId,
      keyHash: hashKey(platformKey),
      label: options.label ?? null,
      readOnly: options.readOnly ?? false,
      allowedCustomers: options.allowedCustomers ?? null,
    },
    now,
  );
  return { platformName, keyId, platformKey };
}

/**
 * Start-up provisioning: the platform and key from the environment exist with full access; with
 * none given and an empty database, in sandbox mode, a development platform is created and its
 * key returned once (never in production mode).
 */
export async function provisionAtStart(
  store: Store,
  fromEnv: { name: string; key: string } | undefined,
  { developmentPlatform }: { developmentPlatform: boolean },
): Promise<IssuedCredential | undefined> {
  if (fromEnv) {
    await ensurePlatform(store, fromEnv.name);
    const keyHash = hashKey(fromEnv.key);
    const fullAccess = async () =>
      (await store.activeCredentials(fromEnv.name)).some(
        (credential) => credential.keyHash === keyHash && !credential.readOnly && !credential.allowedCustomers,
      );
    if (!(await fullAccess())) {
      await unlessRaced(issueCredential(store, fromEnv.name, { platformKey: fromEnv.key, label: 'from RAAS_PLATFORM_KEY' }), 'keyHash');
      // A key is stored once: when it already belongs to another platform or to a revoked or
      // limited credential, it cannot become this platform's full-access key. Say so now.
      if (!(await fullAccess())) {
        throw new ConfigError(
          'invalid configuration:\n  RAAS_PLATFORM_KEY: already the key of another platform, or of a revoked or limited credential: choose another key',
        );
      }
    }
    return undefined;
  }
  if (!developmentPlatform || (await store.listPlatforms()).length > 0) return undefined;
  await ensurePlatform(store, 'dev-platform');
  return issueCredential(store, 'dev-platform', { label: 'development credential created at first start' });
}

/**
 * A throw-away platform for a test (the sandbox controls): a random name, so that test files
 * running in parallel never meet, and its first full-access credential, whose key is returned
 * once and stored hashed like any other.
 */
export async function createThrowAwayPlatform(store: Store): Promise<IssuedCredential> {
  const name = `sandbox-${randomBytes(8).toString('hex')}`;
  await store.createPlatform(name, new Date(), { throwAway: true });
  return issueCredential(store, name, { label: 'sandbox throw-away platform' });
}
