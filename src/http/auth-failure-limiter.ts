import type { FastifyReply } from 'fastify';

export interface AuthFailureLimiterOptions {
  /** Wrong credentials an address may present in one window. */
  maxFailures: number;
  windowMs: number;
  /** Addresses remembered at most; beyond it the windows that ended, then the oldest, are forgotten. */
  maxAddresses?: number;
}

export interface AuthFailureLimiter {
  /** Seconds until this address may present credentials again; 0 when it may now. */
  retryAfter(address: string, now?: number): number;
  /** Counts one wrong credential from this address; true when that was its last allowed one. */
  recordFailure(address: string, now?: number): boolean;
}

interface Window {
  start: number;
  failures: number;
}

/**
 * Counts wrong admin credentials per client address, in fixed windows, in this process (issue 15). Only failures
 * count, so a signed-in dashboard loading its pages and polling is never slowed. @fastify/rate-limit counts every
 * request of a route and cannot be told to count only failed ones, hence this small counter.
 */
export function createAuthFailureLimiter(options: AuthFailureLimiterOptions): AuthFailureLimiter {
  const { maxFailures, windowMs, maxAddresses = 10_000 } = options;
  const windows = new Map<string, Window>();
  const current = (address: string, now: number) => {
    const window = windows.get(address);
    return window && now < window.start + windowMs ? window : undefined;
  };
  const forgetOld = (now: number) => {
    for (const [address, window] of windows) if (now >= window.start + windowMs) windows.delete(address);
    for (const address of windows.keys()) {
      if (windows.size <= maxAddresses) break;
      windows.delete(address);
    }
  };
  return {
    retryAfter(address, now = Date.now()) {
      const window = current(address, now);
      if (!window || window.failures < maxFailures) return 0;
      return Math.max(1, Math.ceil((window.start + windowMs - now) / 1000));
    },
    recordFailure(address, now = Date.now()) {
      const window = current(address, now);
      if (window) {
        window.failures += 1;
        return window.failures === maxFailures;
      }
      windows.delete(address);
      windows.set(address, { start: now, failures: 1 });
      if (windows.size > maxAddresses) forgetOld(now);
      return maxFailures === 1;
    },
  };
}

/** The answer to an address that presented too many wrong credentials: 429 JSON with Retry-After. */
export async function refuseLockedOut(reply: FastifyReply, seconds: number): Promise<void> {
  await reply
    .status(429)
    .header('retry-after', String(seconds))
    .header('cache-control', 'no-store')
    .send({
      error: 'too_many_failed_attempts',
      message: `Too many wrong admin or metrics tokens from this address. Wait ${seconds} s (Retry-After) and check the token you send; until then every token from this address is refused, the right one too.`,
      retry_after_seconds: seconds,
    });
}
