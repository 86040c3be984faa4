import { type Command, Option } from 'commander';
import { EVENT_STATUSES, type EventStatus } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { getEventOrThrow } from '../../event-log/get-event-or-throw.js';
import { listAttempts } from '../../event-log/list-attempts.js';
import { listEvents } from '../../event-log/list-events.js';
import { retryEvent } from '../../event-log/retry-event.js';
import { retryMatchingEvents } from '../../event-log/retry-matching-events.js';
import { eventWriteBack } from '../../write-back/event-write-back.js';
import type { CliContext } from '../cli-context.js';
import { eventDetail, formatEventLine } from '../format-event.js';
import { out } from '../output.js';
import { parsePositiveInt } from '../parse-positive-int.js';
import { withDatabase } from '../with-database.js';

/** `mzi events list | show | retry`; returns the group so that `events purge` can join it. */
export function registerEventsCommands(program: Command, context: CliContext): Command {
  const events = program.command('events').description('inspect and retry events');
  registerList(events, context);
  registerShow(events, context);
  registerRetry(events, context);
  return events;
}

interface ListOptions {
  status?: EventStatus;
  module?: string;
  record?: string;
  delivery?: string;
  limit: number;
  json?: boolean;
}

function registerList(events: Command, { getConfig, modules }: CliContext): void {
  events
    .command('list')
    .description('newest events first')
    .addOption(new Option('--status <status>', 'only this status').choices(EVENT_STATUSES))
    .option('--module <module>', 'only this Zoho module')
    .option('--record <recordId>', 'only this Zoho record')
    .option('--delivery <deliveryId>', 'only the events of this delivery (the records of one envelope)')
    .option('--limit <n>', 'how many', parsePositiveInt, 20)
    .option('--json', 'print JSON lines')
    .action(async (opts: ListOptions) => {
      const rows = await withDatabase(getConfig(), (db) =>
        listEvents(db, {
          status: opts.status,
          module: opts.module,
          recordId: opts.record,
          deliveryId: opts.delivery,
          limit: opts.limit,
        }),
      );
      if (rows.length === 0) {
        out('no events');
        return;
      }
      for (const row of rows)
        out(opts.json ? JSON.stringify(eventDetail(row, modules)) : formatEventLine(row));
    });
}

function registerShow(events: Command, { getConfig, modules }: CliContext): void {
  events
    .command('show <id>')
    .description(
      'one event in full: delivery, payload, the record fetched from Zoho, result, write-back, attempts',
    )
    .action(async (id: string) => {
      const detail = await withDatabase(getConfig(), async (db) => {
        const event = await getEventOrThrow(db, id);
        return {
          ...eventDetail(event, modules),
          zoho_write_back: await eventWriteBack(db, event),
          attempts_history: await listAttempts(db, event.event_id),
        };
      });
      out(JSON.stringify(detail, null, 2));
    });
}

function registerRetry(events: Command, { getConfig }: CliContext): void {
  events
    .command('retry [id]')
    .description('queue a failed event (or, with --failed, every failed event) for one more attempt')
    .option('--failed', 'retry every failed event')
    .option('--module <module>', 'with --failed: only this module')
    .action(async (id: string | undefined, opts: { failed?: boolean; module?: string }) => {
      if (!id && !opts.failed)
        throw new AppError('usage', 'Give an event id, or --failed to retry every failed event.', {
          status: 400,
        });
      await withDatabase(getConfig(), async (db) => {
        if (opts.failed) {
          const n = await retryMatchingEvents(db, { module: opts.module });
          out(
            `queued ${n} failed event(s) for another attempt; a running mzi processes them within a second`,
          );
        } else if (id) {
          const event = await retryEvent(db, id);
          out(`queued ${event.event_id} for another attempt; a running mzi processes it within a second`);
        }
      });
    });
}
