import { createHmac } from 'node:crypto';

/** A function as `mzi zoho-setup <module> --deluge` prints it: its name and the code to paste. */
export interface PrintedFunction {
  name: string;
  code: string;
}

/**
 * The functions in the printed text: each is the block indented 4 spaces after the first blank line that
 * follows its "Function N of 3: <name>" heading (the clicks come before it).
 */
export function printedFunctions(text: string): PrintedFunction[] {
  const found: PrintedFunction[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const heading = /^Function \d+ of \d+: (\w+) /.exec(line);
    if (!heading) continue;
    const start = lines.findIndex((l, i) => i > index && l === '') + 1;
    const end = lines.findIndex((l, i) => i > start && !l.startsWith('    '));
    found.push({
      name: heading[1] as string,
      code: lines
        .slice(start, end)
        .map((l) => l.slice(4))
        .join('\n'),
    });
  }
  return found;
}

/** What a printed function sends when Zoho runs it: where, with which headers, and the body text. */
export interface DelugeRequest {
  url: string;
  contentType: string;
  headers: Record<string, string>;
  body: string;
}

export interface DelugeRun {
  /** The value the workflow rule gives the function's `id` argument. */
  id: string;
  /** What `zoho.crm.getRecordById` answers: field API names to values, lookups as `{"name", "id"}`. */
  record?: Record<string, unknown>;
  /** `zoho.currenttime.toLong()`: milliseconds since the epoch. */
  nowMs: number;
}

/**
 * The request a printed function makes, built by following its code: the keys it puts, in the order it puts
 * them, each value as the statement that puts it reads it, the text it signs and the headers it sends. Deluge's
 * `Map.toString()` is taken to write compact JSON in insertion order (README, "Signed Deluge functions": not
 * documented, and mzi does not depend on it: it checks the bytes it gets). A statement this does not know
 * fails the test: the printer changed, and so must this.
 */
export function delugeRequest(code: string, run: DelugeRun): DelugeRequest {
  const lines = code.split('\n').map((line) => line.trim());
  const record = run.record ?? {};
  const vars: Record<string, string> = {
    secret: match(lines, /^secret = "([^"]*)";$/),
    ts: String(run.nowMs),
  };
  requireLine(lines, 'ts = zoho.currenttime.toLong().toString();');
  const data = recordData(lines, record, run.id);
  const envelope: Record<string, unknown> = {};
  for (const line of lines) {
    const put = /^envelope\.put\("([^"]+)", (.+)\);$/.exec(line);
    if (!put) continue;
    envelope[put[1] as string] = envelopeValue(put[2] as string, { data, record, id: run.id, ts: vars.ts });
  }
  requireLine(lines, 'body = envelope.toString();');
  vars.body = JSON.stringify(envelope);
  const signed = match(lines, /^signature = zoho\.encryption\.hmacsha256\(secret, (.+)\);$/);
  const text = signed === 'ts + "." + body' ? `${vars.ts}.${vars.body}` : signed === 'body' ? vars.body : '';
  if (text === '') throw new Error(`unknown signed text: ${signed}`);
  // No third argument: hmacsha256 answers base64, its default.
  vars.signature = createHmac('sha256', vars.secret as string)
    .update(text)
    .digest('base64');
  const headers: Record<string, string> = {};
  for (const [, name, variable] of match(lines, /^headers: \{(.+)\}$/).matchAll(/"([^"]+)": (\w+)/g)) {
    const value = vars[variable as string];
    if (value === undefined) throw new Error(`unknown header value: ${variable}`);
    headers[name as string] = value;
  }
  requireLine(lines, 'type: POST');
  requireLine(lines, 'parameters: body');
  return {
    url: match(lines, /^url: "([^"]+)"$/),
    contentType: match(lines, /^content-type: "([^"]+)"$/),
    headers,
    body: vars.body,
  };
}

/** The record map the function builds: `data.put(...)` statements in order, a lookup's if/else as one key. */
function recordData(lines: string[], record: Record<string, unknown>, id: string): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [index, line] of lines.entries()) {
    const put = /^data\.put\("([^"]+)", (.+)\);$/.exec(line);
    if (!put) continue;
    const [, key, expression] = put as unknown as [string, string, string];
    if (expression === 'record.get("id")') data[key] = record.id ?? null;
    else if (expression === 'id') data[key] = id;
    else if (expression === `ifnull(record.get("${key}"), "")`) data[key] = record[key] ?? '';
    else if (expression === 'lookup.get("id")') {
      // if(lookup != null) { data.put(K, lookup.get("id")); } else { data.put(K, ""); }
      requireLine(lines.slice(index - 3, index + 5), `lookup = record.get("${key}");`);
      const lookup = record[key] as { id?: unknown } | null | undefined;
      data[key] = lookup == null ? '' : lookup.id;
    } else if (expression === '""' && lines[index - 2] === 'else') continue;
    else throw new Error(`unknown data.put: ${line}`);
  }
  return data;
}

function envelopeValue(
  expression: string,
  scope: { data: Record<string, unknown>; record: Record<string, unknown>; id: string; ts: string },
): unknown {
  if (expression === 'records') return [scope.data];
  const literal = /^"([^"]*)"$/.exec(expression);
  if (literal) return literal[1];
  const deliveryId = /^"([a-z]+)-" \+ id \+ "-" \+ (.+)$/.exec(expression);
  if (deliveryId) {
    const changed = deliveryId[2] as string;
    if (changed === 'ts') return `${deliveryId[1]}-${scope.id}-${scope.ts}`;
    if (changed === 'ifnull(record.get("Modified_Time"), "")')
      return `${deliveryId[1]}-${scope.id}-${scope.record.Modified_Time ?? ''}`;
  }
  throw new Error(`unknown envelope value: ${expression}`);
}

function match(lines: string[], pattern: RegExp): string {
  for (const line of lines) {
    const found = pattern.exec(line);
    if (found) return found[1] as string;
  }
  throw new Error(`the printed function has no line matching ${pattern}`);
}

function requireLine(lines: string[], line: string): void {
  if (!lines.includes(line)) throw new Error(`the printed function has no line "${line}"`);
}
