import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** What every row of a module's mirror has: the generic pages link, mark and date records by these. */
export type MirrorRow = {
  readonly zoho_record_id: string;
  /** Set once the record was deleted in Zoho (the row stays). */
  readonly deleted_at: string | null;
  readonly updated_at: string;
};

/** A value the generic pages show: text, a number, or nothing (null, undefined). */
export type ShownValue = string | number | null | undefined;

/** A column of a module's record list: the dashboard's table and `mzi <section> list`. */
export interface RecordColumn<Row> {
  readonly header: string;
  /** The cell of a row. */
  value(row: Row): ShownValue;
  /** The record's name: the cell links to the record's page, which it titles (one column says so). */
  readonly link?: boolean;
  /** Set in a fixed-width font: ids, codes. */
  readonly mono?: boolean;
  /** Left out on a narrow screen (a phone). */
  readonly opt?: boolean;
  /** What an empty cell shows (default: nothing). */
  readonly empty?: string;
}

/** A label and a value of one record, on its page. */
export interface RecordFact {
  readonly label: string;
  readonly value: ShownValue;
  readonly mono?: boolean;
}

/** Facts of a record under a heading (none for the first group: the record's own fields). */
export interface FactGroup {
  readonly title?: string;
  readonly facts: readonly RecordFact[];
}

/** A row of a related list: its cells in column order, and the record it is when mzi has a page for it. */
export interface RelatedRow {
  readonly cells: readonly ShownValue[];
  /** The related record: its module's records `section` and its Zoho record id (`/admin/<section>/<id>`). */
  readonly link?: { readonly section: string; readonly recordId: string };
}

/** Records related to one record: a student's courses, a class's teacher or its students with their enrolment. */
export interface RelatedSection {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly RelatedRow[];
}

/** What a record's page shows besides its events: its facts and lists of related records. */
export interface RecordDetail {
  readonly facts: readonly FactGroup[];
  readonly related: readonly RelatedSection[];
}

/**
 * The local records of a module, as the generic layers show them: the dashboard's pages `/admin/<section>` and
 * `/admin/<section>/<id>` (and its navigation), the admin API's `/api/v1/<section>` and `/api/v1/<section>/<id>`,
 * and `mzi <section> list | show`.
 */
export interface ModuleRecords<Row extends MirrorRow = MirrorRow> {
  /** Plural noun, lowercase: the path segment of the pages and API, and the CLI command (`students`). */
  readonly section: string;
  /** Its title: the list page's and the navigation's (`Students`). */
  readonly title: string;
  /** What `find` takes, for the CLI's help: "Zoho record id, Student_ID_Number or Academic_Email". */
  readonly findHelp: string;
  /** What a search matches, the label of the search box: "Name, email, Student ID or Zoho record id". */
  readonly searchHelp: string;
  /** Records by Zoho record id or another key the operator knows, best match first. */
  find(db: Kysely<Database>, ref: string): Promise<Row[]>;
  /** Records matching a search (all, most recent first, without `q`). */
  search(db: Kysely<Database>, options: { q?: string | undefined; limit: number }): Promise<Row[]>;
  /** The list's columns; the pages add whether a record is deleted and when it last changed. */
  readonly columns: readonly RecordColumn<Row>[];
  /** A record's facts and its own related lists (a class's teacher); without it, the columns as facts. */
  detail?(db: Kysely<Database>, row: Row): Promise<RecordDetail>;
  /**
   * Lists this module adds to the page of a record of another module (by `name`), since it knows the link: the
   * enrollments of a student (its courses) or of a class (its students). Empty when it has none for that module.
   */
  relatedTo?(module: string, db: Kysely<Database>, recordId: string): Promise<RelatedSection[]>;
}
