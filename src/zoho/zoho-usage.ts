import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, Timestamp } from '../db/schema.js';
import { withZohoTables } from './zoho-tables.js';

/** The kinds of call mzi makes to Zoho's CRM API, as counted and labelled in metrics. */
export type ZohoCallType =
  | 'get_record'
  | 'update_records'
  | 'upsert_records'
  | 'delete_records'
  | 'list_records'
  | 'list_deleted_records'
  | 'list_webhook_failures';

/**
 * API credits each call costs. Zoho deducts 1 credit per call except for the APIs its table lists (convert
 * lead, bulk and mass actions, COQL past 200 rows…), none of which mzi uses
 * (https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html). Upsert and delete of up to 100 records are
 * plain record APIs, not in that table: 1 credit a call, whatever the number of records.
 */
export const ZOHO_CALL_CREDITS: Readonly<Record<ZohoCallType, number>> = {
  get_record: 1,
  update_records: 1,
  upsert_records: 1,
  delete_records: 1,
  list_records: 1,
  list_deleted_records: 1,
  list_webhook_failures: 1,
};

/** One call to Zoho's CRM API and what became of it, for metrics (never its data). */
export interface ZohoCallReport {
  callType: ZohoCallType;
  /** ok | not_modified | rate_limited | auth | client_error | server_error | transport */
  outcome: string;
  seconds: number;
  /** Credits Zoho deducted: 0 when no answer arrived or Zoho refused before counting. */
  credits: number;
}

function hourOf(at: number): Timestamp {
  const date = new Date(at);
  date.setUTCMinutes(0, 0, 0);
  return date.toISOString();
}

/** Adds one call and its credits to the hour's row (one upsert; the same SQL on SQLite and PostgreSQL). */
export async function recordZohoUsage(
  db: Kysely<Database>,
  call: { callType: ZohoCallType; credits: number; at: number },
): Promise<void> {
  await addUsage(db, { hour: hourOf(call.at), callType: call.callType, calls: 1, credits: call.credits });
}

async function addUsage(
  db: Kysely<Database>,
  row: { hour: Timestamp; callType: string; calls: number; credits: number },
): Promise<void> {
  await withZohoTables(db)
    .insertInto('zoho_api_usage')
    .values({ hour: row.hour, call_type: row.callType, calls: row.calls, credits: row.credits })
    .onConflict((oc) =>
      oc.columns(['hour', 'call_type']).doUpdateSet({
        calls: sql<number>`zoho_api_usage.calls + excluded.calls`,
        credits: sql<number>`zoho_api_usage.credits + excluded.credits`,
      }),
    )
    .execute();
}

/** Counts calls without a database write per call: what arrives while a write runs goes in the next one. */
export interface UsageRecorder {
  record(call: { callType: ZohoCallType; credits: number; at: number }): void;
  /** Resolves once everything recorded so far is in the database. */
  flushed(): Promise<void>;
}

/**
 * A burst of calls costs one upsert per hour and call type at a time, not one per call: a recorder keeps what
 * came in while a write was under way and writes it next. Counts not yet written when the process dies are
 * lost, which errs on the side of spending less than Zoho counted.
 */
export function createUsageRecorder(
  db: Kysely<Database>,
  onError: (error: unknown) => void = () => {},
): UsageRecorder {
  let pending = new Map<
    string,
    { hour: Timestamp; callType: ZohoCallType; calls: number; credits: number }
  >();
  let writing: Promise<void> | undefined;
  const write = async (): Promise<void> => {
    while (pending.size > 0) {
      const batch = [...pending.values()];
      pending = new Map();
      for (const row of batch) {
        await addUsage(db, row).catch(onError);
      }
    }
  };
  return {
    record({ callType, credits, at }) {
      const hour = hourOf(at);
      const key = `${hour} ${callType}`;
      const row = pending.get(key) ?? { hour, callType, calls: 0, credits: 0 };
      row.calls += 1;
      row.credits += credits;
      pending.set(key, row);
      writing ??= write().finally(() => {
        writing = undefined;
      });
    },
    async flushed() {
      while (writing) await writing;
    },
  };
}

/**
 * API credits spent since `since` (an ISO time or epoch ms). Counted per whole hour, so the hour that holds
 * `since` counts whole: the figure errs on the side of spending, as a budget should.
 */
export async function creditsSpent(db: Kysely<Database>, since: Timestamp | number): Promise<number> {
  const from = hourOf(typeof since === 'number' ? since : Date.parse(since));
  const row = await withZohoTables(db)
    .selectFrom('zoho_api_usage')
    .select((eb) => eb.fn.sum<number | string | null>('credits').as('credits'))
    .where('hour', '>=', from)
    .executeTakeFirst();
  return Number(row?.credits ?? 0);
}

/** Calls and credits per call type over the last 24 hours (Zoho's rolling window), busiest first. */
export async function usageLast24h(
  db: Kysely<Database>,
  now: number = Date.now(),
): Promise<{ callType: string; calls: number; credits: number }[]> {
  const rows = await withZohoTables(db)
    .selectFrom('zoho_api_usage')
    .select((eb) => [
      'call_type',
      eb.fn.sum<number | string>('calls').as('calls'),
      eb.fn.sum<number | string>('credits').as('credits'),
    ])
    .where('hour', '>=', hourOf(now - 24 * 3600_000))
    .groupBy('call_type')
    .execute();
  return rows
    .map((row) => ({ callType: row.call_type, calls: Number(row.calls), credits: Number(row.credits) }))
    .sort((a, b) => b.credits - a.credits || a.callType.localeCompare(b.callType));
}
