/**
 * Platform keys. A key is 32 random bytes (256 bits), shown once and stored only as its SHA-256.
 * A slow KDF would add nothing against guessing a 256-bit secret and would cost every request,
 * so a fast hash is the right tool here; comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../domain/model.js';
import type { StoredCredential } from '../domain/ports.js';

export const PLATFORM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$/;
export const MIN_KEY_LENGTH = 32;

/** A chosen key (RAAS_PLATFORM_KEY) must be estimated at least this strong: see keyStrengthBits. */
export const MIN_KEY_BITS = 160;

export const WEAK_KEY_ADVICE = 'use 32 random bytes, e.g. `openssl rand -base64 32` (the stored hash is only sound for a random key)';

/**
 * A conservative estimate of a chosen key's strength in bits. The fast hash (above) is sound
 * only for random keys, so a key an operator typed must look random: each character is worth
 * log2 of the alphabet its character classes span (lower, upper, digits, others), except one
 * that a guesser would predict: the same as or next to the previous one (`aaaa`, `1234`,
 * `abcd`), or continuing a three-character run seen earlier in the key (a repeated word).
 * 32 random bytes, base64 (44 characters) or hex (64), always pass; dictionary words are not
 * recognised, which is why the advice is a generated key.
 */
export function keyStrengthBits(key: string): number {
  const chars = [...key];
  const alphabet =
    (/[a-z]/.test(key) ? 26 : 0) + (/[A-Z]/.test(key) ? 26 : 0) + (/[0-9]/.test(key) ? 10 : 0) + (/[^a-zA-Z0-9]/.test(key) ? 33 : 0);
  const perCharacter = Math.log2(Math.max(alphabet, 2));
  let bits = 0;
  for (let i = 0; i < chars.length; i++) {
    const step = i === 0 ? Infinity : Math.abs(chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)!);
    const repeated =
      i >= 2 &&
      chars
        .slice(0, i - 1)
        .join('')
        .includes(chars.slice(i - 2, i + 1).join(''));
    if (step > 1 && !repeated) bits += perCharacter;
  }
  return Math.floor(bits);
}

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
export function matchCredential(candidates: readonly StoredCredential[], key: string): StoredCredential | undefined {
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
