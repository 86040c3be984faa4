import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Moodle 5.1 REST web service on a real port, pinned to the recorded transcripts
 * (test/fixtures/moodle/transcripts-debug-{off,on}.md; "#N" below refers to them). It answers HTTP 200 with
 * Moodle's exception bodies, validates parameters the way Moodle's external API does, and must never accept
 * what real Moodle rejects. Where the transcripts are silent, it follows Moodle's source and says so
 * ("unverified").
 */

export type FailureMode = 'network' | 'html503' | 'http500' | 'timeout';

export interface FakeMoodleOptions {
  /** The one valid token; random by default. */
  token?: string;
  /** Site debugging on: exceptions carry `debuginfo` and missing records name their table (debug-on file). */
  debug?: boolean;
  /** Functions in the token's external service; default: the 17 of transcript #1. */
  allowedFunctions?: string[];
  /** Installed auth plugins; default: Moodle 5.1 core plugins mzi may meet. */
  authPlugins?: string[];
  /**
   * The token belongs to this account, created with the site (a restricted web-service user, DESIGN.md §11),
   * instead of the admin of transcript #1. Site info then names it.
   */
  tokenUser?: Partial<FakeMoodleUser>;
}

/** A row of the fake `user` table. Strings are '' when empty, as in Moodle's database. */
export interface FakeMoodleUser {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  auth: string;
  suspended: boolean;
  deleted: boolean;
  confirmed: boolean;
  /** As sent on create or update (createpassword leaves it ''); kept for assertions. */
  password: string;
  idnumber: string;
  department: string;
  institution: string;
  phone1: string;
  phone2: string;
  address: string;
  interests: string;
  city: string;
  country: string;
  lang: string;
  calendartype: string;
  theme: string;
  timezone: string;
  mailformat: number;
  maildisplay: number;
  trackforums: number;
  description: string;
  descriptionformat: number;
  middlename: string;
  alternatename: string;
  firstnamephonetic: string;
  lastnamephonetic: string;
  firstaccess: number;
  lastaccess: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query string as received. */
  url: string;
  contentType: string | undefined;
  /** The raw request body (it contains the token: do not print it). */
  rawBody: string;
  wsfunction: string | undefined;
  /** The parsed form (query + body, PHP-style nesting) without `wstoken`, `wsfunction` and format keys. */
  params: Record<string, unknown>;
  /** The failure injected for this request, if any. */
  failure?: FailureMode;
}

export interface FakeMoodle {
  /** Site root to give the client, e.g. `http://127.0.0.1:41234`. */
  url: string;
  token: string;
  /** The user table by id (deleted users stay, anonymised). Mutable for setup. */
  users: Map<number, FakeMoodleUser>;
  requests: RecordedRequest[];
  /** Requests being handled right now, and the most ever seen at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** The next `count` web-service requests fail this way (then normal service resumes). */
  failNext(count: number, mode: FailureMode): void;
  /** Answer every request after `ms` milliseconds (0 = immediately). */
  setDelay(ms: number): void;
  /** Inserts a user directly, as if created through Moodle's UI. */
  addUser(partial?: Partial<FakeMoodleUser>): FakeMoodleUser;
  /** The user the token belongs to (site info `userid`): the admin unless `tokenUser` was given. */
  readonly tokenUserId: number;
  close(): Promise<void>;
}

/** Functions of the service recorded in transcript #1, with their versions. */
const TRANSCRIPT_FUNCTIONS = [
  'core_webservice_get_site_info',
  'core_user_create_users',
  'core_user_update_users',
  'core_user_delete_users',
  'core_user_get_users_by_field',
  'core_user_get_users',
  'enrol_manual_enrol_users',
  'enrol_manual_unenrol_users',
  'core_course_get_courses',
  'core_course_create_courses',
  'core_enrol_get_enrolled_users',
  'core_course_get_courses_by_field',
  'core_course_delete_courses',
  'core_course_get_categories',
  'core_enrol_get_users_courses',
  'core_role_assign_roles',
  'core_role_unassign_roles',
];

/** Functions that exist on the site (its external_functions table) though not in the service (#50). */
const OTHER_INSTALLED_FUNCTIONS = ['core_course_get_contents', 'core_user_get_course_user_profiles'];

