import type { Kysely, Migration } from 'kysely';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { Database } from '../db/schema.js';
import type { MoodleClient, MoodleFunctionName } from '../moodle/create-moodle-client.js';
import type { EventAppender } from '../webhooks/create-event-appender.js';
import type { BatchEventHandler, EventHandler } from '../worker/event-handler.js';
import type { ZohoApi } from '../zoho/zoho-api.js';
import type { ModuleRecords } from './module-records.js';

export type {
  FactGroup,
  MirrorRow,
  ModuleRecords,
  RecordColumn,
  RecordDetail,
  RecordFact,
  RelatedRow,
  RelatedSection,
  ShownValue,
} from './module-records.js';

/** A field of a Zoho module as mzi reads it from deliveries (DESIGN.md §9). */
export interface ModuleField {
  /** Zoho API name; deliveries may spell it in any case. */
  readonly apiName: string;
  /** Its label in Zoho's UI. */
  readonly label: string;
  /** Personal data: never logged (the logger's redaction list is built from these). */
  readonly personal: boolean;
  /** Longest value the module keeps. */
  readonly maxLength: number;
  /**
   * A lookup to another record (`Classes`, `Teacher`): intake keeps the related record's Zoho id, sent as text,
   * a number (exact digits), Zoho's object `{"id": "…", "name": "…"}`, or in a form as `Field.id` or
   * `data[Field][id]`, and ignores anything else with a warning.
   */
  readonly lookup?: boolean;
}

/** A record's data as delivered: a field present with `null` means "empty in Zoho"; absent means "unknown". */
export type RecordData = Partial<Record<string, string | null>>;

/** What a module's mirror holds of a record, for `mzi sync` to compare with Zoho's. */
export interface MirrorVersion {
  /** False once the record was deleted in Zoho. */
  readonly live: boolean;
  /** The record's Modified_Time as the mirror stored it, if any. */
  readonly modifiedTime: string | null;
}

/** A record of a module, named by the module's `name` and its Zoho record id. */
export interface RecordRef {
  readonly module: string;
  readonly recordId: string;
}

/**
 * A key the event log indexes so an operator finds a record's events by it (an email, a student ID). Its place
 * in the module's `searchKeys` is the log column it goes in (see searchKeyColumns).
 */
export interface SearchKey {
  /** What the key is, e.g. `academic_email`. */
  readonly name: string;
  /** The key's value in a record's data, in the form it is stored and searched (e.g. lower-cased), if any. */
  read(data: RecordData): string | undefined;
  /** A search term in this key's stored form, or undefined when the term cannot be such a key. */
  match(term: string): string | undefined;
}

/** A module's search keys, at most as many as the event log has key columns, in column order. */
export type SearchKeys = readonly [] | readonly [SearchKey] | readonly [SearchKey, SearchKey];

/** A module's own settings: a zod section over the environment, merged into the Config under the module's name. */
export interface ModuleSettings<S> {
  readonly schema: ZodType<S>;
  /** The README's configuration rows of these settings, `| NAME | default | meaning |` without the pipes. */
  readonly documented: readonly (readonly [name: string, defaultValue: string, meaning: string])[];
}

/** The Moodle object a module's record is linked to: a user, a course category, a course. */
export interface MoodleLink {
  readonly moodleId: number;
  /** False once the record was deleted in Zoho (the link is kept for what happens next). */
  readonly live: boolean;
}

/** Moodle links of records of a module, by the module's `name` (e.g. an enrollment reads its student's user). */
export type LinksOf = (
  module: string,
  db: Kysely<Database>,
  recordIds: readonly string[],
) => Promise<Map<string, MoodleLink>>;

/** A live record whose Moodle user is this one (a student's or a teacher's account). */
export interface MoodleUserHolder extends RecordRef {
  /** Its Zoho module, as operators know it in Zoho (`BTEC_Students`). */
  readonly zohoApiName: string;
}

/** The live records of every module that hold these Moodle users, by Moodle user id. */
export type HoldersOf = (
  db: Kysely<Database>,
  userIds: readonly number[],
) => Promise<Map<number, MoodleUserHolder[]>>;

