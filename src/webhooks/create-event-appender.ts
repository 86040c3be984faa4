import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { isDatabaseUnavailable } from '../db/connection-errors.js';
import { dialectAdapter } from '../db/dialect-adapter.js';
import type { Database, EventStatus, NewEventRow } from '../db/schema.js';
import { coerceError } from '../errors.js';
import { appendEvents } from '../event-log/append-events.js';
import { searchKeyColumns } from '../event-log/search-key-columns.js';
import { findModuleByApiName, MODULES, type ZohoModule } from '../modules/index.js';
import {
  type AppendLookups,
  appendLookupsFor,
  type DeliveryKey,
  keyOf,
  type LatestEvent,
  type OriginalEvent,
  type RecordKey,
} from './append-lookups.js';
import { contentHash, type NormalizedDelivery } from './normalize-delivery.js';
import { ACCEPTED_OPERATION_SPELLINGS, type Operation } from './normalize-operation.js';
import { webhookReply } from './webhook-reply.js';

export interface IncomingDelivery {
  normalized: NormalizedDelivery;
  source: string;
  rawBody: string;
  contentType: string | undefined;
  /** Request headers with credentials already redacted. */
  headers: Record<string, string>;
  /** The request line (query secrets redacted), how it was authenticated, and when it arrived (epoch ms). */
  request?: { method: string; url: string; authMethod: string; receivedAt: number };
}

export type AppendStatus = 'queued' | 'duplicate' | 'rejected';

export interface AppendResult {
  eventId: string;
  status: AppendStatus;
  eventType: string;
  duplicateOf: string | undefined;
  warnings: string[];
  /** Why the event was stored as failed at once (an operation we do not know). */
  errorMessage: string | undefined;
  /** The answer for the sender, as stored with the event. */
  reply: { statusCode: number; body: Record<string, unknown> };
}

export interface EventAppender {
  /** Resolves once the event row is committed to disk: only then may the sender get its 200. */
  append(delivery: IncomingDelivery): Promise<AppendResult>;
  /** Waits for every queued append to be written. */
  flush(): Promise<void>;
  /** Whether the last write failed (health turns unhealthy until a write succeeds again). */
  state(): { writable: boolean; lastError: string | null; lastErrorAt: string | null };
  /** After a failed write: tries a harmless write, and reports writable again if it succeeds. */
  probe(): Promise<boolean>;
  /** Writes what is queued and lets go of what the appender holds (the database stays open). */
  close(): Promise<void>;
}

export interface EventAppenderOptions {
  db: Kysely<Database>;
  dedupWindowSeconds: number;
  maxAttempts: number;
  /** Called after each commit that stored at least one pending event (wakes the worker). */
  onAppended?: () => void;
  now?: () => Date;
  /** Most deliveries written in one transaction. */
  maxBatch?: number;
  /** The modules whose records and search keys the log knows (default: MODULES). */
  modules?: readonly ZohoModule[];
}

