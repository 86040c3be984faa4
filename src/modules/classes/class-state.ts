import { mergedValue } from '../shared/read-record-event.js';
import type { RecordData } from '../zoho-module.js';
import type { ClassRow } from './classes.table.js';

/** A class as mzi sends it to Moodle: the delivery's fields over the mirror's, empty values as null. */
export interface ClassState {
  readonly recordId: string;
  readonly name: string | null;
  readonly shortName: string | null;
  readonly programId: string | null;
  readonly teacherId: string | null;
  readonly status: string | null;
  readonly startDate: string | null;
  readonly endDate: string | null;
  readonly moodleClassId: string | null;
}

/** The class after this delivery: its fields where it carries them, the stored ones elsewhere. */
export function mergeClass(recordId: string, current: ClassRow | undefined, data: RecordData): ClassState {
  return {
    recordId,
    name: mergedValue(data, 'Class_Name', current?.class_name),
    shortName: mergedValue(data, 'Class_Short_Name', current?.class_short_name),
    programId: mergedValue(data, 'BTEC_Program', current?.btec_program),
    teacherId: mergedValue(data, 'Teacher', current?.teacher),
    status: mergedValue(data, 'Class_Status', current?.class_status),
    startDate: mergedValue(data, 'Start_Date', current?.start_date),
    endDate: mergedValue(data, 'End_Date', current?.end_date),
    moodleClassId: mergedValue(data, 'Moodle_Class_ID', current?.moodle_class_id),
  };
}

/** "Zoho class 5725… ("Name")" for messages. */
export function classLabel(state: Pick<ClassState, 'recordId' | 'name'>): string {
  return `Zoho class ${state.recordId}${state.name ? ` ("${state.name}")` : ''}`;
}
