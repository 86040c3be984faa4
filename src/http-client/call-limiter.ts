/** Runs at most `max` tasks at once; the others wait their turn, first come first served. */
export type CallLimiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Limits the calls a client has in flight (MOODLE_CONCURRENCY; Zoho's per-edition cap on concurrent API calls):
 * a burst waits here instead of being refused there.
 */
export function createCallLimiter(max: number): CallLimiter {
  if (!Number.isInteger(max) || max < 1)
    throw new TypeError('createCallLimiter: max must be a positive integer');
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active < max) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}
