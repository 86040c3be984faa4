/**
 * Encodes web-service parameters the way PHP parses a form body (DESIGN.md §5): nested objects and arrays
 * become bracketed keys (`users[0][email]=…`, `values[0]=…`, `options[ids][0]=7`).
 *
 * - Booleans become `1`/`0`: Moodle's PARAM_BOOL rejects `true`/`false` (transcripts #41, #42).
 * - Numbers and bigints become their decimal text; a non-finite number is a programming error and throws.
 * - `undefined` and `null` are skipped, so optional fields can be passed through without a filter.
 * - An empty array or object sends nothing: PHP forms cannot express it, and Moodle then sees the key as
 *   missing (callers that must send "no items" should not call at all).
 */
export function encodeParams(params: Record<string, unknown>): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) appendValue(form, key, value);
  return form;
}

function appendValue(form: URLSearchParams, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'boolean') {
    form.append(name, value ? '1' : '0');
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new TypeError(`Cannot send ${name}=${value} to Moodle: not a finite number`);
    form.append(name, String(value));
    return;
  }
  if (typeof value === 'string' || typeof value === 'bigint') {
    form.append(name, String(value));
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      appendValue(form, `${name}[${index}]`, item);
    });
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) appendValue(form, `${name}[${key}]`, item);
    return;
  }
  throw new TypeError(`Cannot send ${name} to Moodle: unsupported value of type ${describe(value)}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  return (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
}