/**
 * Moodle 5.1 core auth plugins. Third-party ones (saml2) or plugins removed from core are not assumed; pass
 * `authPlugins` to model a site that has them.
 */
const DEFAULT_AUTH_PLUGINS = [
  'manual',
  'nologin',
  'email',
  'db',
  'ldap',
  'lti',
  'mnet',
  'none',
  'oauth2',
  'shibboleth',
  'webservice',
];
const INSTALLED_LANGS = ['en'];
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

const GUEST_ID = 1;
const ADMIN_ID = 2;
const FIRST_NEW_ID = 100;
const IMAGE_PATH = '/theme/image.php/boost/core/1795898698/u';

const ACCESS_DEBUGINFO = (wsfunction: string): string =>
  [
    `Access to the function ${wsfunction}() is not allowed.`,
    'There could be multiple reasons for this:',
    '1. The service linked to the user token does not contain the function.',
    '2. The service is user-restricted and the user is not listed.',
    '3. The service is IP-restricted and the user IP is not listed.',
    '4. The service is time-restricted and the time has expired.',
    '5. The token is time-restricted and the time has expired.',
    '6. The service requires a specific capability which the user does not have.',
    '7. The function is called with username/password (no user token is sent)',
    'and none of the services has the function to allow the user.',
    'These settings can be found in Administration > Site administration',
    '> Server > Web services > External services and Manage tokens.',
  ].join(`\n${' '.repeat(21)}`);

// ---------------------------------------------------------------------------------------------------------
// Errors, as Moodle renders them

/** A Moodle exception; `missingRecord` ones change code and message with the debug setting (#49 vs on #27). */
class WsError extends Error {
  constructor(
    readonly exception: string,
    readonly errorcode: string,
    message: string,
    readonly debuginfo?: string,
    readonly missingRecord?: { table: string; sql: string; params: (string | number)[] },
  ) {
    super(message);
  }

  render(debug: boolean): { exception: string; errorcode: string; message: string; debuginfo?: string } {
    if (this.missingRecord) {
      if (!debug) {
        return {
          exception: this.exception,
          errorcode: 'invalidrecordunknown',
          message: "Can't find data record in database.",
        };
      }
      const { table, sql, params } = this.missingRecord;
      const debuginfo = `${sql}\n${varExport(params)}`;
      if (table === 'user') {
        return { exception: this.exception, errorcode: 'invaliduser', message: 'Invalid user', debuginfo };
      }
      return {
        exception: this.exception,
        errorcode: 'invalidrecord',
        message: `Can't find data record in database table ${table}.`,
        debuginfo,
      };
    }
    return {
      exception: this.exception,
      errorcode: this.errorcode,
      message: this.message,
      ...(debug && this.debuginfo !== undefined ? { debuginfo: this.debuginfo } : {}),
    };
  }
}

class InvalidParameter extends WsError {
  constructor(debuginfo: string) {
    super(
      'core\\exception\\invalid_parameter_exception',
      'invalidparameter',
      'Invalid parameter value detected',
      debuginfo,
    );
  }
}

const invalidToken = (): WsError =>
  new WsError('core\\exception\\moodle_exception', 'invalidtoken', 'Invalid token - token not found');

const missingRecord = (table: string, sql: string, params: (string | number)[]): WsError =>
  new WsError('dml_missing_record_exception', 'invalidrecord', '', undefined, { table, sql, params });

/** `moodle_exception($code, 'error')` for a string the error component lacks: message `error/<code>` (#69). */
const moodleException = (errorcode: string, message = `error/${errorcode}`, debuginfo?: string): WsError =>
  new WsError('core\\exception\\moodle_exception', errorcode, message, debuginfo);

/** PHP `var_export` of a list, wrapped in brackets, as in dml debuginfo (debug-on #27, #36). */
function varExport(values: (string | number)[]): string {
  const lines = values.map(
    (value, index) =>
      `  ${index} => ${typeof value === 'number' ? value : `'${value.replace(/[\\']/g, '\\$&')}'`},`,
  );
  return `[array (\n${lines.join('\n')}\n)]`;
}

// ---------------------------------------------------------------------------------------------------------
// PHP form parsing: `users[0][email]=x` → Map { users → Map { 0 → Map { email → 'x' } } }

type PhpValue = string | PhpArray;
type PhpArray = Map<string, PhpValue>;

