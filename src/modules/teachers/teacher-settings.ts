import { z } from 'zod';
import {
  ACCOUNT_ENV,
  ACCOUNT_SETTINGS_DOCUMENTED,
  type AccountSettings,
  readAccountSettings,
} from '../shared/moodle-users/account-settings.js';
import type { ProvisionSettings } from '../shared/moodle-users/provisioning.js';
import type { ModuleSettings } from '../zoho-module.js';

/** How teachers become Moodle users: the site's account settings, and the teachers' own. */
export interface TeacherSettings extends AccountSettings, ProvisionSettings {
  /** Prefix of the Moodle idnumber mzi gives a teacher's account, before the Zoho record id. */
  idnumberPrefix: string;
}

const schema = z
  .object({
    MOODLE_TEACHER_IDNUMBER_PREFIX: z
      .string()
      .optional()
      .default('zoho-teacher-')
      .refine((v) => v.trim() === v && v !== '' && v.length <= 100, {
        message:
          'must be 1 to 100 characters without leading or trailing spaces (the Moodle idnumber is this plus the Zoho record id)',
      }),
    MOODLE_ON_TEACHER_DELETE: z.enum(['suspend', 'delete', 'ignore']).optional().default('ignore'),
    ...ACCOUNT_ENV,
  })
  .transform(
    (e): TeacherSettings => ({
      ...readAccountSettings(e),
      idnumberPrefix: e.MOODLE_TEACHER_IDNUMBER_PREFIX,
      onDelete: e.MOODLE_ON_TEACHER_DELETE,
    }),
  );

/** The teachers module's settings section (README, configuration table). */
export const TEACHER_SETTINGS: ModuleSettings<TeacherSettings> = {
  schema,
  documented: [
    [
      'MOODLE_TEACHER_IDNUMBER_PREFIX',
      '`zoho-teacher-`',
      "teachers: the Moodle idnumber of a teacher's account is this plus the Zoho record id (mzi's link)",
    ],
    [
      'MOODLE_ON_TEACHER_DELETE',
      '`ignore`',
      "teachers: a deleted teacher's Moodle account is kept (`ignore`), suspended (`suspend`) or deleted (`delete`)",
    ],
    ...ACCOUNT_SETTINGS_DOCUMENTED,
  ],
};
