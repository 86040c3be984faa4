import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import {
  findMirrorRows,
  findMirrorRowsByRef,
  mirrorMoodleUserHolders,
  searchMirrorRows,
  upsertMirrorRow,
} from '../shared/mirror-queries.js';
import type { PersonMirrorWrite } from '../shared/moodle-users/create-person-handler.js';
import { TEACHER_FIELDS } from './teacher-fields.js';
import type { NewTeacherRow, TeacherRow } from './teacher-table.js';

/** The teachers of these Zoho record ids, by record id (one query for a batch of events). */
export function findTeachers(db: Kysely<Database>, recordIds: string[]): Promise<Map<string, TeacherRow>> {
  return findMirrorRows<TeacherRow>(db, 'teachers', recordIds);
}

/** Writes a delivery into the mirror: the fields it carries (filled or emptied), its Moodle link and state. */
export async function upsertTeacher(trx: Kysely<Database>, write: PersonMirrorWrite): Promise<void> {
  type Column = Exclude<keyof NewTeacherRow, 'zoho_record_id' | 'created_at' | 'updated_at' | 'deleted_at'>;
  const columns: Partial<Record<Column, string | null>> = {};
  for (const field of TEACHER_FIELDS) {
    const value = write.data[field.apiName];
    if (value !== undefined) columns[field.column] = value;
  }
  if (write.moodleUserId !== undefined) columns.moodle_user_id = write.moodleUserId;
  if (write.moodleOwnership !== undefined) columns.moodle_ownership = write.moodleOwnership;
  // Remember a suspension mzi made on delete, so that only it is undone when the teacher comes back.
  if (write.moodleAction === 'suspended') columns.moodle_suspended_at = write.now;
  else if (write.moodleAction !== undefined && write.deletedAt === null) columns.moodle_suspended_at = null;
  await upsertMirrorRow(trx, 'teachers', write, columns);
}

/** The Zoho records of the live teachers linked to these Moodle user ids, by Moodle user id. */
export function teacherMoodleUserHolders(
  db: Kysely<Database>,
  userIds: readonly number[],
): Promise<Map<number, string[]>> {
  return mirrorMoodleUserHolders(db, 'teachers', userIds);
}

/** Teachers by Zoho record id, Academic_Email or Email (any case), or Moodle user id. */
export function findTeachersByRef(db: Kysely<Database>, ref: string): Promise<TeacherRow[]> {
  return findMirrorRowsByRef<TeacherRow>(db, ref, {
    table: 'teachers',
    exact: ['moodle_user_id'],
    anyCase: ['academic_email', 'email'],
  });
}

/**
 * Teachers whose name contains `q`, or whose email or Zoho record id is `q`; newest first. Without `q`, the most
 * recently changed teachers.
 */
export function searchTeachers(
  db: Kysely<Database>,
  options: { q?: string | undefined; limit: number },
): Promise<TeacherRow[]> {
  return searchMirrorRows<TeacherRow>(db, options, {
    table: 'teachers',
    anyCase: ['academic_email', 'email'],
    contains: ['name'],
  });
}
