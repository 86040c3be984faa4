import { createHash } from 'node:crypto';
import { requireCapability } from './capabilities.js';
import { InvalidParameter, missingRecord, moodleException, WsError } from './errors.js';
import {
  type Clean,
  cleanParam,
  cleanUsername,
  type Desc,
  multiple,
  phpEmpty,
  phpIntval,
  single,
  value,
} from './params.js';
import { ADMIN_ID, type Env, type FakeMoodleUser, type FunctionDef, GUEST_ID, IMAGE_PATH } from './state.js';

/**
 * core_user_* functions (transcripts-debug-{off,on}.md, sections B-G; "#N" refers to them): create, look up,
 * update, delete.
 */

const INSTALLED_THEMES = ['boost', 'classic'];

/** ISO 3166-1 alpha-2 codes: Moodle's country list; anything else is stored as '' (DESIGN.md §5). */
const COUNTRIES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY ' +
    'BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK ' +
    'FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR ' +
    'IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ' +
    'ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM ' +
    'PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF ' +
    'TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

/** Moodle's validate_email(). */
function validateEmail(address: string): boolean {
  const atom = "[-!#$%&'*+\\/0-9=?A-Z^_`a-z{|}~]+";
  return new RegExp(`^${atom}(\\.${atom})*@${atom}(\\.${atom})*$`).test(address);
}

/** Default password policy: 8 chars, 1 digit, 1 lower, 1 upper, 1 special; all failures, in Moodle's order (#33). */
function passwordPolicyErrors(password: string): string {
  const errors: string[] = [];
  if ([...password].length < 8) errors.push('Passwords must be at least 8 characters long.');
  if (!/[0-9]/.test(password)) errors.push('Passwords must have at least 1 digit(s).');
  if (!/[a-z]/.test(password)) errors.push('Passwords must have at least 1 lower case letter(s).');
  if (!/[A-Z]/.test(password)) errors.push('Passwords must have at least 1 upper case letter(s).');
  if (!/[^a-zA-Z0-9]/.test(password)) {
    errors.push('The password must have at least 1 special character(s) such as *, -, or #.');
  }
  return errors.map((error) => `<div>${error}</div>`).join('');
}

/** SQL LIKE, case-insensitive, `\` escapes (Moodle's sql_like for email/firstname/lastname, #13). */
function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] as string;
    if (char === '\\' && i + 1 < pattern.length) {
      i += 1;
      source += escapeRegExp(pattern[i] as string);
    } else if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 'is');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Fields shared by create and update (core_user_external), in Moodle's order. */
const USER_FIELDS: Record<string, Desc> = {
  maildisplay: value('int', 'optional'),
  city: value('notags', 'optional'),
  country: value('alpha', 'optional'),
  timezone: value('timezone', 'optional'),
  description: value('raw', 'optional'),
  firstnamephonetic: value('notags', 'optional'),
  lastnamephonetic: value('notags', 'optional'),
  middlename: value('notags', 'optional'),
  alternatename: value('notags', 'optional'),
  interests: value('text', 'optional'),
  idnumber: value('raw', 'optional'),
  institution: value('text', 'optional'),
  department: value('text', 'optional'),
  phone1: value('notags', 'optional'),
  phone2: value('notags', 'optional'),
  address: value('text', 'optional'),
  lang: value('lang', 'optional'),
  calendartype: value('plugin', 'optional'),
  theme: value('plugin', 'optional'),
  mailformat: value('int', 'optional'),
};

