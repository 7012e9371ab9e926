/**
 * The sandbox's clocks: each platform's time is the system's plus its own offset. The offsets
 * are kept in the database (every instance agrees) and read into memory before each request of
 * the platform runs (the sandbox middleware), because the domain reads the clock synchronously.
 */
import { type Clock, systemClock } from './clock.js';

export class PlatformClocks implements Clock {
  readonly #offsets = new Map<number, number>();

  constructor(private readonly base: Clock = systemClock) {}

  now(platformId: number): Date {
    const offset = this.#offsets.get(platformId);
    const now = this.base.now(platformId);
    return offset === undefined ? now : new Date(now.getTime() + offset);
  }

  /** The server's time, no platform's offset: what an offset is measured from. */
  baseNow(): Date {
    return this.base.now(0);
  }

  offsetOf(platformId: number): number {
    return this.#offsets.get(platformId) ?? 0;
  }

  /** A platform deleted on this instance: its offset is not kept for ever. */
  forget(platformId: number): void {
    this.#offsets.delete(platformId);
  }

  /** The platform's offset as the database holds it now. */
  remember(platformId: number, offsetMs: number): void {
    if (offsetMs === 0) this.#offsets.delete(platformId);
    else this.#offsets.set(platformId, offsetMs);
  }
}
