import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendRequest, type ZohoTransport } from '../../src/http-client/send-request.js';
import {
  createZohoClient,
  type ZohoClient,
  type ZohoClientOptions,
} from '../../src/zoho/create-zoho-client.js';
import { ZohoError } from '../../src/zoho/zoho-errors.js';
import { creditsSpent, usageLast24h, type ZohoCallReport } from '../../src/zoho/zoho-usage.js';
import { type FakeZoho, startFakeZoho } from '../helpers/fake-zoho.js';
import { migratedDatabasePerTest } from '../helpers/test-database.js';
import { zohoFailureOf } from '../helpers/zoho-failure.js';

const MODULE = 'BTEC_Students';
const GRADES = 'BTEC_Grades';
const database = migratedDatabasePerTest();
let fake: FakeZoho;

beforeEach(async () => {
  fake = await startFakeZoho({ apiHostname: 'localhost' });
});
afterEach(async () => {
  await fake.close();
});

function client(options: Partial<ZohoClientOptions> = {}): ZohoClient {
  return createZohoClient({
    db: database().db,
    credentials: async () => fake.credentials,
    retry: { baseDelayMs: 1, maxDelayMs: 50 },
    ...options,
  });
}

describe('Zoho records', () => {
  it('reads a record from the api_domain of the token, and a deleted one as undefined', async () => {
    const [student, gone] = fake.state.seed(MODULE, [{ Name: 'Ada' }, { Name: 'Gone' }]);
    fake.state.remove(MODULE, gone?.id as string);
    const urls: string[] = [];
    const recording: ZohoTransport = (url, init) => {
      urls.push(url);
      return sendRequest(url, init);
    };
    const zoho = client({ transport: recording });

    expect(await zoho.getRecord(MODULE, student?.id as string)).toMatchObject({
      id: student?.id,
      Name: 'Ada',
    });
    expect(await zoho.getRecord(MODULE, gone?.id as string)).toBeUndefined();
    expect(await zoho.getRecord(MODULE, '1')).toBeUndefined();
    expect(urls[0]).toBe(`${fake.accountsUrl}/oauth/v2/token`);
    expect(urls.slice(1).every((url) => url.startsWith(`${fake.apiDomain}/crm/v8/${MODULE}/`))).toBe(true);
    expect(fake.apiDomain).toContain('localhost');
  });

  it('writes with "trigger": [], so no workflow runs, and returns each record\'s outcome', async () => {
    const [a, b] = fake.state.seed(MODULE, 2);
    fake.state.now = () => Date.parse('2030-01-01T00:00:00Z');
    const results = await client().updateRecords(MODULE, [
      { id: a?.id as string, Moodle_User_ID: '42' },
      { id: '999', Moodle_User_ID: '43' },
      { id: b?.id as string, Modified_Time: 'now' },
    ]);
    expect(results).toEqual([
      { ok: true, id: a?.id, modifiedTime: '2030-01-01T00:00:00+00:00' },
      {
        ok: false,
        id: '999',
        code: 'INVALID_DATA',
        message: 'the id given seems to be invalid',
        details: { id: '999' },
      },
      expect.objectContaining({ ok: false, id: b?.id, code: 'INVALID_DATA' }),
    ]);
    expect(fake.state.modules.get(MODULE)?.get(a?.id as string)).toMatchObject({
      Moodle_User_ID: '42',
      Modified_Time: '2030-01-01T00:00:00+00:00',
    });
    expect(fake.state.counts.workflowRuns[MODULE] ?? 0).toBe(0);
  });

  it('pages through more than 2,000 changed records with page_token, oldest change first', async () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    let tick = 0;
    fake.state.now = () => start + tick++ * 1000;
    fake.state.seed(MODULE, 2_345, (i) => ({ Name: `Student ${i}` }));
    const zoho = client({ now: Date.now });
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await zoho.listRecords(MODULE, { fields: ['Name', 'Modified_Time'], pageToken });
      seen.push(...page.records.map((record) => String(record.Modified_Time)));
      pageToken = page.nextPageToken;
      pages += 1;
      expect(page.more).toBe(pageToken !== undefined);
    } while (pageToken);
    expect(pages).toBe(12);
    expect(seen).toHaveLength(2_345);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(2_345);
  });

  it('lists only what changed since a time, and nothing (304) when nothing did', async () => {
    fake.state.now = () => Date.parse('2026-03-01T10:00:00Z');
    const [old] = fake.state.seed(MODULE, 1);
    fake.state.now = () => Date.parse('2026-03-02T10:00:00Z');
    const [recent] = fake.state.seed(MODULE, 1);
    const zoho = client();
    const changed = await zoho.listRecords(MODULE, {
      fields: ['Name'],
      modifiedSince: '2026-03-01T12:00:00.000Z',
    });
    expect(changed.records.map((record) => record.id)).toEqual([recent?.id]);
    expect(old?.id).not.toBe(recent?.id);
    const none = await zoho.listRecords(MODULE, { fields: ['Name'], modifiedSince: '2026-03-03T00:00:00Z' });
    expect(none).toEqual({ records: [], more: false, nextPageToken: undefined });
  });

  it('lists deleted records, page by page and since a time', async () => {
    const records = fake.state.seed(MODULE, 205);
    fake.state.now = () => Date.parse('2026-04-01T00:00:00Z');
    for (const record of records.slice(0, 203)) fake.state.remove(MODULE, record.id);
    fake.state.now = () => Date.parse('2026-04-02T00:00:00Z');
    fake.state.remove(MODULE, records[203]?.id as string, 'permanent');
    const zoho = client();
    const first = await zoho.listDeletedRecords(MODULE, {});
    const second = await zoho.listDeletedRecords(MODULE, { page: 2 });
    expect(first.records).toHaveLength(200);
    expect(first.more).toBe(true);
    expect(second.records).toHaveLength(4);
    expect(second.more).toBe(false);
    expect(first.records[0]).toEqual({
      id: records[203]?.id,
      deletedTime: '2026-04-02T00:00:00+00:00',
      type: 'permanent',
    });
    const recent = await zoho.listDeletedRecords(MODULE, { deletedSince: '2026-04-01T12:00:00Z' });
    expect(recent.records.map((record) => record.id)).toEqual([records[203]?.id]);
    expect(await zoho.listDeletedRecords(MODULE, { deletedSince: '2026-05-01T00:00:00Z' })).toEqual({
      records: [],
      more: false,
    });
  });
});

