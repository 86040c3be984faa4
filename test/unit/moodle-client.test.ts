import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { shouldRetry } from '../../src/event-log/retry-policy.js';
import {
  createMoodleClient,
  MOODLE_FUNCTIONS_USED,
  type MoodleClient,
  type MoodleClientOptions,
} from '../../src/moodle/create-moodle-client.js';
import {
  MoodleError,
  MoodleException,
  MoodleTransportError,
  MoodleWarningError,
  shouldRetryMoodleException,
} from '../../src/moodle/moodle-errors.js';
import {
  type FakeMoodle,
  type FakeMoodleOptions,
  type FakeMoodleUser,
  startFakeMoodle,
} from '../helpers/fake-moodle.js';

const TOKEN = 'tok3n-7f9c2e1a-never-print-me';
const fakes: FakeMoodle[] = [];

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function setup(
  fakeOptions: FakeMoodleOptions = {},
  clientOptions: Partial<MoodleClientOptions> = {},
): Promise<{ fake: FakeMoodle; client: MoodleClient }> {
  const fake = await startFakeMoodle({ token: TOKEN, ...fakeOptions });
  fakes.push(fake);
  const client = createMoodleClient({ url: `${fake.url}/`, token: TOKEN, ...clientOptions });
  return { fake, client };
}

