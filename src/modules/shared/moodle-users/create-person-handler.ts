import type { Kysely } from 'kysely';
import type { ClaimedEvent, Database } from '../../../db/schema.js';
import type {
  BatchEventHandler,
  HandlerContext,
  HandlerOutcome,
  HandlerResult,
} from '../../../worker/event-handler.js';
import type { HoldersOf, RecordData } from '../../zoho-module.js';
import { readEventData } from '../read-event-data.js';
import { staleReason } from '../read-record-event.js';
import type { UserProvisioner } from './create-user-provisioner.js';
import type { Person } from './person-kind.js';
import type { MoodleAction, Provisioned, ProvisionInput, ProvisionResult } from './provisioning.js';

/** What the shared handler reads of a mirror row of people (students, teachers). */
export interface PersonMirrorRow {
  zoho_modified_time: string | null;
  moodle_user_id: string | null;
  moodle_ownership: string | null;
  deleted_at: string | null;
}

/** One write of a delivery into a module's mirror, in the transaction that completes its event. */
export interface PersonMirrorWrite {
  recordId: string;
  data: RecordData;
  eventId: string;
  now: string;
  /** Set on delete, cleared on insert/update (a record restored from Zoho's recycle bin is live again). */
  deletedAt: string | null;
  moodleUserId?: string | null;
  /** How mzi owns that Moodle account (created, adopted, linked); written together with moodleUserId. */
  moodleOwnership?: string | null;
  /** What mzi did in Moodle for this event; absent when Moodle is not configured. */
  moodleAction?: MoodleAction;
}

/** A delivery read against the mirror: the person after it, and what Zoho says of its Moodle user. */
export interface PersonDelivery<P extends Person> {
  person: P;
  /** The Moodle user id the delivery names (Moodle_User_ID, Teacher_Moodle_ID), if filled. */
  givenMoodleUserId: string | null;
  /** More for the event's result (e.g. which field the email came from). */
  result?: Record<string, unknown>;
}

/** What a module whose records are Moodle users gives the shared handler. */
export interface PersonModuleHooks<Row extends PersonMirrorRow, P extends Person> {
  /** The mirror rows of these records, by Zoho record id (one query for a batch). */
  find(db: Kysely<Database>, recordIds: string[]): Promise<Map<string, Row>>;
  /**
   * The person after this delivery: its fields where it carries them, the stored ones elsewhere. Throws a
   * ProcessingError for data the mirror cannot keep (a field too long).
   */
  read(options: {
    recordId: string;
    operation: string;
    data: RecordData;
    current: Row | undefined;
  }): PersonDelivery<P>;
  /** Rules an insert or update must pass before Moodle is called (a delete passes none); throws to fail. */
  check(person: P, options: { db: Kysely<Database>; provisioning: boolean }): Promise<void>;
  /** Writes the delivery into the mirror (checks that need the transaction run here too). */
  write(trx: Kysely<Database>, write: PersonMirrorWrite): Promise<void>;
}

export interface PersonHandlerOptions<Row extends PersonMirrorRow, P extends Person> {
  hooks: PersonModuleHooks<Row, P>;
  /** Absent when Moodle is not configured: the event then says so in its result. */
  provisioner?: UserProvisioner<P> | undefined;
  /** Who holds Moodle users across every module (the module context's `holdersOf`). */
  holdersOf: HoldersOf;
}

export const MOODLE_NOT_CONFIGURED = {
  action: 'skipped',
  reason: 'Moodle is not configured (MOODLE_URL is empty): only the local mirror was updated.',
};

type Pending<P extends Person> = {
  kind: 'upsert' | 'delete';
  input: ProvisionInput<P>;
  finish: (moodle: Provisioned | undefined) => HandlerOutcome;
};

/** What one event needs from Moodle, and how its outcome is finished once Moodle has answered. */
type Step<P extends Person> = { done: HandlerOutcome } | Pending<P>;

/**
 * Processes the events of a module whose records are Moodle users (students, teachers), a batch at a time:
 * read the delivery against the mirror, provision Moodle (batched, when configured), then mirror locally in the
 * transaction that completes the events. Moodle is called outside any transaction.
 */