function parsePhpForm(entries: Iterable<[string, string]>, into: PhpArray = new Map()): PhpArray {
  for (const [name, value] of entries) setPhpValue(into, name, value);
  return into;
}

function setPhpValue(root: PhpArray, name: string, value: string): void {
  const open = name.indexOf('[');
  const keys: string[] = [];
  let rest = open > 0 ? name.slice(open) : '';
  while (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) break;
    keys.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  if (keys.length === 0) {
    root.set(name, value);
    return;
  }
  let container = root;
  let key = name.slice(0, open);
  for (const next of keys) {
    let child = container.get(key);
    if (!(child instanceof Map)) {
      child = new Map();
      container.set(key, child);
    }
    container = child;
    key = next === '' ? String(nextIndex(container)) : next;
  }
  container.set(key, value);
}

function nextIndex(array: PhpArray): number {
  let max = -1;
  for (const key of array.keys()) if (/^\d+$/.test(key)) max = Math.max(max, Number(key));
  return max + 1;
}

function toPlain(value: PhpValue): unknown {
  if (typeof value === 'string') return value;
  return Object.fromEntries([...value].map(([key, item]) => [key, toPlain(item)]));
}

/** PHP's `print_r` of a scalar or array, enough for "The bad value is: '…'" messages. */
function printR(value: PhpValue): string {
  return typeof value === 'string' ? value : 'Array';
}

// ---------------------------------------------------------------------------------------------------------
// Parameter descriptions and validation (core_external\external_api::validate_parameters)

type ParamType =
  | 'int'
  | 'bool'
  | 'raw'
  | 'raw_trimmed'
  | 'notags'
  | 'text'
  | 'alpha'
  | 'alphanumext'
  | 'username'
  | 'auth'
  | 'plugin'
  | 'lang'
  | 'timezone';

type Presence = 'required' | 'optional' | { default: unknown };

type Desc =
  | { kind: 'value'; type: ParamType; presence: Presence }
  | { kind: 'single'; keys: Record<string, Desc>; presence: Presence }
  | { kind: 'multiple'; content: Desc; presence: Presence };

const value = (type: ParamType, presence: Presence = 'required'): Desc => ({ kind: 'value', type, presence });
const single = (keys: Record<string, Desc>, presence: Presence = 'required'): Desc => ({
  kind: 'single',
  keys,
  presence,
});
const multiple = (content: Desc, presence: Presence = 'required'): Desc => ({
  kind: 'multiple',
  content,
  presence,
});

/** Validated parameters: single → object, multiple → array, int → number, bool → boolean, else string. */
type Clean = Record<string, unknown>;

function validate(desc: Desc, input: PhpValue, env: Env): unknown {
  if (desc.kind === 'value') {
    if (typeof input !== 'string')
      throw new InvalidParameter('Scalar type expected, array or object received.');
    // PARAM_BOOL is special-cased to exactly 0/1: "true"/"false" are rejected (#41, #42).
    if (desc.type === 'bool' && (input === '0' || input === '1')) return input === '1';
    const cleaned = cleanParam(input, desc.type, env);
    if (cleaned !== input) {
      throw new InvalidParameter(
        `Invalid external api parameter: the value is "${input}", the server was expecting "${desc.type}" type`,
      );
    }
    return desc.type === 'int' ? Number(cleaned) : cleaned;
  }
  if (!(input instanceof Map)) {
    throw new InvalidParameter(`Only arrays accepted. The bad value is: '${printR(input)}'`);
  }
  if (desc.kind === 'multiple') return [...input.values()].map((item) => validate(desc.content, item, env));
  const result: Clean = {};
  const rest = new Map(input);
  for (const [key, sub] of Object.entries(desc.keys)) {
    const given = rest.get(key);
    rest.delete(key);
    if (given === undefined) {
      if (sub.presence === 'required') {
        throw new InvalidParameter(`Missing required key in single structure: ${key}`);
      }
      if (typeof sub.presence === 'object') result[key] = sub.presence.default;
      continue;
    }
    try {
      result[key] = validate(sub, given, env);
    } catch (error) {
      if (error instanceof InvalidParameter) {
        throw new InvalidParameter(`${key} => Invalid parameter value detected: ${error.debuginfo}`);
      }
      throw error;
    }
  }
  if (rest.size > 0) {
    throw new InvalidParameter(
      `Unexpected keys (${[...rest.keys()].join(', ')}) detected in parameter array.`,
    );
  }
  return result;
}

