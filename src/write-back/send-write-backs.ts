import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { ProcessingError } from '../event-log/processing-error.js';
import { retryDelayMs, shouldRetry } from '../event-log/retry-policy.js';
import type { ZohoApi, ZohoWriteResult } from '../zoho/zoho-api.js';
import { claimWriteBacks } from './claim-write-backs.js';
import { finishWriteBack, type WriteBackEnd } from './finish-write-back.js';
import type { WriteBackRow } from './write-back-table.js';

/** Zoho takes at most 100 records per write (`PUT /crm/v8/{module}`). */
export const WRITE_BACK_BATCH = 100;

/** Attempts of a write that keeps failing for a passing reason (rate limit, network) before it fails. */
export const WRITE_BACK_MAX_ATTEMPTS = 8;

export interface WriteBackSender {
  readonly db: Kysely<Database>;
  readonly api: ZohoApi;
  readonly logger: Logger;
  readonly workerId: string;
  readonly leaseSeconds: number;
  readonly now: () => Date;
  readonly random?: (() => number) | undefined;
  /** The setting that names a module's write-back field, if one does (a fix hint when Zoho refuses it). */
  readonly fieldSetting: (module: string) => string | undefined;
}

/**
 * Claims one batch of due write-backs and sends them, up to 100 records per module in one write with
 * `"trigger": []` (so no workflow rule, and so no webhook of mzi's, runs). Returns how many it claimed.
 */
export async function sendWriteBacks(sender: WriteBackSender): Promise<number> {
  const rows = await claimWriteBacks(sender.db, {
    workerId: sender.workerId,
    limit: WRITE_BACK_BATCH,
    leaseSeconds: sender.leaseSeconds,
    now: sender.now(),
  });
  const byModule = new Map<string, WriteBackRow[]>();
  for (const row of rows) byModule.set(row.module, [...(byModule.get(row.module) ?? []), row]);
  for (const [module, group] of byModule) await sendModule(sender, module, group);
  return rows.length;
}

async function sendModule(sender: WriteBackSender, module: string, rows: WriteBackRow[]): Promise<void> {
  // One write per record: a record queued twice in the claim sends its latest values.
  const latest = new Map<string, WriteBackRow>();
  for (const row of rows) latest.set(row.record_id, row);
  const sent = [...latest.values()];
  for (const row of rows) {
    if (latest.get(row.record_id) !== row) await finish(sender, row, { status: 'superseded' });
  }
  let results: ZohoWriteResult[];
  try {
    results = await sender.api.updateRecords(
      module,
      sent.map((row) => ({ id: row.record_id, ...(JSON.parse(row.fields) as Record<string, unknown>) })),
    );
  } catch (error) {
    sender.logger.warn({ err: error, module, records: sent.length }, 'could not write Moodle ids to Zoho');
    for (const row of sent) await finish(sender, row, callFailure(sender, row, error));
    return;
  }
  for (const [index, row] of sent.entries()) {
    const result = results[index];
    await finish(sender, row, result ? recordEnd(sender, module, result) : missingAnswer(sender, row));
  }
  const failed = results.filter((result) => !result.ok).length;
  if (failed > 0) sender.logger.warn({ module, failed }, 'Zoho refused some Moodle id writes');
}

function finish(sender: WriteBackSender, row: WriteBackRow, end: WriteBackEnd): Promise<void> {
  return finishWriteBack(sender.db, {
    id: row.id,
    workerId: sender.workerId,
    now: sender.now().toISOString(),
    end,
  });
}

/** Zoho's answer for one record: written, or refused with Zoho's code, its message and what to do. */
function recordEnd(sender: WriteBackSender, module: string, result: ZohoWriteResult): WriteBackEnd {
  if (result.ok) return { status: 'written' };
  const field = typeof result.details.api_name === 'string' ? result.details.api_name : undefined;
  const setting = sender.fieldSetting(module);
  const fix =
    result.code === 'INVALID_DATA' && field
      ? ` Create the field ${field} in Zoho's ${module} module (Setup > Customization > Modules and Fields)${setting ? `, or set ${setting} to the API name of the field that holds it` : ''}, then retry the event.`
      : ' Fix it in Zoho, then retry the event.';
  return {
    status: 'failed',
    code: result.code,
    message: `Zoho refused the write${field ? ` of ${field}` : ''} to ${module} record ${result.id}: ${result.message}.${fix}`,
  };
}

/** The whole write failed: tried again later with backoff if the cause may pass, else failed. */
function callFailure(sender: WriteBackSender, row: WriteBackRow, error: unknown): WriteBackEnd {
  const retry = shouldRetry(error) && row.attempts < WRITE_BACK_MAX_ATTEMPTS;
  const code = error instanceof ProcessingError ? error.code : 'zoho.write_failed';
  const reason = error instanceof Error ? error.message : String(error);
  const message = `Could not write to Zoho: ${reason}`;
  if (!retry) return { status: 'failed', code, message };
  const next = new Date(sender.now().getTime() + retryDelayMs(row.attempts, sender.random));
  return {
    status: 'pending',
    code,
    message: `${message} (attempt ${row.attempts} of ${WRITE_BACK_MAX_ATTEMPTS}; will retry)`,
    nextAttemptAt: next.toISOString(),
  };
}

function missingAnswer(sender: WriteBackSender, row: WriteBackRow): WriteBackEnd {
  return callFailure(
    sender,
    row,
    new ProcessingError('zoho.write_unanswered', 'Zoho answered no result for this record.', {
      retryable: true,
    }),
  );
}