describe('Zoho upserts and deletes', () => {
  beforeEach(() => {
    fake.state.seed(GRADES, []);
    fake.state.uniqueFields[GRADES] = ['Grade_Key'];
  });

  it('inserts a record for a new key and updates the same record for it next time, with no workflow', async () => {
    const zoho = client();
    fake.state.now = () => Date.parse('2030-01-01T00:00:00Z');
    const [inserted] = await zoho.upsertRecords(
      GRADES,
      [{ Name: 'Ada U1', Grade_Key: 'k1', Grade: 'P' }],
      ['Grade_Key'],
    );
    expect(inserted).toEqual({
      ok: true,
      id: expect.stringMatching(/^\d{19}$/),
      action: 'insert',
      duplicateField: 'Grade_Key',
      modifiedTime: '2030-01-01T00:00:00+00:00',
    });
    const id = inserted?.ok ? inserted.id : '';
    fake.state.now = () => Date.parse('2030-01-01T00:30:00Z');
    expect(await zoho.upsertRecords(GRADES, [{ Grade_Key: 'k1', Grade: 'D' }], ['Grade_Key'])).toEqual([
      {
        ok: true,
        id,
        action: 'update',
        duplicateField: 'Grade_Key',
        modifiedTime: '2030-01-01T00:30:00+00:00',
      },
    ]);
    expect(await zoho.getRecord(GRADES, id)).toMatchObject({
      Name: 'Ada U1',
      Grade: 'D',
      Created_Time: '2030-01-01T00:00:00+00:00',
    });
    const page = await zoho.listRecords(GRADES, { fields: ['Grade_Key', 'Grade'] });
    expect(page.records).toEqual([{ id, Grade_Key: 'k1', Grade: 'D' }]);
    expect(fake.state.counts.calls['POST /crm/v8/{module}/upsert']).toBe(2);
    expect(fake.state.counts.workflowRuns[GRADES] ?? 0).toBe(0);
  });

  it('answers a bad record of a batch on its own and writes the others', async () => {
    const results = await client().upsertRecords(
      GRADES,
      [
        { Name: 'Ada U1', Grade_Key: 'k1', Grade: 'P' },
        { Name: 'Ada U2', Grade_Key: 'k2', Modified_Time: 'now' },
        { Name: 'Ada U3', Grade_Key: 'k3', Grade: 'M' },
      ],
      ['Grade_Key'],
    );
    expect(results).toEqual([
      expect.objectContaining({ ok: true, action: 'insert' }),
      {
        ok: false,
        code: 'INVALID_DATA',
        message: 'invalid data',
        details: { api_name: 'Modified_Time', json_path: '$.data[1].Modified_Time' },
      },
      expect.objectContaining({ ok: true, action: 'insert' }),
    ]);
    const keys = [...(fake.state.modules.get(GRADES)?.values() ?? [])].map((record) => record.Grade_Key);
    expect(keys).toEqual(['k1', 'k3']);
  });

  it('refuses more than 100 records or no key before calling Zoho, and a key that is not unique', async () => {
    const zoho = client();
    const many = Array.from({ length: 101 }, (_, i) => ({ Name: `G${i}`, Grade_Key: `k${i}` }));
    await expect(zoho.upsertRecords(GRADES, many, ['Grade_Key'])).rejects.toThrow(TypeError);
    await expect(zoho.upsertRecords(GRADES, many.slice(0, 1), [])).rejects.toThrow(TypeError);
    await expect(
      zoho.deleteRecords(
        GRADES,
        many.map((_, i) => String(i)),
      ),
    ).rejects.toThrow(TypeError);
    expect(fake.state.counts.calls['POST /crm/v8/{module}/upsert'] ?? 0).toBe(0);
    expect(fake.state.counts.calls['DELETE /crm/v8/{module}'] ?? 0).toBe(0);

    const failure = await zohoFailureOf(zoho.upsertRecords(GRADES, many.slice(0, 1), ['Grade']));
    expect(failure).toMatchObject({ zohoCode: 'INVALID_DATA', httpStatus: 400, retryable: false });
    expect(fake.state.modules.get(GRADES)?.size).toBe(0);
  });

  it('deletes records to the recycle bin with wf_trigger=false and answers an unknown id on its own', async () => {
    const [a, b] = fake.state.seed(GRADES, 2);
    const zoho = client();
    const results = await zoho.deleteRecords(GRADES, [
      a?.id as string,
      '4150868000005067099',
      b?.id as string,
    ]);
    expect(results).toEqual([
      { ok: true, id: a?.id },
      {
        ok: false,
        id: '4150868000005067099',
        code: 'INVALID_DATA',
        message: 'record not deleted',
        details: { id: '4150868000005067099' },
      },
      { ok: true, id: b?.id },
    ]);
    expect(await zoho.getRecord(GRADES, a?.id as string)).toBeUndefined();
    const deleted = await zoho.listDeletedRecords(GRADES, {});
    expect(deleted.records.map((record) => record.id).sort()).toEqual([a?.id, b?.id].sort());
    expect(deleted.records.every((record) => record.type === 'recycle')).toBe(true);
    expect(await zoho.deleteRecords(GRADES, ['1'])).toEqual([
      expect.objectContaining({ ok: false, id: '1', code: 'INVALID_DATA' }),
    ]);
    expect(fake.state.counts.workflowRuns[GRADES] ?? 0).toBe(0);
  });
});

