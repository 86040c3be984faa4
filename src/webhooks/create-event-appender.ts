import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { announceNewEvents, lockKeys } from '../db/dialect.js';
import { prepareQuery } from '../db/prepared-query.js';
import type { Database, EventStatus, NewEventRow } from '../db/schema.js';
import { coerceError } from '../errors.js';
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
}

interface Pending {
  delivery: IncomingDelivery;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
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

  async function writeBatch(batch: Pending[]): Promise<void> {
    try {
      const results = await db.transaction().execute(async (trx) => {
        await lockKeys(
          trx,
          batch.map((item) => `${item.delivery.normalized.module}:${item.delivery.normalized.recordId}`),
        );
        const out: AppendResult[] = [];
        for (const item of batch) out.push(await ingestOne(trx, item.delivery));
        if (out.some((r) => r.status === 'queued')) await announceNewEvents(trx);
        return out;
      });
      for (const [i, item] of batch.entries()) item.resolve(results[i] as AppendResult);
      writable = true;
      if (results.some((r) => r.status === 'queued')) options.onAppended?.();
    } catch (error) {
      if (batch.length === 1) {
        const failure = coerceError(error);
        writable = false;
        lastError = databaseErrorSummary(failure);
        lastErrorAt = now().toISOString();
        batch[0]?.reject(failure);
        return;
      }
      // One bad delivery must not fail the others: write them one by one.
      for (const item of batch) await writeBatch([item]);
    }
  }

  async function ingestOne(trx: Kysely<Database>, delivery: IncomingDelivery): Promise<AppendResult> {
    const n = delivery.normalized;
    const at = now();
    const timestamp = at.toISOString();
    const hash = contentHash(n);
    const warnings = [...n.warnings];

    const latest = (await selectLatestEvent(trx, { module: n.module, recordId: n.recordId })).rows[0];

    // Dedup key rule (DESIGN.md §2): a resolved delivery id when there is one; otherwise the same content as
    // the latest accepted event of this record within the window (so A -> B -> A edits are not lost).
    let original: { event_id: string; event_type: string } | undefined;
    if (n.deliveryId !== undefined) {
      original = (await selectByDeliveryId(trx, { module: n.module, deliveryId: n.deliveryId })).rows[0];
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
      eventType = await inferOperation(trx, n, latest?.event_type);
      operationSource = 'inferred';
      warnings.push(
        `No operation was sent; inferred "${eventType}" from what mzi knows of record ${n.recordId}. ` +
          'Give each Zoho webhook a fixed ?operation=insert|update|delete.',
      );
    }

    const eventId = randomUUID();
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
    const email = n.data.Academic_Email;
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
      payload: JSON.stringify({
        operation: eventType,
        operation_source: operationSource ?? null,
        delivery_id: n.deliveryId ?? null,
        format: n.format,
        data: n.data,
      }),
      raw_body: delivery.rawBody,
      content_type: delivery.contentType?.slice(0, 255) ?? null,
      headers: JSON.stringify(delivery.headers),
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
      received_at: request ? new Date(request.receivedAt).toISOString() : null,
      stored_ms: request
        ? Math.round((performance.timeOrigin + performance.now() - request.receivedAt) * 10) / 10
        : null,
      response_status: reply.statusCode,
      response_body: JSON.stringify(reply.body),
      academic_email: typeof email === 'string' ? email.toLowerCase().slice(0, 320) : null,
      student_id_number: n.data.Student_ID_Number?.slice(0, 128) ?? null,
    };
    await insertEvent(trx, row);
    return { ...outcome, reply };
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
    async probe() {
      // Deliveries retry the log on their own; this is for a quiet moment after a failure, at most every 5 s.
      if (writable || (lastErrorAt && Date.now() - Date.parse(lastErrorAt) < 5000)) return writable;
      const rollback = new Error('probe rollback');
      try {
        await db.transaction().execute(async (trx) => {
          // A realistic row, rolled back: proves that the log has room again, and leaves nothing behind.
          const at = now().toISOString();
          await insertEvent(trx, {
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
            academic_email: null,
            student_id_number: null,
          });
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
async function inferOperation(
  trx: Kysely<Database>,
  n: NormalizedDelivery,
  latestEventType: string | undefined,
): Promise<Operation> {
  if (latestEventType !== undefined) return latestEventType === 'delete' ? 'insert' : 'update';
  const student = await trx
    .selectFrom('students')
    .select('deleted_at')
    .where('zoho_record_id', '=', n.recordId)
    .executeTakeFirst();
  return student && student.deleted_at === null ? 'update' : 'insert';
}

// The statements of every append, built once (see prepareQuery): the latest accepted event of a record,
// an event by delivery id, and the insert.
const selectLatestEvent = prepareQuery((db: Kysely<Database>, p: { module: string; recordId: string }) =>
  db
    .selectFrom('integration_events_log')
    .select(['event_id', 'event_type', 'content_hash', 'created_at'])
    .where('module', '=', p.module)
    .where('record_id', '=', p.recordId)
    .where('status', '!=', 'duplicate')
    .where('event_type', '!=', 'invalid')
    .orderBy('id', 'desc')
    .limit(1),
);

const selectByDeliveryId = prepareQuery((db: Kysely<Database>, p: { module: string; deliveryId: string }) =>
  db
    .selectFrom('integration_events_log')
    .select(['event_id', 'event_type'])
    .where('module', '=', p.module)
    .where('dedup_key', '=', p.deliveryId)
    .where('status', '!=', 'duplicate')
    .orderBy('id')
    .limit(1),
);

const insertEvent = prepareQuery((db: Kysely<Database>, p: NewEventRow) =>
  db.insertInto('integration_events_log').values({
    event_id: p.event_id,
    source: p.source,
    module: p.module,
    event_type: p.event_type,
    record_id: p.record_id,
    status: p.status,
    error_message: p.error_message,
    error_code: p.error_code,
    created_at: p.created_at,
    updated_at: p.updated_at,
    processed_at: p.processed_at,
    payload: p.payload,
    raw_body: p.raw_body,
    content_type: p.content_type,
    headers: p.headers,
    dedup_key: p.dedup_key,
    content_hash: p.content_hash,
    duplicate_of: p.duplicate_of,
    warnings: p.warnings,
    result: p.result,
    attempts: p.attempts,
    max_attempts: p.max_attempts,
    next_attempt_at: p.next_attempt_at,
    locked_by: p.locked_by,
    locked_until: p.locked_until,
    request_method: p.request_method,
    request_url: p.request_url,
    auth_method: p.auth_method,
    received_at: p.received_at,
    stored_ms: p.stored_ms,
    response_status: p.response_status,
    response_body: p.response_body,
    academic_email: p.academic_email,
    student_id_number: p.student_id_number,
  }),
);

/** The kind of a write failure (code and first line), never the values it may quote. */
function databaseErrorSummary(error: Error): string {
  const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
  return `${code}${(error.message.split('\n')[0] ?? '').slice(0, 120)}`;
}
