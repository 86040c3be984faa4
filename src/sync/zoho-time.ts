/**
 * A time as Zoho's If-Modified-Since takes it: ISO 8601 to the second with an offset
 * (`2026-12-07T10:00:00+00:00`), `seconds` earlier than `time`.
 */
export function zohoTimeBefore(time: string, seconds: number): string {
  const ms = Date.parse(time);
  if (!Number.isFinite(ms)) throw new RangeError(`Not a time: ${time}`);
  return `${new Date(ms - seconds * 1000).toISOString().slice(0, 19)}+00:00`;
}

/** The later of two Zoho times (either may be missing or no time; a time wins over none). */
export function laterTime(a: string | null | undefined, b: string | null | undefined): string | undefined {
  if (!a) return b ?? undefined;
  if (!b) return a;
  const ma = Date.parse(a);
  const mb = Date.parse(b);
  if (!Number.isFinite(mb)) return a;
  if (!Number.isFinite(ma)) return b;
  return mb > ma ? b : a;
}
