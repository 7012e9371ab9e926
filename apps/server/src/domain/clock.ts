/**
 * Where the domain reads the time: every date it writes (createdDate, activationDate, createdAt)
 * and every decision that depends on the time (a Pending deposit's resolution, a card's expiry)
 * asks the clock, per platform, so that a sandbox can move one platform's time without touching
 * another's.
 */
export interface Clock {
  now(platformId: number): Date;
}

/** The machine's time, the same for every platform. */
export const systemClock: Clock = { now: () => new Date() };
