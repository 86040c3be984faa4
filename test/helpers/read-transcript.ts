import { readFileSync } from 'node:fs';

/** One recorded exchange of a Moodle transcript in test/fixtures/moodle/. */
export interface TranscriptExchange {
  number: number;
  title: string;
  /** The URL curl was given. */
  requestUrl: string;
  /** The body exactly as curl sent it (`--data '…'`; undefined for a GET), tokens still `WSTOKEN…`. */
  requestBody: string | undefined;
  status: number;
  contentType: string;
  /** The response body as recorded. */
  responseText: string;
  /**
   * The body parsed, for JSON (`null` for Moodle's literal null); undefined for other formats or when the
   * recording cut a long body short ("… (truncated, N bytes)").
   */
  response: unknown;
  /** The "DB:" lines: database state read with PHP after the exchange. */
  db: string[];
}

const HEADING = /^#### (\d+)\.\s*(.*)$/gm;

/** Reads the exchanges of a transcript file, by number. */
export function readTranscript(path: string): Map<number, TranscriptExchange> {
  const text = readFileSync(path, 'utf8');
  const headings = [...text.matchAll(HEADING)];
  const exchanges = new Map<number, TranscriptExchange>();
  headings.forEach((heading, index) => {
    const start = (heading.index ?? 0) + heading[0].length;
    const end = headings[index + 1]?.index ?? text.length;
    const exchange = parseExchange(Number(heading[1]), heading[2] ?? '', text.slice(start, end));
    exchanges.set(exchange.number, exchange);
  });
  return exchanges;
}

function parseExchange(number: number, title: string, section: string): TranscriptExchange {
  const lines = /```\n([\s\S]*?)\n```/.exec(section)?.[1]?.split('\n') ?? [];
  const curl = lines.findIndex((line) => line.startsWith('$ curl'));
  const requestUrl = /curl [^']*'([^']*)'/.exec(lines[curl] ?? '')?.[1];
  const requestBody = / --data '([^']*)'$/.exec(lines[curl] ?? '')?.[1];
  const status = /^HTTP\/1\.1 (\d+)/.exec(lines[curl + 1] ?? '')?.[1];
  const blank = lines.indexOf('', curl);
  if (curl < 0 || requestUrl === undefined || status === undefined || blank < 0) {
    throw new Error(`transcript exchange ${number} has no curl request, status line or body`);
  }
  const headers = lines.slice(curl + 2, blank);
  const contentType = headers.find((line) => /^content-type:/i.test(line))?.replace(/^[^:]*:\s*/, '') ?? '';
  const responseText = lines.slice(blank + 1).join('\n');
  const json =
    contentType.startsWith('application/json') && !/… \(truncated, \d+ bytes\)$/.test(responseText);
  return {
    number,
    title,
    requestUrl,
    requestBody,
    status: Number(status),
    contentType,
    responseText,
    response: json ? JSON.parse(responseText) : undefined,
    db: section
      .split('\n')
      .filter((line) => line.startsWith('DB ('))
      .map((line) => line.replace(/^DB \([^)]*\):\s*/, '')),
  };
}
