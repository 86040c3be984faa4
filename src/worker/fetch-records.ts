import type { ClaimedEvent } from '../db/schema.js';
import { AppError } from '../errors.js';
import { ProcessingError } from '../event-log/processing-error.js';
import { shouldRetry } from '../event-log/retry-policy.js';
import type { RecordData } from '../modules/zoho-module.js';
import { fieldFinder, readRecordFields } from '../webhooks/read-record-fields.js';
import type { ZohoRecord } from '../zoho/zoho-api.js';
import { mapConcurrently } from './map-concurrently.js';
import type { ZohoLink, ZohoModuleLink } from './zoho-link.js';

/** What the worker read of a record from Zoho, kept on its event next to the webhook's data. */
export interface FetchedRecord {
  /** The module's fields, read exactly as intake reads a delivery: the data the handler is given. */
  readonly data: RecordData;
  /** What Zoho holds in the module's write-back fields, as text (null: empty), to write only what differs. */
  readonly write_back: Readonly<Record<string, string | null>>;
  /** Fields of the record that could not be read (never a value). */
  readonly warnings: readonly string[];
}

/** An event as its handler gets it (its payload's data replaced by the fetched record), or why it cannot run. */
export type PreparedEvent =
  | { readonly ok: true; readonly event: ClaimedEvent; readonly fetched?: FetchedRecord }
  | { readonly ok: false; readonly error: unknown };

/**
 * With ZOHO_FETCH_RECORDS, reads the record of each insert and update from Zoho, a few at a time, and gives its
 * handler the record as Zoho holds it now: the webhook may carry only the id, or data older than the record
 * (DESIGN.md §10). A delete keeps the webhook's id: its record can no longer be read. Without the setting every
 * event goes through unchanged.
 */
export async function fetchRecords(
  link: ZohoLink | undefined,
  events: readonly ClaimedEvent[],
): Promise<Map<ClaimedEvent, PreparedEvent>> {
  const prepared = new Map<ClaimedEvent, PreparedEvent>();
  const toFetch: Array<{ event: ClaimedEvent; module: ZohoModuleLink }> = [];
  for (const event of events) {
    const module = link?.modules.get(event.module);
    const fetches =
      link?.fetchRecords === true &&
      module !== undefined &&
      (event.event_type === 'insert' || event.event_type === 'update') &&
      !listedBySync(event);
    if (fetches) toFetch.push({ event, module });
    else prepared.set(event, { ok: true, event });
  }
  if (!link || toFetch.length === 0) return prepared;
  await mapConcurrently(toFetch, link.fetchConcurrency, async ({ event, module }) => {
    prepared.set(event, await fetchOne(link, event, module));
  });
  return prepared;
}

/**
 * An event `mzi sync` appended carries the record as Zoho's API listed it moments before: reading it again would
 * spend a credit for the same data. Its delivery id is the sync's key (see syncDedupKey).
 */
function listedBySync(event: ClaimedEvent): boolean {
  if (!event.payload.includes('"delivery_id":"sync:')) return false;
  try {
    const deliveryId = (JSON.parse(event.payload) as { delivery_id?: unknown }).delivery_id;
    return typeof deliveryId === 'string' && deliveryId.startsWith('sync:');
  } catch {
    return false;
  }
}

async function fetchOne(link: ZohoLink, event: ClaimedEvent, module: ZohoModuleLink): Promise<PreparedEvent> {
  const { zohoApiName } = module.module;
  if (!link.api) {
    return {
      ok: false,
      error: new ProcessingError(
        'zoho.not_connected',
        `ZOHO_FETCH_RECORDS=true, but mzi has no Zoho connection, so it cannot read ${zohoApiName} record ${event.record_id}: connect Zoho (\`mzi zoho connect\`, or ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_DC), or turn ZOHO_FETCH_RECORDS off and send full webhooks, then retry this event.`,
      ),
    };
  }
  let record: ZohoRecord | undefined;
  try {
    record = await link.api.getRecord(zohoApiName, event.record_id);
  } catch (error) {
    return { ok: false, error: fetchFailure(error, zohoApiName, event.record_id) };
  }
  if (record === undefined) {
    return {
      ok: false,
      error: new ProcessingError(
        'zoho.record_not_found',
        `Zoho has no ${zohoApiName} record ${event.record_id} (it was deleted, or never existed), so there is nothing to process; its delete event, if any, follows.`,
      ),
    };
  }
  try {
    const fetched = readFetchedRecord(record, module, link.maxFieldLength);
    return { ok: true, event: withData(event, fetched.data), fetched };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return {
      ok: false,
      error: new ProcessingError(
        'zoho.record_unreadable',
        `${zohoApiName} record ${event.record_id} as Zoho holds it cannot be processed: ${error.message}`,
        { cause: error },
      ),
    };
  }
}

/** The module's fields of a record from Zoho's API, read by intake's own rules; the write-back fields as text. */
export function readFetchedRecord(
  record: ZohoRecord,
  module: Pick<ZohoModuleLink, 'module' | 'writeBackFields'>,
  maxFieldLength: number,
): FetchedRecord {
  const warnings: string[] = [];
  // Zoho answers every field of the record; only the module's are read, so the others raise no warning.
  const find = fieldFinder(module.module.fields);
  const fields = Object.fromEntries(Object.entries(record).filter(([key]) => find(key) !== undefined));
  const data = readRecordFields({
    module: module.module,
    sources: [{ from: fields, skipMeta: false }],
    maxFieldLength,
    warnings,
  });
  const writeBack: Record<string, string | null> = {};
  for (const field of module.writeBackFields) writeBack[field] = zohoText(record[field]);
  return { data, write_back: writeBack, warnings };
}

/** A field's value as text for comparison: numbers as their digits, empty as null. */
function zohoText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  return null;
}

/** The event with its payload's data replaced: handlers read `data` and nothing else of the payload. */
function withData(event: ClaimedEvent, data: RecordData): ClaimedEvent {
  let payload: Record<string, unknown> = {};
  try {
    payload = JSON.parse(event.payload) as Record<string, unknown>;
  } catch {
    // An unreadable payload is replaced whole: the fetched record is what the handler needs.
  }
  return { ...event, payload: JSON.stringify({ ...payload, data }) };
}

/** A failed read as a verdict on the event: Zoho's own errors say whether they pass; others by the retry policy. */
function fetchFailure(error: unknown, module: string, recordId: string): ProcessingError {
  if (error instanceof ProcessingError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProcessingError(
    'zoho.fetch_failed',
    `Could not read ${module} record ${recordId} from Zoho: ${message}`,
    { retryable: shouldRetry(error), cause: error },
  );
}
