import { ProcessingError } from '../../event-log/processing-error.js';
import type { MoodleClient, MoodleCourse } from '../../moodle/create-moodle-client.js';
import { parseMoodleId } from '../shared/parse-moodle-id.js';
import { type ClassState, classLabel } from './class-state.js';

/** The class's course in Moodle and how mzi came to it. */
export interface FoundCourse {
  readonly course: MoodleCourse;
  /** `linked`: it carries the class's idnumber; `adopted`: Moodle_Class_ID names it and its idnumber is empty. */
  readonly ownership: 'linked' | 'adopted';
}

/**
 * The class's course: the one carrying its idnumber, or the one its Moodle_Class_ID names when that course's
 * idnumber is empty (mzi then sets it: adoption). A course that is found but belongs elsewhere is a conflict
 * naming both sides; never a match by name (issue 17). Undefined when the class has no course yet.
 */
export async function findClassCourse(
  client: MoodleClient,
  state: ClassState,
  idnumber: string,
): Promise<FoundCourse | undefined> {
  const label = classLabel(state);
  const [byIdnumber] = await client.getCoursesByField('idnumber', idnumber);
  if (state.moodleClassId === null)
    return byIdnumber ? { course: byIdnumber, ownership: 'linked' } : undefined;

  const givenId = parseMoodleId(state.moodleClassId, 'Moodle_Class_ID', label);
  if (byIdnumber) {
    if (byIdnumber.id === givenId) return { course: byIdnumber, ownership: 'linked' };
    throw new ProcessingError(
      'class.course_conflict',
      `Moodle_Class_ID of ${label} is ${givenId}, but Moodle course ${byIdnumber.id} ("${byIdnumber.shortname}") already carries the class's idnumber "${idnumber}". Set Moodle_Class_ID in Zoho to ${byIdnumber.id} (or empty it); or, to move the class to course ${givenId}, clear the idnumber of course ${byIdnumber.id} in Moodle (course Settings > Course ID number). Then retry this event.`,
    );
  }
  const [given] = await client.getCoursesByField('id', givenId);
  if (!given) {
    throw new ProcessingError(
      'class.moodle_class_id_not_found',
      `Moodle_Class_ID ${givenId} of ${label} is not a Moodle course (or it is hidden and the web-service user lacks moodle/course:viewhiddencourses). Correct or empty Moodle_Class_ID in Zoho (an empty one lets mzi create the course), then retry this event.`,
    );
  }
  if (given.idnumber !== '') {
    throw new ProcessingError(
      'class.course_conflict',
      `Moodle_Class_ID of ${label} names Moodle course ${given.id} ("${given.shortname}"), but that course carries the idnumber "${given.idnumber}", not the class's "${idnumber}": it belongs to something else. Correct Moodle_Class_ID in Zoho (or empty it so mzi creates the class's course); or, if course ${given.id} really is this class, clear its idnumber in Moodle (course Settings > Course ID number) so mzi adopts it. Then retry this event.`,
    );
  }
  return { course: given, ownership: 'adopted' };
}
