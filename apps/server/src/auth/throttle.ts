/**
 * Slows down guessing: a client (by IP address) that fails authentication `limit` times within
 * `windowMs` gets 429 for its further failing attempts until the window ends. Valid credentials
 * always pass, so a well-behaved client behind the same address is never slowed. The counters
 * live in this process: with several instances each keeps its own (a guesser spread over N
 * instances gets N × limit attempts per window, still far from useful against 256-bit keys).
 */
export interface ThrottleOptions {
  limit: number;
  windowMs: number;
  /** Counters kept at most; the oldest windows are dropped first when it is reached. */
  maxClients?: number;
}

interface Window {
  startedAt: number;
  failures: number;
}

export class FailureThrottle {
  readonly #windows = new Map<string, Window>();
  readonly #maxClients: number;

  constructor(
    private readonly options: ThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.#maxClients = options.maxClients ?? 100_000;
  }

  #current(client: string): Window | undefined {
    const window = this.#windows.get(client);
    if (window && this.now() - window.startedAt >= this.options.windowMs) {
      this.#windows.delete(client);
      return undefined;
    }
    return window;
  }

  /** Seconds until the client may fail again, or 0 when it is not blocked. */
  retryAfterSeconds(client: string): number {
    const window = this.#current(client);
    if (!window || window.failures < this.options.limit) return 0;
    return Math.max(1, Math.ceil((window.startedAt + this.options.windowMs - this.now()) / 1000));
  }

  recordFailure(client: string): void {
    const window = this.#current(client);
    if (window) {
      window.failures++;
      return;
    }
    if (this.#windows.size >= this.#maxClients) {
      const oldest = this.#windows.keys().next().value;
      if (oldest !== undefined) this.#windows.delete(oldest);
    }
    this.#windows.set(client, { startedAt: this.now(), failures: 1 });
  }
}