/** Moodle's clean_param for the types used here; validation fails when cleaning changes the value. */
function cleanParam(input: string, type: ParamType, env: Env): string {
  switch (type) {
    case 'int':
      return String(phpIntval(input));
    case 'bool':
      return input === '' || input === '0' || input.toLowerCase() === 'false' || input === 'off' ? '0' : '1';
    case 'raw':
      return input;
    case 'raw_trimmed':
      return input.trim();
    case 'notags':
    case 'text':
      return input.replace(/<[^>]*>?/g, '');
    case 'alpha':
      return input.replace(/[^a-zA-Z]/g, '');
    case 'alphanumext':
      return input.replace(/[^a-zA-Z0-9_-]/g, '');
    case 'username':
      return cleanUsername(input);
    case 'plugin':
      return isPluginName(input) ? input : '';
    case 'auth':
      return isPluginName(input) && env.authPlugins.includes(input) ? input : '';
    case 'lang':
      return INSTALLED_LANGS.includes(input) ? input : '';
    case 'timezone':
      return /^(([+-]?(0?[0-9](\.[5|0])?|1[0-3](\.0)?|1[0-2]\.5))|(99)|[A-Za-z0-9]+(\/?[A-Za-z_-])+)$/.test(
        input,
      )
        ? input
        : '';
  }
}

/** PARAM_USERNAME with `extendedusernamechars` off: trimmed, lowercased, only `[-.@_a-z0-9]` kept (#27, #28). */
function cleanUsername(input: string): string {
  return input
    .trim()
    .toLowerCase()
    .replace(/[^-.@_a-z0-9]/g, '');
}

function isPluginName(input: string): boolean {
  return /^[a-z](?:[a-z0-9_]*[a-z0-9])?$/.test(input) && !input.includes('__');
}

/** PHP `(int)` of a string: leading integer, else 0. */
function phpIntval(input: string): number {
  const match = /^\s*([+-]?\d+)/.exec(input);
  return match?.[1] ? Number.parseInt(match[1], 10) || 0 : 0;
}

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

// ---------------------------------------------------------------------------------------------------------
// Functions

interface Env {
  debug: boolean;
  authPlugins: string[];
  users: Map<number, FakeMoodleUser>;
  nextId: () => number;
  siteUrl: string;
  allowedFunctions: string[];
  tokenUserId: number;
}

