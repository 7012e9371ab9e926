/**
 * The active credentials of each platform, read from the store at most once per `ttlMs`: reading
 * them on every request cost more than the rest of authentication. Only what the database holds
 * is cached (hashes, never a presented key), so a revoked or new credential takes effect on every
 * instance within `ttlMs`. A ttl of 0 reads the store every time.
 */
import type { Store, StoredCredential } from '../domain/ports.js';

interface Entry {
  credentials: Promise<StoredCredential[]>;
  expiresAt: number;
}

/**
 * How often, at most, the names of all platforms are read again for a throttled request: all
 * throttled traffic together costs at most one query a second, and a platform created since the
 * last read (by the CLI, or another instance) gets in within a second even from a blocked address.
 */
const PLATFORM_NAMES_REFRESH_MS = 1_000;

export class CredentialCache {
  readonly #entries = new Map<string, Entry>();
  /**
   * Names of the platforms that exist, as last read (all of them, or found by a lookup since):
   * each read replaces them, so that a platform deleted on another instance drops out.
   */
  #platformNames = new Set<string>();
  /** Names found by a lookup while a read of all names is under way (it may predate them): kept. */
  #foundDuringRead = new Set<string>();
  #namesReadAt = Number.NEGATIVE_INFINITY;
  #namesRead: Promise<void> = Promise.resolve();

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
    void credentials.then(
      (found) => {
        if (found.length === 0) return;
        this.#platformNames.add(platformName);
        this.#foundDuringRead.add(platformName);
      },
      () => {},
    );
    const entry = { credentials, expiresAt: now + this.ttlMs };
    this.#entries.delete(platformName);
    this.#entries.set(platformName, entry);
    // A failed read (database down) is not remembered; a newer entry is left alone.
    credentials.catch(() => {
      if (this.#entries.get(platformName) === entry) this.#entries.delete(platformName);
    });
    return credentials;
  }

  /**
   * For a throttled client: the credentials of a platform that exists, as activeCredentials
   * would give them, and none for a name no platform has, without a lookup or a cache entry.
   * Guesses from a blocked address then cost no database work and evict nobody's credentials,
   * while a valid key still passes. The names of all platforms are read at most once a second.
   */
  async knownCredentials(platformName: string): Promise<StoredCredential[]> {
    const cached = this.#entries.get(platformName);
    if (cached && cached.expiresAt > this.now()) return cached.credentials;
    if (!this.#platformNames.has(platformName)) await this.#readPlatformNames();
    return this.#platformNames.has(platformName) ? this.activeCredentials(platformName) : [];
  }

  /**
   * Forgets a platform this instance deleted: its cached credentials and its name (a throttled
   * client's guess of it then costs no lookup). Other instances keep theirs until the ttl ends;
   * the sandbox's per-request check (the credential's row) refuses them meanwhile.
   */
  forget(platformName: string): void {
    this.#entries.delete(platformName);
    this.#platformNames.delete(platformName);
    this.#foundDuringRead.delete(platformName);
  }

  #readPlatformNames(): Promise<void> {
    if (this.now() - this.#namesReadAt >= PLATFORM_NAMES_REFRESH_MS) {
      this.#namesReadAt = this.now();
      this.#foundDuringRead = new Set();
      this.#namesRead = this.store.listPlatforms().then(
        (platforms) => {
          this.#platformNames = new Set([...platforms.map((platform) => platform.name), ...this.#foundDuringRead]);
        },
        // The database is down: try again on the next throttled request.
        () => {
          this.#namesReadAt = Number.NEGATIVE_INFINITY;
        },
      );
    }
    return this.#namesRead;
  }
}
