/**
 * The active credentials of each platform, read from the store at most once per `ttlMs`: reading
 * them on every request cost more than the rest of authentication. Only what the database holds
 * is cached (hashes, never a presented key), so a revoked or new credential takes effect on every
 * instance within `ttlMs`. A ttl of 0 reads the store every time.
 */
import type { Store, StoredCredential } from '../store/store.js';

interface Entry {
  credentials: Promise<StoredCredential[]>;
  expiresAt: number;
}

export class CredentialCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly maxPlatforms = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  activeCredentials(platformName: string): Promise<StoredCredential[]> {
    if (this.ttlMs <= 0) return this.store.activeCredentials(platformName);
    const now = this.now();
    const cached = this.#entries.get(platformName);
    if (cached && cached.expiresAt > now) return cached.credentials;
    if (this.#entries.size >= this.maxPlatforms && !cached) {
      // Drop the oldest entry (Map keeps insertion order), never everyone's.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const credentials = this.store.activeCredentials(platformName);
    const entry = { credentials, expiresAt: now + this.ttlMs };
    this.#entries.delete(platformName);
    this.#entries.set(platformName, entry);
    // A failed read (database down) is not remembered; a newer entry is left alone.
    credentials.catch(() => {
      if (this.#entries.get(platformName) === entry) this.#entries.delete(platformName);
    });
    return credentials;
  }
}