export const USER_FUNCTIONS: Record<string, FunctionDef> = {
  core_user_get_users_by_field: {
    params: { field: value('alpha'), values: multiple(value('raw')) },
    run: (params, env) => {
      const field = params.field as string;
      const values = params.values as string[];
      let clean: (input: string) => string | number;
      switch (field) {
        case 'id':
          clean = phpIntval;
          break;
        case 'idnumber':
          clean = (input) => input;
          break;
        case 'username':
          clean = cleanUsername;
          break;
        case 'email':
          clean = (input) => input.trim();
          break;
        default:
          throw new WsError(
            'core\\exception\\coding_exception',
            'codingerror',
            'Coding error detected, it must be fixed by a programmer: invalid field parameter',
            `The search field '${field}' is not supported, look at the web service documentation`,
          );
      }
      const wanted = values.map((input) => {
        const cleaned = clean(input);
        // Moodle compares with PHP's loose `!=` here, so " 29" passes for id but "abc" (→ 0) does not (#43).
        const same = typeof cleaned === 'number' ? looseIntEquals(input, cleaned) : cleaned === input;
        if (!same) {
          throw new InvalidParameter(
            `The field '${field}' value is invalid: ${input}(cleaned value: ${cleaned})`,
          );
        }
        return String(cleaned);
      });
      // Exact match (SQL IN), deleted users included: a deleted user is still found by id, anonymised (#66).
      const wantedSet = new Set(wanted);
      return sortedUsers(env, (user) =>
        wantedSet.has(String(user[field as 'id' | 'idnumber' | 'username' | 'email'])),
      ).map((user) => userDetails(user, env));
    },
  },

  core_user_get_users: {
    params: { criteria: multiple(single({ key: value('alpha'), value: value('raw') })) },
    run: (params, env) => {
      const criteria = params.criteria as { key: string; value: string }[];
      const used = new Set<string>();
      const tests: ((user: FakeMoodleUser) => boolean)[] = [];
      const warnings: Record<string, unknown>[] = [];
      for (const { key, value: raw } of criteria) {
        // Unverified: Moodle throws moodle_exception('keyalreadyset') for a repeated key.
        if (used.has(key)) {
          throw moodleException(
            'keyalreadyset',
            'error/keyalreadyset',
            `The key ${key} can only be sent once`,
          );
        }
        used.add(key);
        switch (key) {
          case 'id': {
            const id = phpIntval(raw);
            tests.push((user) => user.id === id);
            break;
          }
          case 'idnumber':
            tests.push((user) => user.idnumber === raw);
            break;
          case 'username': {
            // Cleaned, not rejected: `%` is stripped and the match is exact (#14).
            const username = cleanUsername(raw);
            tests.push((user) => user.username === username);
            break;
          }
          case 'auth': {
            const auth = cleanParam(raw, 'auth', env);
            tests.push((user) => user.auth === auth);
            break;
          }
          case 'email':
          case 'firstname':
          case 'lastname': {
            const pattern = likeToRegExp(key === 'email' ? raw.trim() : cleanParam(raw, 'notags', env));
            tests.push((user) => pattern.test(user[key]));
            break;
          }
          default:
            // An unsupported key is skipped with a warning, so the remaining criteria (maybe none) apply (#15).
            warnings.push({
              item: key,
              warningcode: 'invalidfieldparameter',
              message: `The search key '${key}' is not supported, look at the web service documentation`,
            });
        }
      }
      const users = sortedUsers(env, (user) => !user.deleted && tests.every((test) => test(user)));
      return { users: users.map((user) => userDetails(user, env)), warnings };
    },
  },

  core_user_create_users: {
    params: {
      users: multiple(
        single({
          createpassword: value('bool', 'optional'),
          username: value('username'),
          auth: value('auth', { default: 'manual' }),
          password: value('raw', 'optional'),
          firstname: value('notags'),
          lastname: value('notags'),
          // PARAM_RAW_TRIMMED: a bad address is rejected by the function, not the parameter check (debug-on #16).
          email: value('raw_trimmed'),
          ...USER_FIELDS,
          idnumber: value('raw', { default: '' }),
          lang: value('lang', { default: 'en' }),
          calendartype: value('plugin', { default: 'gregorian' }),
        }),
      ),
    },
    run: (params, env, caller) => {
      requireCapability(caller, 'moodle/user:create');
      // One transaction: the first failure rolls back the users created before it (#39, #40). Ids are
      // still consumed, as a database sequence would (#72 got 33 after a rolled-back 32).
      const created: FakeMoodleUser[] = [];
      // Taken usernames and emails, read once per call (a per-user scan made large fakes slower than mzi).
      const usernames = new Set<string>();
      const emails = new Set<string>();
      for (const other of env.users.values()) {
        usernames.add(other.username);
        emails.add(other.email.toLowerCase());
      }
      for (const input of params.users as Clean[]) {
        const user = input as Record<string, string | number | boolean | undefined>;
        for (const field of ['username', 'firstname', 'lastname'] as const) {
          if (String(user[field]).trim() === '') {
            throw new InvalidParameter(`The field ${field} cannot be blank`);
          }
        }
        const username = String(user.username);
        if (usernames.has(username)) {
          throw new InvalidParameter(`Username already exists: ${username}`);
        }
        if (user.theme !== undefined && !INSTALLED_THEMES.includes(String(user.theme))) {
          throw new InvalidParameter(`Invalid theme: ${user.theme}`);
        }
        const password = user.password === undefined ? '' : String(user.password);
        const createpassword = user.createpassword === true;
        if (phpEmpty(password) && !createpassword) {
          throw new InvalidParameter('Invalid password: you must provide a password, or set createpassword.');
        }
        const email = String(user.email);
        if (!validateEmail(email)) throw new InvalidParameter(`Email address is invalid: ${email}`);
        if (emails.has(email.toLowerCase())) {
          throw new InvalidParameter(`Email address already exists: ${email}`);
        }
        if (!createpassword) {
          const errors = passwordPolicyErrors(password);
          if (errors) throw moodleException(errors);
        }
        const { createpassword: _ignored, ...fields } = user;
        const fresh = newUser(env.nextId(), {
          ...(fields as Partial<FakeMoodleUser>),
          password: createpassword ? '' : password,
          country: validCountry(user.country),
        });
        created.push(fresh);
        usernames.add(fresh.username);
        emails.add(fresh.email.toLowerCase());
      }
      for (const user of created) env.users.set(user.id, user);
      return created.map(({ id, username }) => ({ id, username }));
    },
  },

  core_user_update_users: {
    params: {
      users: multiple(
        single({
          id: value('int'),
          username: value('username', 'optional'),
          auth: value('auth', 'optional'),
          suspended: value('bool', 'optional'),
          password: value('raw', 'optional'),
          firstname: value('notags', 'optional'),
          lastname: value('notags', 'optional'),
          email: value('raw_trimmed', 'optional'),
          ...USER_FIELDS,
          userpicture: value('int', 'optional'),
        }),
      ),
    },
    run: (params, env, caller) => {
      requireCapability(caller, 'moodle/user:update');
      // Per-user problems become warnings and that user is left unchanged; the rest are updated (#23, #24, #69).
      const warnings: Record<string, unknown>[] = [];
      const warn = (itemid: number, warningcode: string, message: string): void => {
        warnings.push({ item: 'user', itemid, warningcode, message });
      };
      for (const input of params.users as Clean[]) {
        const change = input as Record<string, string | number | boolean | undefined> & { id: number };
        const existing = env.users.get(change.id);
        if (!existing) {
          warn(change.id, 'invaliduserid', 'Invalid user ID');
          continue;
        }
        if (existing.deleted) {
          warn(change.id, 'usernotupdateddeleted', 'error/usernotupdateddeleted');
          continue;
        }
        if (existing.id === GUEST_ID) {
          warn(change.id, 'usernotupdatedguest', 'error/usernotupdatedguest'); // unverified message
          continue;
        }
        if (typeof change.email === 'string' && change.email !== existing.email) {
          if (!validateEmail(change.email)) {
            warn(change.id, 'useremailinvalid', 'error/useremailinvalid'); // unverified message
            continue;
          }
          const lower = change.email.toLowerCase();
          if ([...env.users.values()].some((u) => u.id !== existing.id && u.email.toLowerCase() === lower)) {
            warn(change.id, 'useremailduplicate', 'Duplicate address');
            continue;
          }
        }
        if (
          typeof change.username === 'string' &&
          [...env.users.values()].some((u) => u.id !== existing.id && u.username === change.username)
        ) {
          // Unverified: the unique index on username refuses the write.
          warn(change.id, 'dmlwriteexception', 'Error writing to database');
          continue;
        }
        if (typeof change.password === 'string' && !phpEmpty(change.password)) {
          const errors = passwordPolicyErrors(change.password);
          if (errors) {
            warn(change.id, errors, `error/${errors}`); // unverified: policy failure caught as a warning
            continue;
          }
        }
        const { id: _id, userpicture: _picture, ...fields } = change;
        Object.assign(existing, fields);
        if (change.country !== undefined) existing.country = validCountry(change.country);
      }
      return { warnings };
    },
  },

  core_user_delete_users: {
    params: { userids: multiple(value('int')) },
    run: (params, env, caller) => {
      // After the parameters, before any user: the restricted user lacks it (courses transcript #169).
      requireCapability(caller, 'moodle/user:delete');
      // One transaction: any missing, deleted or protected user fails the whole call (#70, #71).
      const ids = params.userids as number[];
      const seen = new Set<number>();
      for (const id of ids) {
        const user = env.users.get(id);
        if (!user || user.deleted || seen.has(id)) {
          throw missingRecord('user', 'SELECT * FROM {user} WHERE id = ? AND deleted = ?', [id, 0]);
        }
        seen.add(id);
        // Unverified message: lang/en/error.php `useradminodelete`.
        if (id === ADMIN_ID) throw moodleException('useradminodelete', 'Admin accounts cannot be deleted');
      }
      const now = Math.floor(Date.now() / 1000);
      for (const id of seen) {
        const user = env.users.get(id) as FakeMoodleUser;
        if (user.id === GUEST_ID) continue; // user_delete_user() refuses the guest silently
        // delete_user(): username `<email>.<time>` cleaned as a username, email md5(old username),
        // idnumber cleared; the row stays and is still returned by id (#66).
        let stamp = now;
        let username = cleanUsername(`${user.email}.${stamp}`);
        while ([...env.users.values()].some((other) => other.username === username)) {
          stamp += 1;
          username = cleanUsername(`${user.email}.${stamp}`);
        }
        user.email = createHash('md5').update(user.username).digest('hex');
        user.username = username;
        user.idnumber = '';
        user.deleted = true;
        // delete_user() unenrols the user everywhere.
        for (const enrolments of env.enrolments.values()) enrolments.delete(user.id);
      }
      return null;
    },
  },
};