/** The rejection of `promise`, failing the test when it resolves. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const newUser = (suffix: string) => ({
  username: `jdoe${suffix}`,
  password: 'Passw0rd!',
  firstname: 'John',
  lastname: 'Doe',
  email: `jdoe${suffix}@example.com`,
});

describe('Moodle client: transport', () => {
  it('POSTs a form to server.php with the format in the query and the token only in the body', async () => {
    const { fake, client } = await setup();
    await client.getUsersByField('id', [2]);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/webservice/rest/server.php?moodlewsrestformat=json');
    expect(request?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.wsfunction).toBe('core_user_get_users_by_field');
    expect(request?.params).toEqual({ field: 'id', values: { '0': '2' } });
    expect(new URLSearchParams(request?.rawBody).get('wstoken')).toBe(TOKEN);
  });

  it('lists every function it calls, all of which the recorded service offers', async () => {
    const { client } = await setup();
    const info = await client.getSiteInfo();
    const offered = info.functions.map((f) => f.name);
    for (const name of MOODLE_FUNCTIONS_USED) expect(offered).toContain(name);
  });

  it('returns site info with the release, the token user and the service functions', async () => {
    const { fake, client } = await setup({ allowedFunctions: ['core_webservice_get_site_info'] });
    const info = await client.getSiteInfo();
    expect(info).toEqual({
      sitename: 'Moodle Loopback Test',
      release: '5.1+ (Build: 20251017)',
      version: '2025100600.02',
      functions: [{ name: 'core_webservice_get_site_info', version: '2025100600.02' }],
      userid: 2,
      username: 'admin',
      siteurl: fake.url,
    });
  });

  it('names the restricted user a token belongs to in site info, as Moodle does for any token user', async () => {
    const { fake, client } = await setup({
      tokenUser: { username: 'mziws', firstname: 'Web', lastname: 'Service' },
    });
    const info = await client.getSiteInfo();
    expect(info).toMatchObject({ userid: fake.tokenUserId, username: 'mziws' });
    expect(fake.tokenUserId).not.toBe(2);
    const raw = await client.call<Record<string, unknown>>('core_webservice_get_site_info');
    expect(raw).toMatchObject({ fullname: 'Web Service', userissiteadmin: false });
  });

  it.each([
    ['network', undefined, 'moodle.unreachable'],
    ['html503', 503, 'moodle.http_error'],
    ['http500', 500, 'moodle.http_error'],
  ] as const)(
    'turns a %s failure into a retryable MoodleTransportError, then recovers',
    async (mode, status, code) => {
      const { fake, client } = await setup();
      fake.failNext(1, mode);

      const error = await failure(client.getUsersByField('id', [2]));
      expect(error).toBeInstanceOf(MoodleTransportError);
      const transport = error as MoodleTransportError;
      expect(transport.code).toBe(code);
      expect(transport.httpStatus).toBe(status);
      expect(transport.retryable).toBe(true);
      expect(shouldRetry(error)).toBe(true);
      expect(transport.message).toMatch(/^Moodle unavailable for core_user_get_users_by_field: /);

      const users = await client.getUsersByField('id', [2]);
      expect(users.map((user) => user.username)).toEqual(['admin']);
    },
  );

  it('names the maintenance page in the message of an HTML 503', async () => {
    const { fake, client } = await setup();
    fake.failNext(1, 'html503');
    const error = await failure(client.getSiteInfo());
    expect(error.message).toBe(
      'Moodle unavailable for core_webservice_get_site_info: HTTP 503 Service Unavailable ("Site maintenance")',
    );
  });

  it('gives up after timeoutMs with a retryable timeout error', async () => {
    const { fake, client } = await setup({}, { timeoutMs: 150 });
    fake.failNext(1, 'timeout');
    const started = Date.now();

    const error = await failure(client.getSiteInfo());
    expect(error).toBeInstanceOf(MoodleTransportError);
    expect((error as MoodleTransportError).reason).toBe('timeout');
    expect((error as MoodleError).code).toBe('moodle.timeout');
    expect((error as MoodleError).retryable).toBe(true);
    expect(error.message).toBe(
      'Moodle unavailable for core_webservice_get_site_info: no answer within 150 ms',
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('treats a 200 answer that is not JSON (XML, HTML) as a retryable transport error', async () => {
    const { client } = await setup(
      {},
      {
        // A proxy that drops the query string: Moodle falls back to XML (#3).
        transport: (input, init) => fetch(String(input).replace('?moodlewsrestformat=json', ''), init),
      },
    );
    const error = await failure(client.getUsersByField('id', [2]));
    expect(error).toBeInstanceOf(MoodleTransportError);
    expect((error as MoodleTransportError).reason).toBe('bad_response');
    expect((error as MoodleTransportError).httpStatus).toBe(200);
    expect((error as MoodleError).retryable).toBe(true);
  });

  it('never has more than maxConcurrency calls in flight', async () => {
    const { fake, client } = await setup({}, { maxConcurrency: 3 });
    fake.setDelay(40);

    const results = await Promise.all(Array.from({ length: 10 }, () => client.getUsersByField('id', [2])));

    expect(results).toHaveLength(10);
    expect(fake.requests).toHaveLength(10);
    expect(fake.maxInFlight).toBe(3);
  });

  it('frees a slot when a call fails, so later calls still run', async () => {
    const { fake, client } = await setup({}, { maxConcurrency: 1 });
    fake.failNext(2, 'http500');
    const outcomes = await Promise.allSettled([
      client.getSiteInfo(),
      client.getSiteInfo(),
      client.getSiteInfo(),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(fake.maxInFlight).toBe(1);
  });

  it('does not call Moodle for an empty lookup, create, update or delete', async () => {
    const { fake, client } = await setup();
    expect(await client.getUsersByField('email', [])).toEqual([]);
    expect(await client.createUsers([])).toEqual([]);
    expect(await client.updateUsers([])).toEqual({ warnings: [] });
    await client.deleteUsers([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses to let params override wstoken or wsfunction', async () => {
    const { client } = await setup();
    await expect(client.call('core_webservice_get_site_info', { wstoken: 'other' })).rejects.toThrow(
      TypeError,
    );
  });

  it('reports valid JSON of the wrong shape as a permanent unexpected_response', async () => {
    const client = createMoodleClient({
      url: 'http://moodle.invalid',
      token: TOKEN,
      transport: async () =>
        new Response('{"users":"nope"}', { headers: { 'content-type': 'application/json' } }),
    });
    const error = await failure(client.getUsersByField('id', [1]));
    expect(error).toBeInstanceOf(MoodleError);
    expect((error as MoodleError).code).toBe('moodle.unexpected_response');
    expect((error as MoodleError).retryable).toBe(false);
  });
});

describe('Moodle client: users', () => {
  it('creates a user and finds it by id, username, email and idnumber', async () => {
    const { client } = await setup();
    const created = await client.createUsers([
      { ...newUser('1'), auth: 'manual', idnumber: 'EXT-1', city: 'Muscat', country: 'OM' },
    ]);
    expect(created).toEqual([{ id: 100, username: 'jdoe1' }]);

    for (const [field, value] of [
      ['id', 100],
      ['username', 'jdoe1'],
      ['email', 'jdoe1@example.com'],
      ['idnumber', 'EXT-1'],
    ] as const) {
      const users = await client.getUsersByField(field, [value]);
      expect(users).toHaveLength(1);
      expect(users[0]).toMatchObject({
        id: 100,
        username: 'jdoe1',
        fullname: 'John Doe',
        idnumber: 'EXT-1',
        suspended: false,
        confirmed: true,
        auth: 'manual',
        city: 'Muscat',
        country: 'OM',
      });
    }
  });

  it('leaves unknown values out of a lookup instead of failing', async () => {
    const { client } = await setup();
    expect(await client.getUsersByField('id', [999999])).toEqual([]);
    expect((await client.getUsersByField('username', ['admin', 'nosuchuser'])).map((u) => u.id)).toEqual([2]);
  });

  it('omits empty fields from returned users', async () => {
    const { client } = await setup();
    await client.createUsers([{ ...newUser('2') }]);
    const [user] = await client.getUsersByField('username', ['jdoe2']);
    expect(user).toBeDefined();
    expect(user).not.toHaveProperty('idnumber');
    expect(user).not.toHaveProperty('city');
    expect(user).not.toHaveProperty('country');
    expect(user).toHaveProperty('department', '');
  });

  it('sends createpassword as 1 and accepts a user without a password then', async () => {
    const { fake, client } = await setup();
    const { password: _password, ...withoutPassword } = newUser('3');
    await client.createUsers([{ ...withoutPassword, createpassword: true }]);
    expect(fake.requests[0]?.params).toMatchObject({ users: { '0': { createpassword: '1' } } });
  });

  it('stores a country that is not an ISO alpha-2 code as empty, silently, as Moodle does', async () => {
    const { fake, client } = await setup();
    const [created] = await client.createUsers([{ ...newUser('4'), country: 'UK' }]);
    expect(fake.users.get(created?.id ?? 0)?.country).toBe('');
    const [user] = await client.getUsersByField('id', [created?.id ?? 0]);
    expect(user).not.toHaveProperty('country');
  });

  it('finds users with getUsers by criteria and matches email with LIKE wildcards', async () => {
    const { client } = await setup();
    await client.createUsers([newUser('5'), newUser('6')]);
    const exact = await client.getUsers([{ key: 'email', value: 'JDOE5@example.com' }]);
    expect(exact.users.map((user) => user.username)).toEqual(['jdoe5']);
    expect(exact.warnings).toEqual([]);
    const wildcard = await client.getUsers([{ key: 'email', value: 'jdoe%' }]);
    expect(wildcard.users.map((user) => user.username)).toEqual(['jdoe5', 'jdoe6']);
  });

  it('updates suspension and auth, sending booleans as 1/0', async () => {
    const { fake, client } = await setup();
    const [created] = await client.createUsers([newUser('7')]);
    const id = created?.id ?? 0;

    expect(await client.updateUsers([{ id, suspended: true, auth: 'nologin', firstname: 'Johnny' }])).toEqual(
      {
        warnings: [],
      },
    );
    expect(fake.requests.at(-1)?.params).toEqual({
      users: { '0': { id: String(id), suspended: '1', auth: 'nologin', firstname: 'Johnny' } },
    });
    expect((await client.getUsersByField('id', [id]))[0]).toMatchObject({
      suspended: true,
      auth: 'nologin',
      fullname: 'Johnny Doe',
    });

    await client.updateUsers([{ id, suspended: false }]);
    expect((await client.getUsersByField('id', [id]))[0]?.suspended).toBe(false);
  });

  it('returns per-user problems of an update as warnings, which become MoodleWarningErrors', async () => {
    const { client } = await setup();
    const [created] = await client.createUsers([newUser('8')]);
    const id = created?.id ?? 0;

    const { warnings } = await client.updateUsers([
      { id: 999999, firstname: 'X' },
      { id, email: 'ADMIN@example.com' },
    ]);
    expect(warnings).toEqual([
      { item: 'user', itemid: 999999, warningcode: 'invaliduserid', message: 'Invalid user ID' },
      { item: 'user', itemid: id, warningcode: 'useremailduplicate', message: 'Duplicate address' },
    ]);

    const error = new MoodleWarningError({
      wsfunction: 'core_user_update_users',
      warning: warnings[1] ?? { warningcode: '', message: '' },
    });
    expect(error.code).toBe('moodle.useremailduplicate');
    expect(error.retryable).toBe(false);
    expect(shouldRetry(error)).toBe(false);
    expect(error.message).toBe(
      `Moodle did not apply core_user_update_users for user ${id}: useremailduplicate: Duplicate address`,
    );
  });

  it('deletes users (Moodle answers null); the deleted user is still found by id, anonymised, but not by getUsers', async () => {
    const { client } = await setup();
    const [created] = await client.createUsers([{ ...newUser('9'), idnumber: 'EXT-9' }]);
    const id = created?.id ?? 0;

    await expect(client.deleteUsers([id])).resolves.toBeUndefined();

    const [deleted] = await client.getUsersByField('id', [id]);
    expect(deleted?.username).toMatch(/^jdoe9@example\.com\.\d{10}$/);
    // md5 of the old username, not of the email (#66: md5("jdoer1795898842") = e393bfdb…).
    expect(deleted?.email).toBe(createHash('md5').update('jdoe9').digest('hex'));
    expect(deleted).not.toHaveProperty('idnumber');
    expect(await client.getUsersByField('username', ['jdoe9'])).toEqual([]);
    expect(await client.getUsers([{ key: 'id', value: String(id) }])).toEqual({ users: [], warnings: [] });

    const { warnings } = await client.updateUsers([{ id, firstname: 'Zombie' }]);
    expect(warnings[0]?.warningcode).toBe('usernotupdateddeleted');

    // The username and email are free again (#72).
    const [again] = await client.createUsers([newUser('9')]);
    expect(again?.id).toBeGreaterThan(id);
  });

  it('fails deleting a missing or already deleted user with a permanent invalidrecordunknown', async () => {
    const { client } = await setup();
    const [created] = await client.createUsers([newUser('10')]);
    await client.deleteUsers([created?.id ?? 0]);

    for (const id of [created?.id ?? 0, 999999]) {
      const error = await failure(client.deleteUsers([id]));
      expect(error).toBeInstanceOf(MoodleException);
      expect((error as MoodleException).errorcode).toBe('invalidrecordunknown');
      expect((error as MoodleException).retryable).toBe(false);
      expect(error.message).toBe(
        "Moodle rejected core_user_delete_users: invalidrecordunknown: Can't find data record in database.",
      );
    }
  });
});

describe('Moodle client: exceptions', () => {
  it('maps invalidparameter to a permanent MoodleException with a readable message', async () => {
    const { client } = await setup();
    const error = await failure(client.getUsersByField('username', ['JDOE']));
    expect(error).toBeInstanceOf(MoodleException);
    const exception = error as MoodleException;
    expect(exception).toMatchObject({
      code: 'moodle.invalidparameter',
      exception: 'core\\exception\\invalid_parameter_exception',
      errorcode: 'invalidparameter',
      moodleMessage: 'Invalid parameter value detected',
      debuginfo: undefined,
      retryable: false,
      wsfunction: 'core_user_get_users_by_field',
    });
    expect(shouldRetry(error)).toBe(false);
    expect(error.message).toBe(
      'Moodle rejected core_user_get_users_by_field: invalidparameter: Invalid parameter value detected',
    );
  });

  it('appends debuginfo to the message when the site has debugging on', async () => {
    const { client } = await setup({ debug: true });
    const error = await failure(client.getUsersByField('username', ['JDOE']));
    expect(error.message).toBe(
      'Moodle rejected core_user_get_users_by_field: invalidparameter: Invalid parameter value detected ' +
        "(The field 'username' value is invalid: JDOE(cleaned value: jdoe))",
    );
    expect((error as MoodleException).debuginfo).toBe(
      "The field 'username' value is invalid: JDOE(cleaned value: jdoe)",
    );
  });

  it('maps a wrong token to a permanent invalidtoken', async () => {
    const fake = await startFakeMoodle({ token: TOKEN });
    fakes.push(fake);
    const client = createMoodleClient({ url: fake.url, token: 'wrong-token-123' });
    const error = await failure(client.getSiteInfo());
    expect(error).toBeInstanceOf(MoodleException);
    expect((error as MoodleException).code).toBe('moodle.invalidtoken');
    expect((error as MoodleException).retryable).toBe(false);
    expect(error.message).toBe(
      'Moodle rejected core_webservice_get_site_info: invalidtoken: Invalid token - token not found',
    );
  });

  it('maps a function missing from the service to a permanent accessexception', async () => {
    const { client } = await setup({ allowedFunctions: ['core_webservice_get_site_info'] });
    const error = await failure(client.deleteUsers([5]));
    expect((error as MoodleException).errorcode).toBe('accessexception');
    expect((error as MoodleException).retryable).toBe(false);
    expect(error.message).toBe(
      'Moodle rejected core_user_delete_users: accessexception: Access control exception',
    );
  });

  it('flattens the password policy HTML that Moodle puts in errorcode', async () => {
    const { client } = await setup();
    const error = await failure(client.createUsers([{ ...newUser('11'), password: 'abc' }]));
    expect(error).toBeInstanceOf(MoodleException);
    expect((error as MoodleException).code).toBe('moodle.exception');
    expect((error as MoodleException).retryable).toBe(false);
    expect(error.message).toBe(
      'Moodle rejected core_user_create_users: Passwords must be at least 8 characters long. ' +
        'Passwords must have at least 1 digit(s). Passwords must have at least 1 upper case letter(s). ' +
        'The password must have at least 1 special character(s) such as *, -, or #.',
    );
  });

  it('decides retries from the errorcode: configuration and data are permanent, an unavailable site is not', () => {
    for (const code of [
      'invalidtoken',
      'accessexception',
      'invalidparameter',
      'invalidrecord',
      'invalidrecordunknown',
      'invaliduser',
      'codingerror',
      'somethingnew',
    ]) {
      expect(shouldRetryMoodleException(code), code).toBe(false);
    }
    for (const code of [
      'dbconnectionfailed',
      'servicenotavailable',
      'sitemaintenance',
      'dmlwriteexception',
    ]) {
      expect(shouldRetryMoodleException(code), code).toBe(true);
    }
    const transient = new MoodleException({
      wsfunction: 'core_user_create_users',
      exception: 'moodle_exception',
      errorcode: 'sitemaintenance',
      message: 'Site is in maintenance',
    });
    expect(shouldRetry(transient)).toBe(true);
  });

  it('never puts the token in an error message, even when Moodle echoes it', async () => {
    const errors: Error[] = [];
    const { fake, client } = await setup({ debug: true }, { timeoutMs: 150 });
    for (const mode of ['network', 'html503', 'http500', 'timeout'] as const) {
      fake.failNext(1, mode);
      errors.push(await failure(client.getSiteInfo()));
    }
    errors.push(await failure(client.getUsersByField('username', ['UPPER'])));
    errors.push(await failure(client.deleteUsers([424242])));
    errors.push(await failure(createMoodleClient({ url: fake.url, token: `${TOKEN}x` }).getSiteInfo()));
    errors.push(await failure(createMoodleClient({ url: 'http://127.0.0.1:1', token: TOKEN }).getSiteInfo()));
    const echoing = createMoodleClient({
      url: fake.url,
      token: TOKEN,
      transport: async () =>
        new Response(
          JSON.stringify({
            exception: 'dml_read_exception',
            errorcode: 'dmlreadexception',
            message: 'Error reading from database',
            debuginfo: `SELECT * FROM {external_tokens} WHERE token = '${TOKEN}'`,
          }),
        ),
    });
    const echoed = await failure(echoing.getSiteInfo());
    errors.push(echoed);
    expect((echoed as MoodleException).debuginfo).toContain('[redacted]');

    expect(errors).toHaveLength(9);
    for (const error of errors) {
      expect(error).toBeInstanceOf(MoodleError);
      expect(error.message).not.toContain(TOKEN);
      expect(error.stack ?? '').not.toContain(TOKEN);
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(TOKEN);
    }
  });
});

describe('fake Moodle rejects what real Moodle rejects', () => {
  it('rejects an uppercase username on create and creates nothing', async () => {
    const { fake, client } = await setup({ debug: true });
    const before = fake.users.size;
    const error = await failure(client.createUsers([{ ...newUser('12'), username: 'JDoe12' }]));
    expect((error as MoodleException).errorcode).toBe('invalidparameter');
    expect((error as MoodleException).debuginfo).toBe(
      'users => Invalid parameter value detected: username => Invalid parameter value detected: ' +
        'Invalid external api parameter: the value is "JDoe12", the server was expecting "username" type',
    );
    expect(fake.users.size).toBe(before);
  });

  it('rejects suspended on create (create, then update)', async () => {
    const { client } = await setup({ debug: true });
    const error = await failure(
      client.call('core_user_create_users', { users: [{ ...newUser('13'), suspended: true }] }),
    );
    expect((error as MoodleException).debuginfo).toBe(
      'users => Invalid parameter value detected: Unexpected keys (suspended) detected in parameter array.',
    );
  });

  it('fails the whole batch when one user is bad, creating none of them', async () => {
    const { fake, client } = await setup({ debug: true });
    await client.createUsers([newUser('14')]);
    const error = await failure(
      client.createUsers([newUser('15'), { ...newUser('16'), username: 'jdoe14' }]),
    );
    expect((error as MoodleException).debuginfo).toBe('Username already exists: jdoe14');
    expect(await client.getUsersByField('username', ['jdoe15'])).toEqual([]);
    expect([...fake.users.values()].map((user) => user.username)).not.toContain('jdoe15');
  });

  it('rejects a duplicate email regardless of case, and a malformed one', async () => {
    const { client } = await setup({ debug: true });
    await client.createUsers([newUser('17')]);
    const duplicate = await failure(client.createUsers([{ ...newUser('18'), email: 'JDOE17@EXAMPLE.COM' }]));
    expect((duplicate as MoodleException).debuginfo).toBe('Email address already exists: JDOE17@EXAMPLE.COM');
    const malformed = await failure(client.createUsers([{ ...newUser('19'), email: 'not-an-email' }]));
    expect((malformed as MoodleException).debuginfo).toBe('Email address is invalid: not-an-email');
  });

  it('rejects a blank firstname, a missing password and an unknown auth plugin', async () => {
    const { client } = await setup({ debug: true });
    const cases: [Parameters<MoodleClient['createUsers']>[0][number], string][] = [
      [{ ...newUser('20'), firstname: ' ' }, 'The field firstname cannot be blank'],
      [
        { username: 'jdoe21', firstname: 'A', lastname: 'B', email: 'jdoe21@example.com' },
        'Invalid password: you must provide a password, or set createpassword.',
      ],
      [
        { ...newUser('22'), auth: 'saml2' },
        'users => Invalid parameter value detected: auth => Invalid parameter value detected: ' +
          'Invalid external api parameter: the value is "saml2", the server was expecting "auth" type',
      ],
    ];
    for (const [user, debuginfo] of cases) {
      const error = await failure(client.createUsers([user]));
      expect((error as MoodleException).debuginfo).toBe(debuginfo);
    }
  });

  it('rejects true/false for a boolean and an uppercase username on update as a whole-call exception', async () => {
    const { client } = await setup();
    for (const change of [{ suspended: 'true' }, { suspended: 'false' }, { username: 'Renamed' }]) {
      const error = await failure(client.call('core_user_update_users', { users: [{ id: 2, ...change }] }));
      expect((error as MoodleException).errorcode).toBe('invalidparameter');
    }
  });

  it('returns ALL users plus a warning for an unsupported getUsers key', async () => {
    const { client } = await setup();
    const result = await client.call<{ users: { id: number }[]; warnings: unknown[] }>(
      'core_user_get_users',
      {
        criteria: [{ key: 'bogus', value: 'x' }],
      },
    );
    expect(result.users.map((user) => user.id)).toEqual([1, 2]);
    expect(result.warnings).toEqual([
      {
        item: 'bogus',
        warningcode: 'invalidfieldparameter',
        message: "The search key 'bogus' is not supported, look at the web service documentation",
      },
    ]);
  });

  it('names the users table in a missing-record error only with debugging on', async () => {
    const { client } = await setup({ debug: true });
    const error = await failure(client.deleteUsers([999999]));
    expect(error).toMatchObject({
      errorcode: 'invaliduser',
      moodleMessage: 'Invalid user',
      debuginfo: 'SELECT * FROM {user} WHERE id = ? AND deleted = ?\n[array (\n  0 => 999999,\n  1 => 0,\n)]',
    });
  });
});

/** One recorded exchange: the curl request and the verbatim answer. */
interface Exchange {
  title: string;
  url: string;
  method: string;
  contentType: string;
  data: string | undefined;
  status: number;
  responseType: string;
  body: string;
}

