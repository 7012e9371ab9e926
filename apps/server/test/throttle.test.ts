/** The failed-authentication throttle on a controlled clock. */
import { expect, test } from 'vitest';
import { FailureThrottle } from '../src/auth/throttle.js';

test('blocks a client after `limit` failures until its window ends, and no one else', () => {
  let now = 1_000_000;
  const throttle = new FailureThrottle({ limit: 3, windowMs: 60_000 }, () => now);
  for (let i = 0; i < 3; i++) {
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(0);
    throttle.recordFailure('10.0.0.1');
  }
  expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(60);
  expect(throttle.retryAfterSeconds('10.0.0.2')).toBe(0);
  now += 59_500;
  expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(1);
  now += 500;
  expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(0);
});

test('keeps at most maxClients counters, dropping the oldest', () => {
  const throttle = new FailureThrottle({ limit: 1, windowMs: 60_000, maxClients: 2 });
  throttle.recordFailure('a');
  throttle.recordFailure('b');
  throttle.recordFailure('c');
  expect(throttle.retryAfterSeconds('a')).toBe(0);
  expect(throttle.retryAfterSeconds('b')).toBeGreaterThan(0);
  expect(throttle.retryAfterSeconds('c')).toBeGreaterThan(0);
});