describe('the shared access token', () => {
  it('is minted once for 1,000 concurrent calls', async () => {
    const [student] = fake.state.seed(MODULE, 1);
    const zoho = client();
    const answers = await Promise.all(
      Array.from({ length: 1_000 }, () => zoho.getRecord(MODULE, student?.id as string)),
    );
    expect(answers.every((answer) => answer?.id === student?.id)).toBe(true);
    expect(fake.state.counts.tokenRequests).toBe(1);
    expect(fake.state.counts.calls['GET /crm/v8/{module}/{id}']).toBe(1_000);
  });

  it("keeps the calls in flight within Zoho's concurrency limit", async () => {
    const [student] = fake.state.seed(MODULE, 1);
    fake.state.concurrencyLimit = 5;
    fake.state.latencyMs = 20;
    const read = (zoho: ZohoClient) =>
      Promise.all(Array.from({ length: 200 }, () => zoho.getRecord(MODULE, student?.id as string)));
    await read(client());
    expect(fake.state.counts.concurrencyRefusals).toBe(0);
    await read(client({ maxConcurrency: 50, retry: { attempts: 1 } })).catch(() => undefined);
    expect(fake.state.counts.concurrencyRefusals).toBeGreaterThan(0);
  });

  it('is shared by two clients with their own state on one database', async () => {
    const [student] = fake.state.seed(MODULE, 1);
    const first = client();
    const second = client();
    await Promise.all([
      ...Array.from({ length: 50 }, () => first.getRecord(MODULE, student?.id as string)),
      ...Array.from({ length: 50 }, () => second.getRecord(MODULE, student?.id as string)),
    ]);
    expect(fake.state.counts.tokenRequests).toBe(1);
  });

  it('is renewed a few minutes before it expires, not on every call', async () => {
    let now = Date.parse('2026-06-01T08:00:00Z');
    fake.state.now = () => now;
    const [student] = fake.state.seed(MODULE, 1);
    const zoho = client({ now: () => now });
    await zoho.getRecord(MODULE, student?.id as string);
    now += 50 * 60_000;
    await zoho.getRecord(MODULE, student?.id as string);
    expect(fake.state.counts.tokenRequests).toBe(1);
    now += 6 * 60_000;
    await zoho.getRecord(MODULE, student?.id as string);
    expect(fake.state.counts.tokenRequests).toBe(2);
    const status = await zoho.status();
    expect(status).toMatchObject({
      connected: true,
      apiDomain: fake.apiDomain,
      scopes: ['ZohoCRM.modules.ALL', 'ZohoCRM.settings.automation_actions.READ'],
      tokenExpiresAt: new Date(now + 3600_000).toISOString(),
      tokenMintsLast10Minutes: 1,
      lastTokenRequest: { at: new Date(now).toISOString(), outcome: 'ok' },
    });
  });

  it('is renewed once and the call sent again once when Zoho answers INVALID_TOKEN', async () => {
    const [student] = fake.state.seed(MODULE, 1);
    const zoho = client();
    await zoho.getRecord(MODULE, student?.id as string);
    fake.state.expireAccessTokens();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => zoho.getRecord(MODULE, student?.id as string)),
    );
    expect(answers.every((answer) => answer?.id === student?.id)).toBe(true);
    expect(fake.state.counts.tokenRequests).toBe(2);
    expect(fake.state.counts.calls['GET /crm/v8/{module}/{id}']).toBe(41);
  });

  it('is renewed only once for a call whose fresh token is refused again', async () => {
    const refusing: ZohoTransport = (url, init) =>
      sendRequest(
        url,
        url.includes('/crm/')
          ? { ...init, headers: { ...init.headers, authorization: 'Zoho-oauthtoken x' } }
          : init,
      );
    const failure = await zohoFailureOf(client({ transport: refusing }).getRecord(MODULE, '1'));
    expect(failure).toMatchObject({ code: 'zoho.invalid_token', httpStatus: 401, retryable: true });
    expect(fake.state.counts.tokenRequests).toBe(2);
    expect(fake.state.counts.calls['GET /crm/v8/{module}/{id}']).toBe(2);
  });

  it('is never asked for more than 10 times in 10 minutes, whatever invalidates it', async () => {
    const [student] = fake.state.seed(MODULE, 1);
    const zoho = client();
    const failures: ZohoError[] = [];
    for (let round = 0; round < 15; round += 1) {
      fake.state.expireAccessTokens();
      try {
        await zoho.getRecord(MODULE, student?.id as string);
      } catch (error) {
        if (!(error instanceof ZohoError)) throw error;
        failures.push(error);
      }
    }
    expect(fake.state.counts.tokenRequests).toBe(10);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.code).toBe('zoho.token_limit_reached');
      expect(failure.retryable).toBe(true);
      expect(failure.message).toContain("Zoho's limit");
    }
  });

  it('fails permanently, without leaking secrets, when Zoho refuses the refresh token', async () => {
    fake.state.refreshTokens.clear();
    const failure = await zohoFailureOf(client().getRecord(MODULE, '1'));
    expect(failure.code).toBe('zoho.invalid_code');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toContain('mzi zoho connect');
    expect(failure.message).not.toContain(fake.credentials.refreshToken);
    expect(failure.message).not.toContain(fake.credentials.clientSecret);
    expect((await client().status()).lastTokenRequest?.outcome).toBe('zoho.invalid_code');
  });

  it('says Zoho is not connected when there are no credentials', async () => {
    const failure = await zohoFailureOf(
      client({ credentials: async () => undefined }).getRecord(MODULE, '1'),
    );
    expect(failure.code).toBe('zoho.not_connected');
    expect(fake.state.counts.tokenRequests).toBe(0);
  });
});

