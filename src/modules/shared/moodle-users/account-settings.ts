import { z } from 'zod';
import { listSetting } from '../setting-types.js';

/**
 * The settings every kind of person shares (students, teachers): one login method and one account policy for
 * the site, whichever Zoho module a Moodle user comes from.
 */
export interface AccountSettings {
  /** Auth plugin of the users mzi creates. */
  auth: string;
  /** Last name of a person whose Name is a single word. */
  lastnameFallback: string;
  adoptExisting: 'unlinked' | 'never';
  /** MOODLE_PROTECTED_USERS, lowercase. */
  protectedUsers: readonly string[];
}

/** The environment variables of AccountSettings, to spread into a module's settings schema. */
export const ACCOUNT_ENV = {
  MOODLE_AUTH: z
    .string()
    .optional()
    .default('manual')
    .refine((v) => /^[a-z0-9_]+$/.test(v), {
      message: 'must be a Moodle auth plugin name such as manual, oauth2 or ldap',
    }),
  MOODLE_LASTNAME_FALLBACK: z.string().optional().default('-'),
  MOODLE_ADOPT_EXISTING: z.enum(['unlinked', 'never']).optional().default('unlinked'),
  MOODLE_PROTECTED_USERS: listSetting(''),
};

/** AccountSettings from the parsed ACCOUNT_ENV variables. */
export function readAccountSettings(e: {
  MOODLE_AUTH: string;
  MOODLE_LASTNAME_FALLBACK: string;
  MOODLE_ADOPT_EXISTING: 'unlinked' | 'never';
  MOODLE_PROTECTED_USERS: string[];
}): AccountSettings {
  return {
    auth: e.MOODLE_AUTH,
    lastnameFallback: e.MOODLE_LASTNAME_FALLBACK.trim() || '-',
    adoptExisting: e.MOODLE_ADOPT_EXISTING,
    // Usernames and emails compare case-insensitively, as Moodle does.
    protectedUsers: e.MOODLE_PROTECTED_USERS.map((entry) => entry.toLowerCase()),
  };
}

/** The README rows of ACCOUNT_ENV, listed by every module that provisions people. */
export const ACCOUNT_SETTINGS_DOCUMENTED: readonly (readonly [string, string, string])[] = [
  [
    'MOODLE_AUTH',
    '`manual`',
    'students, teachers: auth plugin of the users mzi creates (`manual`, `oauth2`, `ldap` …)',
  ],
  [
    'MOODLE_LASTNAME_FALLBACK',
    '`-`',
    'students, teachers: last name of a person whose Name is a single word',
  ],
  [
    'MOODLE_ADOPT_EXISTING',
    '`unlinked`',
    'students, teachers: adopt an existing account with an empty idnumber (`unlinked`), or none (`never`)',
  ],
  [
    'MOODLE_PROTECTED_USERS',
    '—',
    "students, teachers: accounts mzi never changes besides the token's user, admin, guest: ids, usernames or emails",
  ],
];
