import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createZohoClient } from '../../src/zoho/create-zoho-client.js';
import { exchangeGrantCode } from '../../src/zoho/zoho-accounts.js';
import { type FakeZoho, startFakeZoho } from '../helpers/fake-zoho.js';
import { migratedDatabasePerTest } from '../helpers/test-database.js';

const MODULE = 'BTEC_Students';
const GRADES = 'BTEC_Grades';
const database = migratedDatabasePerTest();
let fake: FakeZoho;
let receiver: Server;
let received: { contentType: string | undefined; body: string }[];
let receiverUrl: string;

beforeEach(async () => {
  fake = await startFakeZoho();
  received = [];
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(req.url?.includes('fail') ? 503 : 200).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/v1/events/zoho/student`;
});
afterEach(async () => {
  await fake.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

/** An access token straight from the fake's accounts server, as any Zoho client would get one. */
async function accessToken(): Promise<string> {
  const response = await fetch(`${fake.accountsUrl}/oauth/v2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: fake.credentials.clientId,
      client_secret: fake.credentials.clientSecret,
      refresh_token: fake.credentials.refreshToken,
    }),
  });
  const answer = (await response.json()) as { access_token: string; api_domain: string; expires_in: number };
  expect(answer.api_domain).toBe(fake.apiDomain);
  expect(answer.expires_in).toBe(3600);
  return answer.access_token;
}

