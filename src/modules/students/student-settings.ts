import { z } from 'zod';
import {
  ACCOUNT_ENV,
  ACCOUNT_SETTINGS_DOCUMENTED,
  type AccountSettings,
  readAccountSettings,
} from '../shared/moodle-users/account-settings.js';
import type { ProvisionSettings } from '../shared/moodle-users/provisioning.js';
import { listSetting } from '../shared/setting-types.js';
import type { ModuleSettings } from '../zoho-module.js';

/** How students become Moodle users: the student-only settings, read from the same MOODLE_* variables as ever. */
export interface StudentSettings extends AccountSettings, ProvisionSettings {
  usernameFrom: 'email' | 'student_id';
  suspendStatuses: readonly string[];
  /** The BTEC_Students field mzi writes each student's Moodle user id into, once Zoho is connected. */
  zohoMoodleIdField: string;
}

const schema = z
  .object({
    MOODLE_USERNAME_FROM: z.enum(['email', 'student_id']).optional().default('email'),
    MOODLE_SUSPEND_STATUSES: listSetting('Suspended,Withdrawn,Inactive'),
    MOODLE_ON_DELETE: z.enum(['suspend', 'delete', 'ignore']).optional().default('suspend'),
    ZOHO_MOODLE_ID_FIELD: z
      .string()
      .trim()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, {
        message:
          'must be the API name of a BTEC_Students field (Setup > Developer Hub > APIs > API names), such as Moodle_User_ID',
      })
      .optional()
      .default('Moodle_User_ID'),
    ...ACCOUNT_ENV,
  })
  .transform(
    (e): StudentSettings => ({
      ...readAccountSettings(e),
      usernameFrom: e.MOODLE_USERNAME_FROM,
      suspendStatuses: e.MOODLE_SUSPEND_STATUSES,
      onDelete: e.MOODLE_ON_DELETE,
      zohoMoodleIdField: e.ZOHO_MOODLE_ID_FIELD,
    }),
  );

/** The students module's settings section (README, configuration table). */
export const STUDENT_SETTINGS: ModuleSettings<StudentSettings> = {
  schema,
  documented: [
    [
      'MOODLE_USERNAME_FROM',
      '`email`',
      'students: where Moodle usernames come from, `email` (Academic_Email) or `student_id`',
    ],
    [
      'MOODLE_SUSPEND_STATUSES',
      '`Suspended,Withdrawn,Inactive`',
      'students: Student_Status values (any case) that suspend the Moodle user',
    ],
    [
      'MOODLE_ON_DELETE',
      '`suspend`',
      "students: a deleted student's Moodle account is suspended, deleted (`delete`) or kept (`ignore`)",
    ],
    [
      'ZOHO_MOODLE_ID_FIELD',
      '`Moodle_User_ID`',
      "students: the BTEC_Students field (API name) mzi writes each student's Moodle user id into, when Zoho is connected",
    ],
    ...ACCOUNT_SETTINGS_DOCUMENTED,
  ],
};