function readTranscripts(file: string): Map<number, Exchange> {
  const text = readFileSync(new URL(`../fixtures/moodle/${file}`, import.meta.url), 'utf8');
  const exchanges = new Map<number, Exchange>();
  const pattern = /^#### (\d+)\. (.*)\n\n```\n([\s\S]*?)\n```/gm;
  for (const match of text.matchAll(pattern)) {
    const [, number, title, block] = match as unknown as [string, string, string, string];
    const lines = block.split('\n');
    const curl = lines[0] ?? '';
    const blank = lines.indexOf('', 1);
    const headers = lines.slice(2, blank);
    exchanges.set(Number(number), {
      title,
      url: /'(http[^']+)'/.exec(curl)?.[1] ?? '',
      method: curl.includes('-X POST') || curl.includes('--data') ? 'POST' : 'GET',
      contentType: /-H 'Content-Type: ([^']+)'/.exec(curl)?.[1] ?? 'application/x-www-form-urlencoded',
      data: /--data '([^']*)'/.exec(curl)?.[1],
      status: Number(/^HTTP\/1\.1 (\d+)/.exec(lines[1] ?? '')?.[1]),
      responseType:
        headers.find((header) => /^content-type:/i.test(header))?.replace(/^content-type: /i, '') ?? '',
      body: lines.slice(blank + 1).join('\n'),
    });
  }
  return exchanges;
}