interface Pending {
  delivery: IncomingDelivery;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

/**
 * What a delivery's row holds whatever the log says (id, hash, JSON texts), worked out before the transaction:
 * on SQLite the transaction holds the write lock that intake and the worker take turns on, so every microsecond
 * spent inside it is one the other side waits.
 */
interface Prepared {
  eventId: string;
  hash: string;
  dataJson: string;
  headersJson: string;
  receivedAt: string | null;
}

function prepare(delivery: IncomingDelivery): Prepared {
  return {
    // Time-ordered (UUIDv7): each new id lands at the end of the event_id index instead of on a random page,
    // so a group commit writes fewer pages (docs/PERFORMANCE.md#time-ordered-event-ids).
    eventId: uuidv7(),
    hash: contentHash(delivery.normalized),
    dataJson: JSON.stringify(delivery.normalized.data),
    headersJson: JSON.stringify(delivery.headers),
    receivedAt: delivery.request ? new Date(delivery.request.receivedAt).toISOString() : null,
  };
}

/**
 * Appends deliveries to the event log with group commit: deliveries that arrive while a commit is in flight
 * are written together in the next transaction, so each fsync acknowledges many deliveries (DESIGN.md §3).
 * Dedup and operation inference run inside that transaction, in arrival order, so they see every earlier delivery.
 */
export function createEventAppender(options: EventAppenderOptions): EventAppender {
  const { db } = options;
  const now = options.now ?? (() => new Date());
  const maxBatch = options.maxBatch ?? 256;
  const modules = options.modules ?? MODULES;
  const lookups = appendLookupsFor(db);
  const adapter = dialectAdapter(db);
  let queue: Pending[] = [];
  let writable = true;
  let lastError: string | null = null;
  let lastErrorAt: string | null = null;
  let running: Promise<void> | undefined;

  const schedule = () => {
    if (running) return;
    running = new Promise<void>((resolve) => setImmediate(resolve)).then(drain);
  };

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        await writeBatch(batch);
      }
    } finally {
      running = undefined;
      if (queue.length > 0) schedule();
    }
  }

  /** Writes `batch`; returns the error when the database refused it as a whole (see isDatabaseUnavailable). */
  async function writeBatch(batch: Pending[]): Promise<Error | undefined> {
    try {
      const deliveries = batch.map((item) => item.delivery.normalized);
      const prepared = batch.map((item) => prepare(item.delivery));
      const results = await db.transaction().execute(async (trx) => {
        await adapter.lockKeys(
          trx,
          deliveries.map((n) => `${n.module}:${n.recordId}`),
        );
        const known = await loadBatchContext(trx, lookups, deliveries, modules);
        const out: AppendResult[] = [];
        const rows: NewEventRow[] = [];
        for (const [i, item] of batch.entries()) {
          const { result, row } = decide(item.delivery, prepared[i] as Prepared, known);
          out.push(result);
          rows.push(row);
        }
        await appendEvents(trx, rows);
        return out;
      });
      for (const [i, item] of batch.entries()) item.resolve(results[i] as AppendResult);
      writable = true;
      if (results.some((r) => r.status === 'queued')) options.onAppended?.();
      return undefined;
    } catch (error) {
      const failure = coerceError(error);
      const unavailable = isDatabaseUnavailable(failure);
      if (batch.length === 1 || unavailable) {
        writable = false;
        lastError = databaseErrorSummary(failure);
        lastErrorAt = now().toISOString();
        for (const item of batch) item.reject(failure);
        if (!unavailable) return undefined;
        // What queued meanwhile would wait for the same lock or space again, one batch after another: the
        // senders get their 503 now and retry.
        const waiting = queue;
        queue = [];
        for (const item of waiting) item.reject(failure);
        return failure;
      }
      // One bad delivery must not fail the others: write them one by one.
      for (const [i, item] of batch.entries()) {
        const refused = await writeBatch([item]);
        if (refused) {
          for (const rest of batch.slice(i + 1)) rest.reject(refused);
          return refused;
        }
      }
      return undefined;
    }
  }

  /**
   * Dedup and operation inference for one delivery, from what the database held before the batch plus the
   * deliveries before it in the batch (`known` is updated as each is decided, in arrival order).
   */
  function decide(
    delivery: IncomingDelivery,
    prepared: Prepared,
    known: BatchContext,
  ): { result: AppendResult; row: NewEventRow } {
    const n = delivery.normalized;
    const at = now();
    const timestamp = at.toISOString();
    const { hash, eventId } = prepared;
    const warnings = [...n.warnings];
    const recordKey = keyOf(n.module, n.recordId);
    const latest = known.latest.get(recordKey);

    // Dedup key rule (DESIGN.md §2): a resolved delivery id when there is one; otherwise the same content as
    // the latest accepted event of this record within the window (so A -> B -> A edits are not lost).
    let original: OriginalEvent | undefined;
    if (n.deliveryId !== undefined) {
      original = known.originals.get(keyOf(n.module, n.deliveryId));
    } else if (latest && latest.content_hash === hash) {
      const cutoff = new Date(at.getTime() - options.dedupWindowSeconds * 1000).toISOString();
      if (latest.created_at >= cutoff) original = latest;
    }

    let status: EventStatus = 'pending';
    let eventType: string;
    let errorMessage: string | undefined;
    let operationSource: string | undefined = n.operationSource;
    if (original) {
      status = 'duplicate';
      eventType = original.event_type;
    } else if (n.invalidOperation !== undefined) {
      status = 'failed';
      eventType = 'invalid';
      errorMessage =
        `Operation "${n.invalidOperation}" is not allowed: use insert, update or delete ` +
        `(accepted spellings: ${ACCEPTED_OPERATION_SPELLINGS.join(', ')}) in ?operation= or the body's "operation".`;
    } else if (n.operation !== undefined) {
      eventType = n.operation;
    } else {
      eventType = inferOperation(latest?.event_type, known.recordsLive.get(keyOf(n.module, n.recordId)));
      operationSource = 'inferred';
      warnings.push(
        `No operation was sent; inferred "${eventType}" from what mzi knows of record ${n.recordId}. ` +
          'Give each Zoho webhook a fixed ?operation=insert|update|delete.',
      );
    }

    if (status !== 'duplicate') {
      // What the next deliveries of this batch must see, as if this one were already in the log.
      if (n.deliveryId !== undefined) {
        const deliveryKey = keyOf(n.module, n.deliveryId);
        if (!known.originals.has(deliveryKey))
          known.originals.set(deliveryKey, { event_id: eventId, event_type: eventType });
      }
      if (eventType !== 'invalid')
        known.latest.set(recordKey, {
          event_id: eventId,
          event_type: eventType,
          content_hash: hash,
          created_at: timestamp,
        });
    }
    const outcome = {
      eventId,
      status: (status === 'pending'
        ? 'queued'
        : status === 'duplicate'
          ? 'duplicate'
          : 'rejected') as AppendStatus,
      eventType,
      duplicateOf: original?.event_id,
      warnings,
      errorMessage,
    };
    const reply = webhookReply(outcome);
    const request = delivery.request;
    const module = findModuleByApiName(n.module, modules);
    const row: NewEventRow = {
      event_id: eventId,
      source: delivery.source,
      module: n.module,
      event_type: eventType,
      record_id: n.recordId,
      status,
      error_message: errorMessage ?? null,
      error_code: errorMessage ? 'intake.invalid_operation' : null,
      created_at: timestamp,
      updated_at: timestamp,
      processed_at: status === 'pending' ? null : timestamp,
      // The same text as JSON.stringify of { operation, operation_source, delivery_id, format, data }.
      payload: `{"operation":${JSON.stringify(eventType)},"operation_source":${JSON.stringify(operationSource ?? null)},"delivery_id":${JSON.stringify(n.deliveryId ?? null)},"format":${JSON.stringify(n.format)},"data":${prepared.dataJson}}`,
      raw_body: delivery.rawBody,
      content_type: delivery.contentType?.slice(0, 255) ?? null,
      headers: prepared.headersJson,
      dedup_key: n.deliveryId ?? null,
      content_hash: hash,
      duplicate_of: original?.event_id ?? null,
      warnings: warnings.length > 0 ? JSON.stringify(warnings) : null,
      result: null,
      attempts: 0,
      max_attempts: options.maxAttempts,
      next_attempt_at: timestamp,
      locked_by: null,
      locked_until: null,
      request_method: request?.method ?? null,
      request_url: request?.url ?? null,
      auth_method: request?.authMethod ?? null,
      received_at: prepared.receivedAt,
      stored_ms: request
        ? Math.round((performance.timeOrigin + performance.now() - request.receivedAt) * 10) / 10
        : null,
      response_status: reply.statusCode,
      response_body: JSON.stringify(reply.body),
      ...searchKeyColumns(module?.searchKeys ?? [], n.data),
    };
    return { result: { ...outcome, reply }, row };
  }

  return {
    append(delivery) {
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ delivery, resolve, reject });
        schedule();
      });
    },
    async flush() {
      while (running) await running;
    },
    state: () => ({ writable, lastError, lastErrorAt }),
    async close() {
      while (running) await running;
    },
    async probe() {
      // Deliveries retry the log on their own; this is for a quiet moment after a failure, at most every 5 s.
      if (writable || (lastErrorAt && Date.now() - Date.parse(lastErrorAt) < 5000)) return writable;
      const rollback = new Error('probe rollback');
      try {
        await db.transaction().execute(async (trx) => {
          // A realistic row, rolled back: proves that the log has room again, and leaves nothing behind.
          const at = now().toISOString();
          const probe: NewEventRow = {
            event_id: `probe-${randomUUID()}`,
            source: 'mzi',
            module: 'mzi.probe',
            event_type: 'probe',
            record_id: 'probe',
            status: 'duplicate',
            error_message: null,
            error_code: null,
            created_at: at,
            updated_at: at,
            processed_at: at,
            payload: '{}',
            raw_body: 'x'.repeat(4096),
            content_type: null,
            headers: null,
            dedup_key: null,
            content_hash: 'probe',
            duplicate_of: null,
            warnings: null,
            result: null,
            attempts: 0,
            max_attempts: 0,
            next_attempt_at: at,
            locked_by: null,
            locked_until: null,
            request_method: null,
            request_url: null,
            auth_method: null,
            received_at: null,
            stored_ms: null,
            response_status: null,
            response_body: null,
            search_key_1: null,
            search_key_2: null,
          };
          await appendEvents(trx, [probe]);
          throw rollback;
        });
      } catch (error) {
        if (error === rollback) writable = true;
        else {
          lastError = databaseErrorSummary(coerceError(error));
          lastErrorAt = now().toISOString();
        }
      }
      return writable;
    },
  };
}