/** What a module's handler is built from: its settings and, when configured, the Moodle client. */
export interface ModuleHandlerContext<S> {
  readonly settings: S;
  /** Undefined when Moodle is not configured. */
  readonly moodle: MoodleClient | undefined;
  /** The Moodle links other modules keep, without importing them: through their `moodleLinks`. */
  readonly linksOf: LinksOf;
  /**
   * Who already holds these Moodle users, across every module that declares `moodleUserHolders`: an account
   * linked to a student is not adopted for a teacher, and the other way round (DESIGN.md §5).
   */
  readonly holdersOf: HoldersOf;
  /** Undefined when Zoho is not connected: only modules that write to Zoho themselves (grades) use it. */
  readonly zoho: ZohoApi | undefined;
}

/** A Moodle course a module's record is (a class's): the record, the course, and the idnumber linking them. */
export interface LinkedCourse {
  readonly recordId: string;
  readonly courseId: number;
  readonly idnumber: string;
}

/** The Moodle courses of live records, across every module that declares `linkedCourses`. */
export type CoursesOf = (db: Kysely<Database>) => Promise<LinkedCourse[]>;

/** What a poll of Moodle for a module's records needs. */
export interface MoodlePollContext<S> {
  readonly db: Kysely<Database>;
  readonly moodle: MoodleClient;
  readonly appender: Pick<EventAppender, 'appendAll'>;
  readonly settings: S;
  readonly coursesOf: CoursesOf;
  readonly holdersOf: HoldersOf;
  readonly logger: Logger;
}

/** One poll: a scheduled one, or a resync an operator asked for. */
export interface MoodlePollRequest {
  /** A resync reads every change since this time (epoch seconds; 0: everything) and sends each again. */
  readonly resendSince?: number | undefined;
  /** Only this Moodle course. */
  readonly courseId?: number | undefined;
  readonly dryRun?: boolean | undefined;
  readonly onProgress?: ((summary: Readonly<MoodlePollSummary>) => void) | undefined;
  readonly isStopping?: (() => boolean) | undefined;
}

/** What a poll found and appended. */
export interface MoodlePollSummary {
  courses: number;
  coursesRead: number;
  /** Moodle objects read (assignments). */
  assignments: number;
  /** Changes Moodle returned. */
  gradesRead: number;
  /** Events appended for records to send, and for records removed in Moodle. */
  queued: number;
  removed: number;
  /** Changes whose event the log already holds. */
  unchanged: number;
  /** Changes not sent, by reason. */
  skipped: Record<string, number>;
  /** What kept something from being read, for the operator to fix. */
  problems: string[];
  dryRun: boolean;
}

/**
 * A module whose records come from Moodle rather than from Zoho's webhooks (grades, DESIGN.md §11): mzi polls
 * Moodle for changes and appends them to the same event log (source `moodle`); its handler writes them to Zoho.
 * Such a module has no webhook, no Zoho-side sync and no write-back.
 */
export interface MoodleSource<S> {
  /** Seconds between background polls; 0: none. */
  intervalSeconds(settings: S): number;
  poll(context: MoodlePollContext<S>, request: MoodlePollRequest): Promise<MoodlePollSummary>;
}

/** Values of a record's write-back fields: field API name to text (null: mzi holds nothing to write). */
export type WriteBackValues = Readonly<Record<string, string | null>>;

/**
 * The fields of a module's Zoho records that mzi fills (a Moodle id), so that people in Zoho see what mzi did
 * (DESIGN.md §9). The worker compares them with what Zoho holds and writes only the ones that differ.
 */
export interface ZohoWriteBack<S> {
  /** The Zoho API names of the fields mzi writes. */
  fields(settings: S): readonly string[];
  /** The setting that names the field, if one does: the fix Zoho's refusal of a missing field suggests. */
  readonly setting?: string;
  /**
   * The values mzi holds for these records, by record id, read in the transaction that completes their events;
   * a record without any is left out, and a null value is never written (mzi does not blank a field).
   */
  values(
    db: Kysely<Database>,
    recordIds: readonly string[],
    settings: S,
  ): Promise<Map<string, WriteBackValues>>;
}

/** A check `mzi doctor` adds for a module, once Moodle has answered. */
export interface ModuleCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/**
 * One Zoho module kept in step with Moodle: everything the generic layers (intake, event log, worker, CLI,
 * dashboard, doctor, metrics) need to know of it. Adding a module is a folder that exports one of these, and its
 * line in `src/modules/index.ts` (DESIGN.md §9).
 */
