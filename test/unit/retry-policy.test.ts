import { describe, expect, it } from 'vitest';
import { ProcessingError } from '../../src/event-log/processing-error.js';
import {
  hasAttemptsLeft,
  RETRY_SCHEDULE_SECONDS,
  retryDelayMs,
  shouldRetry,
} from '../../src/event-log/retry-policy.js';

describe('retryDelayMs', () => {
  it('follows the schedule 10 s, 30 s, 1 min, 5 min, 15 min, 1 h and then stays at 1 h', () => {
    const middle = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => retryDelayMs(n, middle) / 1000)).toEqual([
      10, 30, 60, 300, 900, 3600, 3600, 3600,
    ]);
    expect(RETRY_SCHEDULE_SECONDS[0]).toBe(10);
  });

  it('spreads retries by at most ±10 %', () => {
    expect(retryDelayMs(1, () => 0)).toBe(9000);
    expect(retryDelayMs(1, () => 1)).toBe(11000);
    for (let i = 0; i < 100; i += 1) {
      const d = retryDelayMs(4);
      expect(d).toBeGreaterThanOrEqual(270_000);
      expect(d).toBeLessThanOrEqual(330_000);
    }
  });
});

describe('shouldRetry', () => {
  it('obeys an explicit decision of a ProcessingError', () => {
    expect(shouldRetry(new ProcessingError('x', 'y', { retryable: true }))).toBe(true);
    expect(shouldRetry(new ProcessingError('validation.x', 'y'))).toBe(false);
  });

  it('retries timeouts, network failures (also wrapped by fetch) and a busy database', () => {
    expect(shouldRetry(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
    expect(shouldRetry(Object.assign(new Error('c'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(
      shouldRetry(
        new TypeError('fetch failed', { cause: Object.assign(new Error(), { code: 'ECONNRESET' }) }),
      ),
    ).toBe(true);
    expect(shouldRetry(Object.assign(new Error('u'), { code: 'UND_ERR_SOCKET' }))).toBe(true);
    expect(shouldRetry(Object.assign(new Error('b'), { code: 'SQLITE_BUSY' }))).toBe(true);
  });

  it('retries a lost or refused database connection, but not a statement the database rejects', () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(shouldRetry(pgError('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(shouldRetry(pgError('57P03', 'the database system is starting up'))).toBe(true);
    expect(shouldRetry(pgError('08006', 'connection failure'))).toBe(true);
    expect(shouldRetry(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(shouldRetry(new AggregateError([pgError('ECONNREFUSED', 'connect ECONNREFUSED')]))).toBe(true);
    expect(shouldRetry(pgError('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    expect(shouldRetry(pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00'))).toBe(false);
  });

  it('does not retry defects or non-errors', () => {
    expect(shouldRetry(new TypeError('x is undefined'))).toBe(false);
    expect(shouldRetry('string')).toBe(false);
    expect(shouldRetry(undefined)).toBe(false);
  });
});

describe('hasAttemptsLeft', () => {
  it('allows attempts up to max_attempts', () => {
    expect(hasAttemptsLeft(1, 3)).toBe(true);
    expect(hasAttemptsLeft(3, 3)).toBe(false);
  });
});
