import type { Kysely } from 'kysely';
import type { ClaimedEvent, Database } from '../db/schema.js';
import { queueWriteBack, type WriteBackSummary } from '../write-back/queue-write-back.js';
import type { FetchedRecord } from './fetch-records.js';
import type { ZohoLink } from './zoho-link.js';

/**
 * The write-back a completed event queues, when Zoho is connected and its module writes Moodle ids back. A
 * delete writes nothing: its record is gone from Zoho.
 */
export async function queueEventWriteBack(
  trx: Kysely<Database>,
  input: {
    zoho: ZohoLink | undefined;
    event: ClaimedEvent;
    fetched: FetchedRecord | undefined;
    finished: string;
  },
): Promise<WriteBackSummary | undefined> {
  const { zoho, event } = input;
  const link = zoho?.modules.get(event.module);
  if (!zoho?.api || !link || event.event_type === 'delete') return undefined;
  return queueWriteBack(trx, { link, event, fetched: input.fetched, now: input.finished });
}
