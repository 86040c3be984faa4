import { v7 as uuidv7 } from 'uuid';
import { searchKeyColumns } from '../event-log/search-key-columns.js';
import { findModuleByApiName, type ZohoModule } from '../modules/index.js';
import type { IncomingDelivery } from './create-event-appender.js';
import { contentHash } from './normalize-delivery.js';

/**
 * The parts of a delivery's event row that the delivery alone decides (id, content hash, JSON texts, search
 * keys), worked out before the transaction: on SQLite the transaction holds the write lock that intake and the
 * worker take turns on, so every microsecond spent inside it is one the other side waits.
 */
export interface RowParts {
  eventId: string;
  contentHash: string;
  /** `JSON.stringify(delivery.normalized.data)`, the tail of the payload. */
  dataJson: string;
  headersJson: string;
  receivedAt: string | null;
  searchKeys: ReturnType<typeof searchKeyColumns>;
}

/** Assigns the delivery its event id and computes the rest of its `RowParts`. */
export function buildRowParts(
  delivery: IncomingDelivery,
  modules: readonly ZohoModule[],
  newEventId: () => string = uuidv7,
): RowParts {
  const n = delivery.normalized;
  return {
    // Time-ordered (UUIDv7): each new id lands at the end of the event_id index instead of on a random page,
    // so a group commit writes fewer pages (docs/PERFORMANCE.md#time-ordered-event-ids).
    eventId: newEventId(),
    contentHash: contentHash(n),
    dataJson: JSON.stringify(n.data),
    headersJson: JSON.stringify(delivery.headers),
    receivedAt: delivery.request ? new Date(delivery.request.receivedAt).toISOString() : null,
    searchKeys: searchKeyColumns(findModuleByApiName(n.module, modules)?.searchKeys ?? [], n.data),
  };
}