describe('Zoho failures and usage', () => {
  it('waits and tries again on rate-limit answers, then gives up retryably', async () => {
    const [student] = fake.state.seed(MODULE, 1);
    const zoho = client();
    fake.state.rateLimitNext(2);
    expect(await zoho.getRecord(MODULE, student?.id as string)).toMatchObject({ id: student?.id });
    expect(fake.state.counts.calls['GET /crm/v8/{module}/{id}']).toBe(3);
    fake.state.rateLimitNext(3);
    const failure = await zohoFailureOf(zoho.getRecord(MODULE, student?.id as string));
    expect(failure).toMatchObject({
      code: 'zoho.rate_limited',
      zohoCode: 'TOO_MANY_REQUESTS',
      httpStatus: 429,
      retryable: true,
    });
  });

  it('retries a Zoho server error, and fails transiently on timeouts without leaking the token', async () => {
    const [student] = fake.state.seed(MODULE, 1);
    fake.state.failNext(1);
    expect(await client().getRecord(MODULE, student?.id as string)).toMatchObject({ id: student?.id });
    expect(fake.state.counts.calls['GET /crm/v8/{module}/{id}']).toBe(2);

    const stalling: ZohoTransport = async (url, init) => {
      if (url.endsWith('/oauth/v2/token')) return sendRequest(url, init);
      throw new DOMException(`stalled with ${init.headers.authorization}`, 'TimeoutError');
    };
    const failure = await zohoFailureOf(
      client({ transport: stalling, timeoutMs: 50 }).getRecord(MODULE, '1'),
    );
    expect(failure).toMatchObject({ code: 'zoho.timeout', retryable: true, httpStatus: undefined });
    expect(failure.message).not.toContain('Zoho-oauthtoken');
  });

  it('names the missing scope when the token lacks it', async () => {
    const limited = await startFakeZoho({ scope: 'ZohoCRM.modules.ALL' });
    try {
      const zoho = createZohoClient({ db: database().db, credentials: async () => limited.credentials });
      const failure = await zohoFailureOf(zoho.listWebhookFailures());
      expect(failure).toMatchObject({ code: 'zoho.scope_mismatch', httpStatus: 401, retryable: false });
      expect(failure.message).toContain('ZohoCRM.settings.automation_actions.READ');
    } finally {
      await limited.close();
    }
  });

  it('counts calls and credits per call type and reports each call', async () => {
    const [student] = fake.state.seed(MODULE, 1);
    const calls: ZohoCallReport[] = [];
    const zoho = client({ onCall: (call) => calls.push(call) });
    await zoho.getRecord(MODULE, student?.id as string);
    await zoho.getRecord(MODULE, student?.id as string);
    await zoho.updateRecords(MODULE, [{ id: student?.id as string, Moodle_User_ID: '7' }]);
    await zoho.listRecords(MODULE, { fields: ['Name'] });
    await zoho.upsertRecords(MODULE, [{ Name: 'Ada' }, { Name: 'Bea' }], ['Name']);
    await zoho.deleteRecords(MODULE, [student?.id as string, '1']);
    expect(calls.map((call) => [call.callType, call.outcome, call.credits])).toEqual([
      ['get_record', 'ok', 1],
      ['get_record', 'ok', 1],
      ['update_records', 'ok', 1],
      ['list_records', 'ok', 1],
      ['upsert_records', 'ok', 1],
      ['delete_records', 'ok', 1],
    ]);
    const db = database().db;
    await expect.poll(() => creditsSpent(db, Date.now() - 3600_000)).toBe(6);
    expect(await usageLast24h(db)).toEqual([
      { callType: 'get_record', calls: 2, credits: 2 },
      { callType: 'delete_records', calls: 1, credits: 1 },
      { callType: 'list_records', calls: 1, credits: 1 },
      { callType: 'update_records', calls: 1, credits: 1 },
      { callType: 'upsert_records', calls: 1, credits: 1 },
    ]);
    expect((await zoho.status()).creditsLast24h).toBe(6);
  });
});
