/**
 * Platform keys. A key is 32 random bytes (256 bits), shown once and stored only as its SHA-256.
 * A slow KDF would add nothing against guessing a 256-bit secret and would cost every request,
 * so a fast hash is the right tool here; comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../domain/model.js';
import type { StoredCredential } from '../store/store.js';

export const PLATFORM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$/;
export const MIN_KEY_LENGTH = 32;

export function newPlatformKey(): string {
  return randomBytes(32).toString('base64url');
}

/** A public, non-secret id for listing and revoking a credential. */
export function newKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

const UNKNOWN_PLATFORM_HASH = Buffer.from(hashKey(newPlatformKey()), 'hex');

/**
 * Finds the credential whose hash equals the key's. Every candidate is compared, with no early
 * exit, and an unknown platform costs the same comparison, so timing tells nothing about the key.
 */
export function matchCredential(
  candidates: readonly StoredCredential[],
  key: string,
): StoredCredential | undefined {
  const presented = Buffer.from(hashKey(key), 'hex');
  let match: StoredCredential | undefined;
  if (candidates.length === 0) timingSafeEqual(presented, UNKNOWN_PLATFORM_HASH);
  for (const candidate of candidates) {
    if (timingSafeEqual(presented, Buffer.from(candidate.keyHash, 'hex')) && !match) match = candidate;
  }
  return match;
}

export function principalOf(credential: StoredCredential): Principal {
  return {
    platformId: credential.platformId,
    platformName: credential.platformName,
    keyId: credential.keyId,
    readOnly: credential.readOnly,
    allowedCustomers: credential.allowedCustomers && new Set(credential.allowedCustomers),
  };
}

/** Splits an `Authorization: Basic …` header; undefined when it is absent or malformed. */
export function parseBasic(header: string | undefined): { name: string; key: string } | undefined {
  if (!header) return undefined;
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { name: decoded.slice(0, colon), key: decoded.slice(colon + 1) };
}