function looseIntEquals(input: string, cleaned: number): boolean {
  const trimmed = input.trim();
  return trimmed !== '' && Number(trimmed) === cleaned;
}

function validCountry(country: unknown): string {
  return typeof country === 'string' && COUNTRIES.has(country) ? country : '';
}

/** The users that pass `keep` (all by default), by id as Moodle's SQL orders them; filtered before sorting. */
function sortedUsers(env: Env, keep: (user: FakeMoodleUser) => boolean = () => true): FakeMoodleUser[] {
  const kept: FakeMoodleUser[] = [];
  for (const user of env.users.values()) if (keep(user)) kept.push(user);
  return kept.sort((a, b) => a.id - b.id);
}

export function newUser(id: number, fields: Partial<FakeMoodleUser>): FakeMoodleUser {
  const username = fields.username ?? `user${id}`;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, item]) => item !== undefined));
  return {
    username,
    firstname: 'Test',
    lastname: `User ${id}`,
    email: `${username}@example.com`,
    auth: 'manual',
    suspended: false,
    deleted: false,
    confirmed: true,
    password: '',
    idnumber: '',
    department: '',
    institution: '',
    phone1: '',
    phone2: '',
    address: '',
    interests: '',
    city: '',
    country: '',
    lang: 'en',
    calendartype: 'gregorian',
    theme: '',
    timezone: '99',
    mailformat: 1,
    maildisplay: 2,
    trackforums: 0,
    description: '',
    descriptionformat: 1,
    middlename: '',
    alternatename: '',
    firstnamephonetic: '',
    lastnamephonetic: '',
    firstaccess: 0,
    lastaccess: 0,
    ...defined,
    id,
  };
}

