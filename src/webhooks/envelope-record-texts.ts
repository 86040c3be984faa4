const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The exact text of each record of a `{"data": […]}` envelope, as the sender wrote it (whitespace around it
 * trimmed), so that each record's event keeps its own raw body rather than the whole envelope once per record.
 * `text` is the body, already parsed as JSON; the last top-level "data" counts, as in JSON.parse. Undefined when
 * the body has no top-level "data" array.
 */
export function envelopeRecordTexts(text: string): string[] | undefined {
  let found: string[] | undefined;
  let depth = 0;
  let expectingKey = false;
  let key: string | undefined;
  /** While inside the top-level "data" array: its records so far and where the current one starts. */
  let records: string[] | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (depth === 1 && expectingKey) key = JSON.parse(text.slice(i, end)) as string;
      i = end - 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth += 1;
      if (depth === 1) expectingKey = true;
      else if (depth === 2 && c === 0x5b && key === 'data') {
        records = [];
        start = i + 1;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth === 2 && records) {
        const last = text.slice(start, i).trim();
        if (last !== '') records.push(last);
        found = records;
        records = undefined;
      }
      depth -= 1;
    } else if (c === 0x2c /* , */) {
      if (depth === 1) expectingKey = true;
      else if (depth === 2 && records) {
        records.push(text.slice(start, i).trim());
        start = i + 1;
      }
    } else if (c === 0x3a /* : */ && depth === 1) {
      expectingKey = false;
    }
  }
  return found;
}

/** Index after the string that starts at `start` (its closing quote). */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i += 1;
    else if (c === QUOTE) return i + 1;
  }
  return text.length;
}