/** Exchanges replayed byte for byte (the site URL aside): those whose answer has no fresh ids or timestamps. */
const REPLAYED = {
  'transcripts-debug-off.md': {
    debug: false,
    numbers: [
      4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
      32, 33, 35, 36, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 66, 67, 68, 69, 70,
      71,
    ],
  },
  'transcripts-debug-on.md': {
    debug: true,
    numbers: [
      2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
      31, 32, 35, 37,
    ],
  },
} as const;

/** User 29 of the debug-off recording as created in #6, then as changed by #16, #18 and deleted by #65. */
const JOHN: Partial<FakeMoodleUser> = {
  id: 29,
  username: 'jdoer1795898842',
  firstname: 'John',
  lastname: 'Doe',
  email: 'jdoer1795898842@example.com',
  idnumber: 'EXT-r1795898842',
  city: 'Muscat',
  country: 'OM',
};
const JOHNNY: Partial<FakeMoodleUser> = {
  ...JOHN,
  firstname: 'Johnny',
  email: 'jdoer1795898842.new@example.com',
};
const JOHNNY_DELETED: Partial<FakeMoodleUser> = {
  ...JOHNNY,
  username: 'jdoer1795898842.new@example.com.1795898882',
  email: 'e393bfdb666624d7576a85f7acfbd427',
  idnumber: '',
  deleted: true,
};
const DEBUG_ON_USER: Partial<FakeMoodleUser> = {
  id: 34,
  username: 'jdoed1795898842',
  email: 'jdoed1795898842.new@example.com',
};