/** Without an explicit operation: a record we know and have not seen deleted is an update; otherwise an insert. */
function inferOperation(latestEventType: string | undefined, recordLive: boolean | undefined): Operation {
  if (latestEventType !== undefined) return latestEventType === 'delete' ? 'insert' : 'update';
  return recordLive === true ? 'update' : 'insert';
}

interface BatchContext {
  latest: Map<string, LatestEvent>;
  originals: Map<string, OriginalEvent>;
  /** Whether each record the log has no history of is live in its module's mirror, by `keyOf(module, recordId)`. */
  recordsLive: Map<string, boolean>;
}

/** What the log and the modules' mirrors hold for the records and delivery ids of a batch. */
async function loadBatchContext(
  trx: Kysely<Database>,
  lookups: AppendLookups,
  deliveries: readonly NormalizedDelivery[],
  modules: readonly ZohoModule[],
): Promise<BatchContext> {
  const records = new Map<string, RecordKey>();
  const deliveryIds = new Map<string, DeliveryKey>();
  for (const n of deliveries) {
    // The latest event of the record serves the content dedup (no delivery id) and the inference of a missing
    // operation; a delivery with both a delivery id and an operation needs neither.
    if (n.deliveryId === undefined || n.operation === undefined)
      records.set(keyOf(n.module, n.recordId), { module: n.module, recordId: n.recordId });
    if (n.deliveryId !== undefined)
      deliveryIds.set(keyOf(n.module, n.deliveryId), { module: n.module, deliveryId: n.deliveryId });
  }
  const latest = await lookups.latestEvents(trx, [...records.values()]);
  const originals = await lookups.originalEvents(trx, [...deliveryIds.values()]);
  // Only records without an operation and without history need their module's mirror.
  const unknown = new Map<string, Set<string>>();
  for (const n of deliveries) {
    if (n.operation !== undefined || latest.has(keyOf(n.module, n.recordId))) continue;
    const ids = unknown.get(n.module) ?? new Set<string>();
    unknown.set(n.module, ids.add(n.recordId));
  }
  const recordsLive = new Map<string, boolean>();
  for (const [moduleName, recordIds] of unknown) {
    const module = findModuleByApiName(moduleName, modules);
    if (!module) continue;
    for (const [recordId, live] of await module.knownRecords(trx, [...recordIds]))
      recordsLive.set(keyOf(moduleName, recordId), live);
  }
  return { latest, originals, recordsLive };
}

/** The kind of a write failure (code and first line), never the values it may quote. */
function databaseErrorSummary(error: Error): string {
  const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
  return `${code}${(error.message.split('\n')[0] ?? '').slice(0, 120)}`;
}
