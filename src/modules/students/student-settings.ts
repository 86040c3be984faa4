import { z } from 'zod';
import type { ModuleSettings } from '../zoho-module.js';
import type { ProvisionSettings } from './provisioning.js';

/** How students become Moodle users: the student-only settings, read from the same MOODLE_* variables as ever. */
export type StudentSettings = ProvisionSettings;

const list = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value) =>
      (value ?? fallback)
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    );

const schema = z
  .object({
    MOODLE_USERNAME_FROM: z.enum(['email', 'student_id']).optional().default('email'),
    MOODLE_AUTH: z
      .string()
      .optional()
      .default('manual')
      .refine((v) => /^[a-z0-9_]+$/.test(v), {
        message: 'must be a Moodle auth plugin name such as manual, oauth2 or ldap',
      }),
    MOODLE_SUSPEND_STATUSES: list('Suspended,Withdrawn,Inactive'),
    MOODLE_ON_DELETE: z.enum(['suspend', 'delete', 'ignore']).optional().default('suspend'),
    MOODLE_LASTNAME_FALLBACK: z.string().optional().default('-'),
    MOODLE_ADOPT_EXISTING: z.enum(['unlinked', 'never']).optional().default('unlinked'),
    MOODLE_PROTECTED_USERS: list(''),
  })
  .transform(
    (e): StudentSettings => ({
      usernameFrom: e.MOODLE_USERNAME_FROM,
      auth: e.MOODLE_AUTH,
      suspendStatuses: e.MOODLE_SUSPEND_STATUSES,
      onDelete: e.MOODLE_ON_DELETE,
      lastnameFallback: e.MOODLE_LASTNAME_FALLBACK.trim() || '-',
      adoptExisting: e.MOODLE_ADOPT_EXISTING,
      // Usernames and emails compare case-insensitively, as Moodle does.
      protectedUsers: e.MOODLE_PROTECTED_USERS.map((entry) => entry.toLowerCase()),
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
      'MOODLE_AUTH',
      '`manual`',
      'students: auth plugin of the users mzi creates (`manual`, `oauth2`, `ldap` …)',
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
    ['MOODLE_LASTNAME_FALLBACK', '`-`', 'students: last name of a student whose Name is a single word'],
    [
      'MOODLE_ADOPT_EXISTING',
      '`unlinked`',
      'students: adopt an existing account with an empty idnumber (`unlinked`), or none (`never`)',
    ],
    [
      'MOODLE_PROTECTED_USERS',
      '—',
      "students: accounts mzi never changes besides the token's user, admin, guest: ids, usernames or emails",
    ],
  ],
};