/**
 * A user as the get functions return it, keys in Moodle's order (#7, #15): optional fields only when not
 * empty, while `department` and `theme` are always there.
 */
function userDetails(user: FakeMoodleUser, env: Env): Record<string, unknown> {
  const optional = (key: keyof FakeMoodleUser): Record<string, unknown> =>
    user[key] === '' ? {} : { [key]: user[key] };
  return {
    id: user.id,
    username: user.username,
    firstname: user.firstname,
    lastname: user.lastname,
    fullname: `${user.firstname} ${user.lastname}`,
    email: user.email,
    ...optional('address'),
    ...optional('phone1'),
    ...optional('phone2'),
    department: user.department,
    ...optional('institution'),
    ...optional('idnumber'),
    ...optional('interests'),
    firstaccess: user.firstaccess,
    lastaccess: user.lastaccess,
    auth: user.auth,
    suspended: user.suspended,
    confirmed: user.confirmed,
    lang: user.lang,
    theme: user.theme,
    timezone: user.timezone,
    mailformat: user.mailformat,
    trackforums: user.trackforums,
    ...(user.description === ''
      ? {}
      : { description: user.description, descriptionformat: user.descriptionformat }),
    ...optional('city'),
    ...optional('country'),
    profileimageurlsmall: `${env.siteUrl}${IMAGE_PATH}/f2`,
    profileimageurl: `${env.siteUrl}${IMAGE_PATH}/f1`,
  };
}
