import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { WaitForRecord } from '../../worker/wait-for-record.js';
import type { LinksOf } from '../zoho-module.js';
import type { ClassSettings } from './class-settings.js';
import { type ClassState, classLabel } from './class-state.js';

/** The category a class's course belongs in, and where that came from (named in messages). */
export interface ClassCategory {
  readonly categoryId: number;
  readonly from: string;
  /** True when the class's program decides it: an existing course is moved there too. */
  readonly fromProgram: boolean;
}

/**
 * The category of the class's course: its program's (through the programs module's links), else
 * MOODLE_DEFAULT_CATEGORY_ID; undefined when neither says. A program that was processed but has no category yet
 * makes the event wait for it (WaitForRecord), as a teacher without a Moodle user does.
 */
export async function classCategory(
  db: Kysely<Database>,
  linksOf: LinksOf,
  state: ClassState,
  settings: ClassSettings,
): Promise<ClassCategory | undefined> {
  if (state.programId !== null) {
    const link = (await linksOf('program', db, [state.programId])).get(state.programId);
    if (!link) {
      throw new WaitForRecord({
        module: 'program',
        recordId: state.programId,
        reason: `it is the BTEC_Program of ${classLabel(state)} but has no Moodle course category yet (its last event completed without one, for instance while Moodle was not configured); save the program in Zoho again to resolve it`,
      });
    }
    return {
      categoryId: link.moodleId,
      from: `the category of program ${state.programId}`,
      fromProgram: true,
    };
  }
  if (settings.defaultCategoryId !== undefined) {
    return {
      categoryId: settings.defaultCategoryId,
      from: 'MOODLE_DEFAULT_CATEGORY_ID, as the class has no BTEC_Program',
      fromProgram: false,
    };
  }
  return undefined;
}

/** The Moodle user of the class's teacher (through the teachers module's links), or null without a teacher. */
export async function teacherUser(
  db: Kysely<Database>,
  linksOf: LinksOf,
  state: ClassState,
): Promise<{ userId: number; live: boolean } | null> {
  if (state.teacherId === null) return null;
  const link = (await linksOf('teacher', db, [state.teacherId])).get(state.teacherId);
  if (!link) {
    throw new WaitForRecord({
      module: 'teacher',
      recordId: state.teacherId,
      reason: `it is the Teacher of ${classLabel(state)} but has no Moodle user yet (its last event completed without one, for instance while Moodle was not configured); save the teacher in Zoho again to provision it`,
    });
  }
  return { userId: link.moodleId, live: link.live };
}