interface FunctionDef {
  params: Record<string, Desc>;
  run: (params: Clean, env: Env) => unknown;
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

const FUNCTIONS: Record<string, FunctionDef> = {
  core_webservice_get_site_info: {
    params: { serviceshortnames: multiple(value('alphanumext'), { default: [] }) },
    run: (_params, env) => siteInfo(env),
  },

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
    run: (params, env) => {
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
    run: (params, env) => {
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
    run: (params, env) => {
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
      }
      return null;
    },
  },
};

function siteInfo(env: Env): Record<string, unknown> {
  const user = env.users.get(env.tokenUserId) as FakeMoodleUser;
  return {
    sitename: 'Moodle Loopback Test',
    username: user.username,
    firstname: user.firstname,
    lastname: user.lastname,
    fullname: `${user.firstname} ${user.lastname}`,
    lang: user.lang,
    userid: user.id,
    siteurl: env.siteUrl,
    userpictureurl: `${env.siteUrl}${IMAGE_PATH}/f1`,
    functions: env.allowedFunctions.map((name) => ({
      name,
      version: name.startsWith('enrol_manual_') ? '2025100600' : '2025100600.02',
    })),
    downloadfiles: 0,
    uploadfiles: 0,
    release: '5.1+ (Build: 20251017)',
    version: '2025100600.02',
    mobilecssurl: '',
    usercanmanageownfiles: true,
    userquota: 0,
    usermaxuploadfilesize: -1,
    userhomepage: 1,
    siteid: 1,
    sitecalendartype: 'gregorian',
    usercalendartype: 'gregorian',
    // Unverified for other users: Moodle reports is_siteadmin() of the token's user.
    userissiteadmin: user.id === ADMIN_ID,
    theme: 'boost',
    limitconcurrentlogins: 0,
    policyagreed: 0,
  };
}

function looseIntEquals(input: string, cleaned: number): boolean {
  const trimmed = input.trim();
  return trimmed !== '' && Number(trimmed) === cleaned;
}

/** PHP `empty()` of a string. */
function phpEmpty(text: string): boolean {
  return text === '' || text === '0';
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

function newUser(id: number, fields: Partial<FakeMoodleUser>): FakeMoodleUser {
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

// ---------------------------------------------------------------------------------------------------------
// Rendering

/** PHP json_encode: `/` escaped as `\/`, non-ASCII as `\uXXXX` (#1, #33). */
function phpJson(body: unknown): string {
  return JSON.stringify(body)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Moodle's XML format (#3, #54), for callers that forget `moodlewsrestformat=json`. */
function xmlBody(result: unknown, error: ReturnType<WsError['render']> | undefined): string {
  const head = '<?xml version="1.0" encoding="UTF-8" ?>\n';
  if (error) {
    const debug =
      error.debuginfo === undefined ? '' : `<DEBUGINFO>${xmlEscape(error.debuginfo)}</DEBUGINFO>\n`;
    return (
      `${head}<EXCEPTION class="${xmlEscape(error.exception)}">\n<ERRORCODE>${xmlEscape(error.errorcode)}` +
      `</ERRORCODE>\n<MESSAGE>${xmlEscape(error.message)}</MESSAGE>\n${debug}</EXCEPTION>\n`
    );
  }
  return `${head}<RESPONSE>\n${result === null ? '' : xmlValue(result)}</RESPONSE>\n`;
}

function xmlValue(item: unknown): string {
  if (Array.isArray(item)) return `<MULTIPLE>\n${item.map(xmlValue).join('')}</MULTIPLE>\n`;
  if (item !== null && typeof item === 'object') {
    const keys = Object.entries(item).map(
      ([key, sub]) => `<KEY name="${xmlEscape(key)}">${xmlValue(sub)}</KEY>\n`,
    );
    return `<SINGLE>\n${keys.join('')}</SINGLE>\n`;
  }
  if (item === null || item === undefined) return '<VALUE null="null"/>\n';
  const text = typeof item === 'boolean' ? (item ? '1' : '0') : String(item);
  return `<VALUE>${xmlEscape(text)}</VALUE>\n`;
}

function xmlEscape(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[char]};`);
}

const MAINTENANCE_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Site maintenance</title></head>' +
  '<body><h1>Site maintenance</h1><p>This site is undergoing maintenance and is currently not available.</p>' +
  '</body></html>\n';

const ERROR_500_PAGE =
  '<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>' +
  '<body><h1>Internal Server Error</h1></body></html>\n';

// ---------------------------------------------------------------------------------------------------------
// Server

/** Starts a fake Moodle on 127.0.0.1, port 0. Close it when done. */
export async function startFakeMoodle(options: FakeMoodleOptions = {}): Promise<FakeMoodle> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const debug = options.debug ?? false;
  const allowedFunctions = [...(options.allowedFunctions ?? TRANSCRIPT_FUNCTIONS)];
  const installed = new Set([...TRANSCRIPT_FUNCTIONS, ...OTHER_INSTALLED_FUNCTIONS, ...allowedFunctions]);
  const users = new Map<number, FakeMoodleUser>();
  const requests: RecordedRequest[] = [];
  const held = new Set<ServerResponse>();
  let idCounter = FIRST_NEW_ID;
  let failures: { mode: FailureMode; left: number } | undefined;
  let delayMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const env: Env = {
    debug,
    authPlugins: options.authPlugins ?? DEFAULT_AUTH_PLUGINS,
    users,
    nextId: () => {
      const id = idCounter;
      idCounter += 1;
      return id;
    },
    siteUrl: '',
    allowedFunctions,
    tokenUserId: ADMIN_ID,
  };

  // The two accounts every site has (#15).
  users.set(
    GUEST_ID,
    newUser(GUEST_ID, {
      username: 'guest',
      firstname: 'Guest user',
      lastname: ' ',
      email: 'root@localhost',
      description: 'This user is a special user that allows read-only access to some courses.',
    }),
  );
  users.set(
    ADMIN_ID,
    newUser(ADMIN_ID, {
      username: 'admin',
      firstname: 'Admin',
      lastname: 'User',
      email: 'admin@example.com',
    }),
  );
  if (options.tokenUser) {
    const id = env.nextId();
    users.set(
      id,
      newUser(id, { username: 'mziws', firstname: 'Web', lastname: 'Service', ...options.tokenUser }),
    );
    env.tokenUserId = id;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-moodle');
    const rawBody = await readBody(req);
    if (url.pathname !== '/webservice/rest/server.php') {
      res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><body>Not found</body></html>');
      return;
    }

    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let counted = true;
    const done = (): void => {
      if (counted) inFlight -= 1;
      counted = false;
    };
    res.on('close', done);

    const contentType = req.headers['content-type'];
    const form = parsePhpForm(url.searchParams);
    // PHP fills $_POST only for form bodies: a JSON body is ignored, so its token is never seen (#5).
    if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      parsePhpForm(new URLSearchParams(rawBody), form);
    }
    const wsfunction = stringParam(form, 'wsfunction');
    const params = new Map(form);
    for (const key of [...params.keys()]) {
      if (
        ['wstoken', 'wsfunction', 'moodlewsrestformat'].includes(key) ||
        key.startsWith('moodlewssetting')
      ) {
        params.delete(key);
      }
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      contentType,
      rawBody,
      wsfunction,
      params: toPlain(params) as Record<string, unknown>,
    };
    requests.push(recorded);

    if (failures && failures.left > 0) {
      const { mode } = failures;
      failures.left -= 1;
      recorded.failure = mode;
      if (mode === 'network') {
        done();
        req.socket.destroy();
        return;
      }
      if (mode === 'timeout') {
        held.add(res); // never answered; the client gives up, or close() drops it
        res.on('close', () => held.delete(res));
        return;
      }
      await sleep(delayMs);
      done();
      if (mode === 'html503') {
        res
          .writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Retry-After': '60' })
          .end(MAINTENANCE_PAGE);
      } else {
        res.writeHead(500, { 'Content-Type': 'text/html; charset=utf-8' }).end(ERROR_500_PAGE);
      }
      return;
    }

    await sleep(delayMs);
    // The format may come from the query or the body (#4); anything but json means XML (#3, #54).
    const json = stringParam(form, 'moodlewsrestformat') === 'json';
    let result: unknown;
    let error: ReturnType<WsError['render']> | undefined;
    try {
      result = run(form, wsfunction, params);
    } catch (caught) {
      if (!(caught instanceof WsError)) throw caught;
      error = caught.render(debug);
    }
    done();
    if (json) {
      res.writeHead(200, { 'Content-type': 'application/json' }).end(phpJson(error ?? result));
    } else {
      res.writeHead(200, { 'Content-Type': 'application/xml; charset=utf-8' }).end(xmlBody(result, error));
    }
  }

  /** Moodle's order: token, function name, function exists, function in service, parameters (#49-#53). */
  function run(form: PhpArray, wsfunction: string | undefined, params: PhpArray): unknown {
    if (stringParam(form, 'wstoken') !== token) throw invalidToken();
    if (!wsfunction) throw new InvalidParameter('Missing function name');
    if (!installed.has(wsfunction)) {
      throw missingRecord('external_functions', 'SELECT * FROM {external_functions} WHERE name = ?', [
        wsfunction,
      ]);
    }
    if (!allowedFunctions.includes(wsfunction)) {
      throw new WsError(
        'webservice_access_exception',
        'accessexception',
        'Access control exception',
        ACCESS_DEBUGINFO(wsfunction),
      );
    }
    const def = FUNCTIONS[wsfunction];
    if (!def) throw new Error(`fake Moodle does not implement ${wsfunction}`);
    const clean = validate(single(def.params), params, env) as Clean;
    return def.run(clean, env);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A defect in the fake, not Moodle behaviour: make it loud.
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`fake Moodle failure: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  env.siteUrl = url;

  return {
    url,
    token,
    users,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get tokenUserId() {
      return env.tokenUserId;
    },
    failNext(count, mode) {
      failures = { mode, left: count };
    },
    setDelay(ms) {
      delayMs = ms;
    },
    addUser(partial = {}) {
      const id = partial.id ?? env.nextId();
      if (users.has(id)) throw new Error(`fake Moodle: user id ${id} already exists`);
      const user = newUser(id, partial);
      users.set(id, user);
      return user;
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function stringParam(form: PhpArray, key: string): string | undefined {
  const item = form.get(key);
  return typeof item === 'string' ? item : undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
