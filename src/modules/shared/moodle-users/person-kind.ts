import type { MappedUser } from './desired-user.js';

/** What the shared provisioning needs of any person: the Zoho record it stands for. */
export interface Person {
  readonly recordId: string;
}

/**
 * How a module's records become Moodle users through the shared provisioning (students, teachers): how they
 * map to a Moodle user, and how messages name them, their fields and mzi's link (the Moodle idnumber).
 */
export interface PersonKind<P extends Person> {
  /** The module's `name` (`student`): an account one of its own records holds is that record's, not a conflict. */
  readonly module: string;
  /** The person in messages: `student`, `teacher`. */
  readonly noun: string;
  /** The Zoho field the email comes from, in advice (`Academic_Email`). */
  readonly emailField: string;
  /** The Zoho field that names an existing Moodle user to use (`Moodle_User_ID`); it must exist. */
  readonly moodleUserIdField: string;
  /** How the Moodle idnumber relates to the record, in "Moodle user 7 has the … of Zoho record R". */
  readonly idnumberMeaning: string;
  /** The fields an operator corrects when two records find one account, e.g. `Academic_Email or Student_ID_Number`. */
  readonly identityFields: string;
  /** What an operator should set an account's idnumber to, to make it this person's, e.g. `"zoho-teacher-7"`. */
  idnumberAdvice(idnumber: string): string;
  /** The idnumber of the person's account: mzi's link to the record ('' when it has none). */
  idnumberOf(person: P): string;
  /** The Moodle user the person should be, or why there cannot be one (a message naming the field). */
  map(person: P): MappedUser | { problem: string };
}

/** The words of a kind that claim decisions use in their messages. */
export type ClaimWords = Pick<
  PersonKind<Person>,
  'module' | 'noun' | 'moodleUserIdField' | 'idnumberMeaning' | 'identityFields' | 'idnumberAdvice'
>;
