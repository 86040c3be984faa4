import { isDatabaseUnavailable, NETWORK_CODES } from '../db/connection-errors.js';
import { ProcessingError } from './processing-error.js';

/** Delays before attempt 2, 3, … (DESIGN.md §3); the last one repeats. */
export const RETRY_SCHEDULE_SECONDS: readonly number[] = [10, 30, 60, 300, 900, 3600];

/** Spread retries of a burst so they do not all hit Moodle in the same second. */
export const RETRY_JITTER = 0.1;

/**
 * Delay in milliseconds after the given failed attempt (1-based), with ±10 % jitter.
 * `random` is injectable so the policy is testable.
 */
export function retryDelayMs(failedAttempt: number, random: () => number = Math.random): number {
  const index = Math.min(Math.max(failedAttempt, 1), RETRY_SCHEDULE_SECONDS.length) - 1;
  const base = (RETRY_SCHEDULE_SECONDS[index] ?? 3600) * 1000;
  const factor = 1 + RETRY_JITTER * (2 * random() - 1);
  return Math.round(base * factor);
}

/**
 * Whether an error may pass if we try again later. Ordered; the first rule that matches decides.
 */
export function shouldRetry(error: unknown): boolean {
  // 1. Our own errors say so explicitly: the code that raised them knows best.
  if (error instanceof ProcessingError) return error.retryable;
  if (!(error instanceof Error)) return false;
  // 2. Timeouts and aborted requests: the other side was slow, not wrong.
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  // 3. Network-level failures, also when wrapped by fetch (`cause`).
  const code = errorCode(error) ?? errorCode(error.cause);
  if (code !== undefined && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR_'))) return true;
  // 4. The database went away (restart, failover, a dropped connection): the same work passes once it is back.
  if (isDatabaseUnavailable(error)) return true;
  // 5. Anything else is a defect or bad data: retrying would repeat it. Fail and let an operator look.
  return false;
}

/** Whether another automatic attempt is allowed after `attempts` attempts. */
export function hasAttemptsLeft(attempts: number, maxAttempts: number): boolean {
  return attempts < maxAttempts;
}

function errorCode(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'code' in value && typeof value.code === 'string')
    return value.code;
  return undefined;
}
