/**
 * Calls `check` until it stops throwing (or returns true), and returns its value; fails with the last error once
 * `timeoutMs` has passed. The one polling helper of the tests (STYLE.md).
 */
export async function eventually<T>(
  check: () => Promise<T> | T,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    let failure: unknown;
    try {
      const value = await check();
      if (value !== false) return value;
      failure = new Error(`${options.what ?? 'condition'} is still false`);
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) throw failure;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