export interface ZohoModule<S = unknown> {
  /** URL segment (`/api/v1/events/zoho/<name>`) and CLI noun (`mzi send <name>`). */
  readonly name: string;
  /** The Zoho CRM module's API name, stored as each event's `module` and used as the metrics label. */
  readonly zohoApiName: string;
  /** Every field intake accepts; intake maps any spelling of a name to its API name and drops the others. */
  readonly fields: readonly ModuleField[];
  readonly settings?: ModuleSettings<S>;
  /** Schema changes of the module, merged with the core migrations by name (date-prefixed, frozen in time). */
  readonly migrations?: Readonly<Record<string, Migration>>;
  /**
   * Moodle web-service functions the module calls: `mzi doctor` checks that the token's service allows them.
   * Typed by the client's own list, so a module cannot declare a function the client never calls.
   */
  readonly moodleFunctions: readonly MoodleFunctionName[];
  /** A test delivery: the fields the dashboard's setup page offers, and the example the CLI's help gives. */
  readonly testDelivery: {
    readonly fields: readonly { readonly apiName: string; readonly label: string; readonly value: string }[];
    readonly hint: { readonly field: string; readonly example: string };
  };
  /** The keys the event log indexes for this module's records, so their events can be found by them. */
  readonly searchKeys: SearchKeys;
  /**
   * Of these records, the ones the module's mirror knows: true when live, false when deleted. Intake infers a
   * missing operation from it (a live record is updated, anything else inserted).
   */
  knownRecords(db: Kysely<Database>, recordIds: readonly string[]): Promise<Map<string, boolean>>;
  /**
   * Of these records, what the mirror holds (live, and the Modified_Time it stored): `mzi sync` appends an event
   * for each record Zoho changed since. Without it, sync compares with `knownRecords` alone.
   */
  mirrorVersions?(db: Kysely<Database>, recordIds: readonly string[]): Promise<Map<string, MirrorVersion>>;
  /**
   * Records of other modules (by `name`) that must be processed before this one (an enrollment waits for its
   * student): until then its event waits, then runs (README, "Records that wait for others"). Without it the
   * module waits for nothing; when no module declares it, the worker skips the check and the wake-ups. A delete
   * waits for nothing.
   */
  waitsFor?(data: RecordData): RecordRef[];
  /**
   * How long, in seconds, an event of this module may wait for other records (`waitsFor`, or a WaitForRecord
   * its handler returns) before it fails `dependency.missing`, counted from when it first started waiting.
   * Without it, DEPENDENCY_WAIT. A module whose handler returns WaitForRecord declares this or `waitsFor`: the
   * worker wakes waiting events only when some module does.
   */
  waitLimitSeconds?(settings: S): number;
  /**
   * The Moodle objects the module's mirror links these records to (only records that have one), for modules
   * whose records refer to them: a class to its program's category and teacher, an enrollment to its student.
   */
  moodleLinks?(db: Kysely<Database>, recordIds: readonly string[]): Promise<Map<string, MoodleLink>>;
  /**
   * For modules whose records are Moodle users (students, teachers): the Zoho record ids of the live records
   * linked to these Moodle user ids, by user id. Every such module reads them all (`holdersOf`) before it
   * takes over an existing account, so one account never serves two records.
   */
  moodleUserHolders?(db: Kysely<Database>, userIds: readonly number[]): Promise<Map<number, string[]>>;
  /**
   * For modules whose records are Moodle courses (classes): the course of each live record that has one, with
   * the idnumber that links them, for modules that read what happens in those courses (grades).
   */
  linkedCourses?(db: Kysely<Database>, settings: S): Promise<LinkedCourse[]>;
  /** For a module whose records come from Moodle: how mzi polls them (see MoodleSource). */
  readonly fromMoodle?: MoodleSource<S>;
  /** The Moodle ids mzi writes back into the module's Zoho records, when Zoho is connected. */
  readonly zohoWriteBack?: ZohoWriteBack<S>;
  /** Builds the handler the worker gives this module's events to. */
  createHandler(context: ModuleHandlerContext<S>): EventHandler | BatchEventHandler;
  /** The module's local records, when it keeps a mirror: the dashboard, admin API and CLI show them. */
  readonly records?: ModuleRecords;
  /** Checks `mzi doctor` adds once Moodle answers, e.g. the account policy in force. */
  doctorChecks?(settings: S, site: { userid: number; username: string }): ModuleCheck[];
}
