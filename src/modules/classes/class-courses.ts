import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { LinkedCourse } from '../zoho-module.js';
import type { ClassSettings } from './class-settings.js';
import type { ClassTables } from './classes.table.js';
import { courseIdnumber } from './desired-course.js';

/** The course of every live class that has one, with the idnumber that links it (`linkedCourses`). */
export async function linkedClassCourses(
  db: Kysely<Database>,
  settings: ClassSettings,
): Promise<LinkedCourse[]> {
  const rows = await db
    .withTables<ClassTables>()
    .selectFrom('classes')
    .select(['zoho_record_id', 'moodle_course_id'])
    .where('deleted_at', 'is', null)
    .where('moodle_course_id', 'is not', null)
    .orderBy('moodle_course_id')
    .execute();
  return rows.map((row) => ({
    recordId: row.zoho_record_id,
    courseId: Number(row.moodle_course_id),
    idnumber: courseIdnumber(settings, row.zoho_record_id),
  }));
}
