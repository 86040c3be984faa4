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
}

const schema = z
  .object({
    MOODLE_USERNAME_FROM: z.enum(['email', 'student_id']).optional().default('email'),
    MOODLE_SUSPEND_STATUSES: listSetting('Suspended,Withdrawn,Inactive'),
    MOODLE_ON_DELETE: z.enum(['suspend', 'delete', 'ignore']).optional().default('suspend'),
    ...ACCOUNT_ENV,
  })
  .transform(
    (e): StudentSettings => ({
      ...readAccountSettings(e),
      usernameFrom: e.MOODLE_USERNAME_FROM,
      suspendStatuses: e.MOODLE_SUSPEND_STATUSES,
      onDelete: e.MOODLE_ON_DELETE,
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
    ...ACCOUNT_SETTINGS_DOCUMENTED,
  ],
};
