/**
 * Writes `items` in order from `from`: at least one, then more until all are written or `stopEarly()` says
 * to stop (SQLite: intake waits for the write lock, so the transaction should end). Returns each item written
 * with what its write returned.
 */
export async function writeChunk<T, R>(
  items: readonly T[],
  from: number,
  write: (item: T) => Promise<R>,
  stopEarly: () => boolean,
): Promise<Array<[T, R]>> {
  const written: Array<[T, R]> = [];
  let i = from;
  do {
    const item = items[i++] as T;
    written.push([item, await write(item)]);
  } while (i < items.length && !stopEarly());
  return written;
}
