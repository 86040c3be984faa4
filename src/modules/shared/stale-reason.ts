/**
 * Why a delivery is stale, or undefined when it is not: its Modified_Time is older than the one the mirror
 * stored (DESIGN.md §4). Zoho timestamps are ISO 8601 with an offset; unparseable values never count as older.
 */
export function staleReason(
  incoming: string | null | undefined,
  stored: string | null | undefined,
): string | undefined {
  if (!incoming || !stored) return undefined;
  const a = Date.parse(incoming);
  const b = Date.parse(stored);
  if (!(Number.isFinite(a) && Number.isFinite(b) && a < b)) return undefined;
  return `stale: Modified_Time ${incoming} is older than the stored ${stored}`;
}
