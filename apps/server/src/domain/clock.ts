/**
 * Time as the domain reads it, per platform: the sandbox gives each platform a clock of its own
 * (a test can move it), production reads the system's.
 */
export interface Clock {
  now(platformId: number): Date;
}

/** The system's time, the same for every platform. */
export const systemClock: Clock = { now: () => new Date() };
