import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ZohoWebhookFailure } from '../zoho/zoho-api.js';
import { withSyncTables, type ZohoWebhookFailureRow } from './zoho-sync-tables.js';

/** Keeps Zoho's list of failed webhook deliveries as just read, in place of the one read before. */
export async function storeWebhookFailures(
  db: Kysely<Database>,
  failures: readonly ZohoWebhookFailure[],
  now: Date,
): Promise<void> {
  await withSyncTables(db)
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom('zoho_webhook_failures').execute();
      const rows = dedupById(failures).map((failure) => ({
        id: failure.id.slice(0, 128),
        webhook_name: failure.webhookName.slice(0, 255),
        module: failure.module?.slice(0, 128) ?? null,
        record_id: failure.recordId?.slice(0, 128) ?? null,
        failed_at: failure.failedAt.slice(0, 64),
        reason: failure.reason.slice(0, 1000),
        read_at: now.toISOString(),
      }));
      for (let i = 0; i < rows.length; i += 200)
        await trx
          .insertInto('zoho_webhook_failures')
          .values(rows.slice(i, i + 200))
          .execute();
    });
}

/** The failed deliveries last read, most recent first, at most `limit`, and how many there are. */
export async function listWebhookFailures(
  db: Kysely<Database>,
  limit: number,
): Promise<{ count: number; recent: ZohoWebhookFailureRow[] }> {
  const sdb = withSyncTables(db);
  const [counted, recent] = await Promise.all([
    sdb
      .selectFrom('zoho_webhook_failures')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst(),
    sdb.selectFrom('zoho_webhook_failures').selectAll().orderBy('failed_at', 'desc').limit(limit).execute(),
  ]);
  return { count: Number(counted?.n ?? 0), recent };
}

function dedupById(failures: readonly ZohoWebhookFailure[]): ZohoWebhookFailure[] {
  return [...new Map(failures.map((failure) => [failure.id, failure])).values()];
}
