/** How `eventually` polls; `what` names the awaited condition in the timeout message. */
export interface EventuallyOptions {
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Calls `check` until it returns something other than `false` without throwing (an `expect` inside it may throw),
 * and returns that value. After `timeoutMs` it fails with an error that names what was awaited and carries the last
 * failure. The one polling helper of the tests (STYLE.md): no test writes its own loop.
 */
export async function eventually<T>(
  check: () => Promise<T> | T,
  options: EventuallyOptions,
): Promise<Exclude<T, false>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      const value = await check();
      if (value !== false) return value as Exclude<T, false>;
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) {
      const last = failure instanceof Error ? `: ${failure.message}` : ' (the check returned false)';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}${last}`, {
        cause: failure,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
