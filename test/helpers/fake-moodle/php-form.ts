/**
 * PHP's form parsing, as `$_POST` sees a body: `users[0][email]=x` → Map { users → Map { 0 → Map { email → 'x' } } }.
 */

export type PhpValue = string | PhpArray;
export type PhpArray = Map<string, PhpValue>;

export function parsePhpForm(entries: Iterable<[string, string]>, into: PhpArray = new Map()): PhpArray {
  for (const [name, value] of entries) setPhpValue(into, name, value);
  return into;
}

function setPhpValue(root: PhpArray, name: string, value: string): void {
  const open = name.indexOf('[');
  const keys: string[] = [];
  let rest = open > 0 ? name.slice(open) : '';
  while (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) break;
    keys.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  if (keys.length === 0) {
    root.set(name, value);
    return;
  }
  let container = root;
  let key = name.slice(0, open);
  for (const next of keys) {
    let child = container.get(key);
    if (!(child instanceof Map)) {
      child = new Map();
      container.set(key, child);
    }
    container = child;
    key = next === '' ? String(nextIndex(container)) : next;
  }
  container.set(key, value);
}

function nextIndex(array: PhpArray): number {
  let max = -1;
  for (const key of array.keys()) if (/^\d+$/.test(key)) max = Math.max(max, Number(key));
  return max + 1;
}

/** The parsed form as plain objects, for `RecordedRequest.params`. */
export function toPlain(value: PhpValue): unknown {
  if (typeof value === 'string') return value;
  return Object.fromEntries([...value].map(([key, item]) => [key, toPlain(item)]));
}

/** PHP's `print_r` of a scalar or array, enough for "The bad value is: '…'" messages. */
export function printR(value: PhpValue): string {
  return typeof value === 'string' ? value : 'Array';
}

export function stringParam(form: PhpArray, key: string): string | undefined {
  const item = form.get(key);
  return typeof item === 'string' ? item : undefined;
}
