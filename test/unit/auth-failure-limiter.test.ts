import { describe, expect, it } from 'vitest';
import { createAuthFailureLimiter } from '../../src/http/auth-failure-limiter.js';

describe('createAuthFailureLimiter', () => {
  it('locks an address out after its last allowed failure until its window ends, then lets it try again', () => {
    const limiter = createAuthFailureLimiter({ maxFailures: 3, windowMs: 60_000 });
    const t0 = 1_000_000;
    expect([1, 2, 3].map((i) => limiter.recordFailure('a', t0 + i))).toEqual([false, false, true]);
    expect(limiter.retryAfter('a', t0 + 3)).toBe(60);
    expect(limiter.retryAfter('a', t0 + 59_001)).toBe(1);
    expect(limiter.retryAfter('b', t0 + 3)).toBe(0);
    expect(limiter.retryAfter('a', t0 + 60_001)).toBe(0);
    expect(limiter.recordFailure('a', t0 + 60_001)).toBe(false);
    expect(limiter.retryAfter('a', t0 + 60_001)).toBe(0); // one failure of a new window
  });

  it('forgets ended windows, then the oldest addresses, beyond its size', () => {
    const limiter = createAuthFailureLimiter({ maxFailures: 1, windowMs: 60_000, maxAddresses: 2 });
    limiter.recordFailure('old', 0);
    limiter.recordFailure('x', 70_000);
    limiter.recordFailure('y', 70_000);
    expect(limiter.retryAfter('x', 70_000)).toBe(60);
    limiter.recordFailure('z', 70_000);
    expect(limiter.retryAfter('x', 70_000)).toBe(0);
    expect(limiter.retryAfter('y', 70_000)).toBe(60);
    expect(limiter.retryAfter('z', 70_000)).toBe(60);
  });
});