/** The state the recording had before an exchange, where it matters. */
const BEFORE = new Map<string, Partial<FakeMoodleUser>>([
  ...[7, 8, 9, 10, 12, 13, 15, 16, 26, 39, 40].map((n) => [`transcripts-debug-off.md#${n}`, JOHN] as const),
  ...[18, 20, 24, 35].map((n) => [`transcripts-debug-off.md#${n}`, JOHNNY] as const),
  ['transcripts-debug-off.md#17', { ...JOHNNY, suspended: true }],
  ['transcripts-debug-off.md#19', { ...JOHNNY, auth: 'nologin' }],
  ...[66, 67, 68, 69, 70].map((n) => [`transcripts-debug-off.md#${n}`, JOHNNY_DELETED] as const),
  ...[5, 7, 15, 18].map((n) => [`transcripts-debug-on.md#${n}`, DEBUG_ON_USER] as const),
  ['transcripts-debug-on.md#35', { ...DEBUG_ON_USER, username: 'x.1795898882', deleted: true }],
]);

/** The recorded admin has login preferences the fake does not keep: compare those answers without them. */
const WITHOUT_PREFERENCES = new Set(['transcripts-debug-off.md#15']);

describe('fake Moodle replays the recorded transcripts', () => {
  for (const [file, { debug, numbers }] of Object.entries(REPLAYED)) {
    const exchanges = readTranscripts(file);
    it(`has parsed the ${file} exchanges it replays`, () => {
      for (const number of numbers) expect(exchanges.get(number)?.url, `#${number}`).toMatch(/^http/);
    });
    for (const number of numbers) {
      const exchange = exchanges.get(number);
      it(`${file} #${number}: ${exchange?.title ?? '?'}`, async () => {
        if (!exchange) throw new Error(`missing exchange #${number}`);
        const fake = await startFakeMoodle({ token: 'WSTOKEN', debug });
        fakes.push(fake);
        const before = BEFORE.get(`${file}#${number}`);
        if (before) fake.addUser(before);
        const url = exchange.url.replace('http://127.0.0.1:8081', fake.url);
        const response = await fetch(url, {
          method: exchange.method,
          ...(exchange.data === undefined
            ? {}
            : { body: exchange.data, headers: { 'content-type': exchange.contentType } }),
        });
        expect(response.status).toBe(exchange.status);
        expect(response.headers.get('content-type')).toBe(exchange.responseType);
        const expected = exchange.body
          .trim()
          .replaceAll('http:\\/\\/127.0.0.1:8081', fake.url.replaceAll('/', '\\/'));
        const actual = (await response.text()).trim();
        if (WITHOUT_PREFERENCES.has(`${file}#${number}`)) {
          const { users, warnings } = JSON.parse(expected) as {
            users: Record<string, unknown>[];
            warnings: unknown;
          };
          expect(JSON.parse(actual)).toEqual({
            users: users.map(({ preferences: _p, ...user }) => user),
            warnings,
          });
        } else {
          expect(actual).toBe(expected);
        }
      });
    }
  }
});