export function createPersonHandler<Row extends PersonMirrorRow, P extends Person>(
  options: PersonHandlerOptions<Row, P>,
): BatchEventHandler {
  const { hooks, provisioner, holdersOf } = options;
  return {
    async handleBatch(events, context) {
      const results: HandlerResult[] = new Array(events.length);
      const currents = await hooks.find(
        context.db,
        events.map((event) => event.record_id),
      );
      const pending: Array<{ index: number; step: Pending<P> }> = [];
      for (const [index, event] of events.entries()) {
        try {
          const step = await planStep(options, event, currents.get(event.record_id), context);
          if ('done' in step) results[index] = { ok: true, outcome: step.done };
          else pending.push({ index, step });
        } catch (error) {
          results[index] = { ok: false, error };
        }
      }
      const finish = (index: number, step: Pending<P>, moodle: ProvisionResult | undefined) => {
        if (moodle && !moodle.ok) results[index] = { ok: false, error: moodle.error };
        else {
          try {
            results[index] = { ok: true, outcome: step.finish(moodle) };
          } catch (error) {
            results[index] = { ok: false, error };
          }
        }
      };
      if (!provisioner) {
        for (const { index, step } of pending) finish(index, step, undefined);
        return results;
      }
      const upserts = pending.filter((p) => p.step.kind === 'upsert');
      const deletes = pending.filter((p) => p.step.kind === 'delete');
      const [upserted, removed] = await Promise.all([
        provisioner.upsertMany(
          upserts.map((p) => p.step.input),
          { holdersOf: (ids) => holdersOf(context.db, ids) },
        ),
        Promise.all(
          deletes.map((p) =>
            provisioner.remove(p.step.input).then(
              (done): ProvisionResult => ({ ok: true, ...done }),
              (error: unknown): ProvisionResult => ({ ok: false, error }),
            ),
          ),
        ),
      ]);
      for (const [i, p] of upserts.entries()) finish(p.index, p.step, upserted[i]);
      for (const [i, p] of deletes.entries()) finish(p.index, p.step, removed[i]);
      return results;
    },
  };
}

async function planStep<Row extends PersonMirrorRow, P extends Person>(
  options: PersonHandlerOptions<Row, P>,
  event: ClaimedEvent,
  current: Row | undefined,
  context: HandlerContext,
): Promise<Step<P>> {
  const { hooks, provisioner } = options;
  const data = readEventData(event);
  const now = context.now.toISOString();
  const { db } = context;

  const stale = await staleReason(db, event, data.Modified_Time, current?.zoho_modified_time);
  if (stale) return { done: { result: { local: 'skipped', reason: stale } } };

  const delivery = hooks.read({ recordId: event.record_id, operation: event.event_type, data, current });
  const input: ProvisionInput<P> = {
    person: delivery.person,
    givenMoodleUserId: delivery.givenMoodleUserId,
    knownMoodleUserId: current?.moodle_user_id ?? null,
    knownOwnership: current?.moodle_ownership ?? null,
  };
  const mirror = { recordId: event.record_id, data, eventId: event.event_id, now };

  if (event.event_type === 'delete') {
    return {
      kind: 'delete',
      input,
      finish: (moodle) => ({
        result: {
          local: current ? 'deleted' : 'deleted_unknown_record',
          ...delivery.result,
          moodle: moodle?.outcome ?? MOODLE_NOT_CONFIGURED,
        },
        apply: (trx) =>
          hooks.write(trx, {
            ...mirror,
            deletedAt: now,
            ...(moodle ? { moodleAction: moodle.outcome.action } : {}),
            ...(moodle?.outcome.action === 'deleted'
              ? { moodleUserId: null, moodleOwnership: null }
              : moodle?.outcome.ownership
                ? { moodleOwnership: moodle.outcome.ownership }
                : {}),
          }),
      }),
    };
  }

  await hooks.check(delivery.person, { db, provisioning: provisioner !== undefined });
  const action = current === undefined ? 'created' : current.deleted_at !== null ? 'restored' : 'updated';
  return {
    kind: 'upsert',
    input,
    finish: (moodle) => {
      const userId = moodle?.outcome.user_id;
      const ownership = moodle?.outcome.ownership;
      return {
        result: { local: action, ...delivery.result, moodle: moodle?.outcome ?? MOODLE_NOT_CONFIGURED },
        ...(moodle && moodle.warnings.length > 0 ? { warnings: moodle.warnings } : {}),
        apply: (trx: Kysely<Database>) =>
          hooks.write(trx, {
            ...mirror,
            deletedAt: null,
            ...(moodle ? { moodleAction: moodle.outcome.action } : {}),
            ...(userId !== undefined && ownership !== undefined
              ? { moodleUserId: String(userId), moodleOwnership: ownership }
              : {}),
          }),
      };
    },
  };
}