async function put(body: object, token: string) {
  const response = await fetch(`${fake.apiDomain}/crm/v8/${MODULE}`, {
    method: 'PUT',
    headers: { authorization: `Zoho-oauthtoken ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as { data: { code: string }[] } };
}

async function call(method: 'POST' | 'DELETE', path: string, token: string, body?: object) {
  const response = await fetch(`${fake.apiDomain}/crm/v8/${path}`, {
    method,
    headers: { authorization: `Zoho-oauthtoken ${token}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('the fake Zoho', () => {
  it('runs the workflow rule (posting to its webhook) for a write without "trigger": [] only', async () => {
    const [student] = fake.state.seed(MODULE, [{ Name: 'Ada' }]);
    fake.state.workflowWebhooks[MODULE] = receiverUrl;
    const token = await accessToken();

    const quiet = await put({ data: [{ id: student?.id, Moodle_User_ID: '1' }], trigger: [] }, token);
    expect(quiet.status).toBe(200);
    await fake.state.workflowsSettled();
    expect(received).toHaveLength(0);
    expect(fake.state.counts.workflowRuns[MODULE] ?? 0).toBe(0);

    const loud = await put({ data: [{ id: student?.id, Moodle_User_ID: '2' }] }, token);
    expect(loud.json.data[0]?.code).toBe('SUCCESS');
    await fake.state.workflowsSettled();
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]?.body ?? '{}')).toMatchObject({
      operation: 'update',
      record_id: student?.id,
      data: { Name: 'Ada', Moodle_User_ID: '2' },
    });
    expect(fake.state.counts).toMatchObject({ workflowRuns: { [MODULE]: 1 }, workflowDeliveries: 1 });

    fake.state.edit(MODULE, student?.id as string, { Name: 'Ada B' });
    fake.state.edit(MODULE, student?.id as string, { Name: 'Ada C' }, { runWorkflow: true });
    await fake.state.workflowsSettled();
    expect(received.map((delivery) => JSON.parse(delivery.body).data.Name)).toEqual(['Ada', 'Ada C']);
  });

  it('runs the workflow rule for an upsert without "trigger": [] and a delete without wf_trigger=false only', async () => {
    fake.state.seed(GRADES, []);
    fake.state.uniqueFields[GRADES] = ['Grade_Key'];
    fake.state.workflowWebhooks[GRADES] = receiverUrl;
    const token = await accessToken();
    const upsert = (data: object, extra: object = {}) =>
      call('POST', `${GRADES}/upsert`, token, {
        data: [data],
        duplicate_check_fields: ['Grade_Key'],
        ...extra,
      });

    const quiet = await upsert({ Name: 'Ada U1', Grade_Key: 'k1', Grade: 'P' }, { trigger: [] });
    expect(quiet).toMatchObject({ status: 200, json: { data: [{ action: 'insert' }] } });
    const loud = await upsert({ Grade_Key: 'k1', Grade: 'M' });
    expect(loud).toMatchObject({
      status: 200,
      json: { data: [{ code: 'SUCCESS', action: 'update', duplicate_field: 'Grade_Key' }] },
    });
    await fake.state.workflowsSettled();
    const id = (quiet.json.data as { details: { id: string } }[])[0]?.details.id;
    expect(received.map((delivery) => JSON.parse(delivery.body))).toEqual([
      expect.objectContaining({
        operation: 'update',
        record_id: id,
        data: expect.objectContaining({ Grade: 'M' }),
      }),
    ]);

    const [other] = fake.state.seed(GRADES, [{ Name: 'Other' }]);
    const silent = await call('DELETE', `${GRADES}?ids=${other?.id}&wf_trigger=false`, token);
    expect(silent.status).toBe(200);
    const echoed = await call('DELETE', `${GRADES}?ids=${id}`, token);
    expect(echoed.json).toEqual({
      data: [{ code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' }],
    });
    await fake.state.workflowsSettled();
    expect(received.slice(1).map((delivery) => JSON.parse(delivery.body))).toEqual([
      { operation: 'delete', record_id: id },
    ]);
    expect(fake.state.counts.workflowRuns[GRADES]).toBe(2);
    expect(fake.state.counts.calls).toMatchObject({
      'POST /crm/v8/{module}/upsert': 2,
      'DELETE /crm/v8/{module}': 2,
    });
  });

  it("refuses an upsert's non-unique check field, a clash in a unique field and a missing mandatory field", async () => {
    const [held] = fake.state.seed(GRADES, [{ Name: 'Held', Grade_Key: 'k1', Moodle_Grade_ID: 'g1' }]);
    fake.state.uniqueFields[GRADES] = ['Grade_Key', 'Moodle_Grade_ID'];
    const token = await accessToken();
    const notUnique = await call('POST', `${GRADES}/upsert`, token, {
      data: [{ Name: 'A', Grade: 'P' }],
      duplicate_check_fields: ['Grade_Key', 'Grade'],
      trigger: [],
    });
    expect(notUnique).toEqual({
      status: 400,
      json: {
        code: 'INVALID_DATA',
        details: { api_name: 'Grade', json_path: '$.duplicate_check_fields[1]' },
        message: 'invalid data',
        status: 'error',
      },
    });
    const refused = await call('POST', `${GRADES}/upsert`, token, {
      data: [{ Name: 'B', Grade_Key: 'k2', Moodle_Grade_ID: 'g1' }, { Grade_Key: 'k3' }],
      duplicate_check_fields: ['Grade_Key'],
      trigger: [],
    });
    expect(refused).toEqual({
      status: 400,
      json: {
        data: [
          {
            code: 'DUPLICATE_DATA',
            details: {
              api_name: 'Moodle_Grade_ID',
              json_path: '$.data[0].Moodle_Grade_ID',
              duplicate_record: { id: held?.id },
              more_records: false,
            },
            message: 'duplicate data',
            status: 'error',
          },
          {
            code: 'MANDATORY_NOT_FOUND',
            details: { api_name: 'Name', json_path: '$.data[1].Name' },
            message: 'required field not found',
            status: 'error',
          },
        ],
      },
    });
    expect(fake.state.modules.get(GRADES)?.size).toBe(1);
  });

  it('lists a workflow webhook that failed among the webhook failures', async () => {
    const [student] = fake.state.seed(MODULE, [{ Name: 'Ada' }]);
    fake.state.workflowWebhooks[MODULE] = `${receiverUrl}?fail=1`;
    await put(
      { data: [{ id: student?.id, Moodle_User_ID: '2' }], trigger: ['workflow'] },
      await accessToken(),
    );
    await fake.state.workflowsSettled();
    const zoho = createZohoClient({ db: database().db, credentials: async () => fake.credentials });
    expect(await zoho.listWebhookFailures()).toEqual([
      expect.objectContaining({ module: MODULE, recordId: student?.id, reason: 'HTTP 503' }),
    ]);
  });

  it('exchanges a Self Client grant code once for a refresh token that mints access tokens', async () => {
    const [student] = fake.state.seed(MODULE, 1);
    const code = fake.state.issueGrantCode();
    const request = { ...fake.credentials, code };
    const granted = await exchangeGrantCode(request);
    expect(granted.apiDomain).toBe(fake.apiDomain);
    await expect(exchangeGrantCode(request)).rejects.toMatchObject({ code: 'zoho.invalid_code' });
    const zoho = createZohoClient({
      db: database().db,
      credentials: async () => ({ ...fake.credentials, refreshToken: granted.refreshToken }),
    });
    expect(await zoho.getRecord(MODULE, student?.id as string)).toMatchObject({ id: student?.id });
  });

  it('stops plain page paging at 2,000 records', async () => {
    fake.state.seed(MODULE, 2_001);
    const token = await accessToken();
    const page = async (n: number) =>
      fetch(`${fake.apiDomain}/crm/v8/${MODULE}?fields=Name&per_page=200&page=${n}`, {
        headers: { authorization: `Zoho-oauthtoken ${token}` },
      });
    expect((await page(10)).status).toBe(200);
    const refused = await page(11);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
      status: 'error',
    });
  });

  it('answers an expired token with 401 INVALID_TOKEN, and refuses an 11th token in 10 minutes', async () => {
    const token = await accessToken();
    fake.state.expireAccessTokens();
    const refused = await fetch(`${fake.apiDomain}/crm/v8/${MODULE}/1`, {
      headers: { authorization: `Zoho-oauthtoken ${token}` },
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      code: 'INVALID_TOKEN',
      details: {},
      message: 'invalid oauth token',
      status: 'error',
    });
    for (let i = 0; i < 9; i += 1) await accessToken();
    const eleventh = await fetch(`${fake.accountsUrl}/oauth/v2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: fake.credentials.clientId,
        client_secret: fake.credentials.clientSecret,
        refresh_token: fake.credentials.refreshToken,
      }),
    });
    expect(eleventh.status).toBe(200);
    expect(await eleventh.json()).toMatchObject({ error: 'Access Denied', status: 'failure' });
    expect(fake.state.counts.tokenMints).toBe(10);
  });
});
