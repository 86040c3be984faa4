import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromZoho, MODULES } from '../../src/modules/index.js';
import { zohoDateTime } from '../helpers/fake-zoho/state.js';
import type { FakeZohoRecord } from '../helpers/fake-zoho.js';
import { type FakeZoho, startFakeZoho } from '../helpers/fake-zoho.js';
import { startHoldingProxy } from '../helpers/holding-proxy.js';
import { deliverRecord } from '../helpers/module-deliveries.js';
import { MZI_BIN, runMziAsync } from '../helpers/mzi-process.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

/**
 * Missed webhooks caught up by `mzi sync` against the fake Zoho, end to end: thousands of students over pages
 * past Zoho's 2,000-record limit, some mirrored through webhooks first, some changed or deleted in Zoho with
 * their webhooks dropped; then the worker brings the mirror in line.
 */
const STUDENTS = 'BTEC_Students';
const START = Date.parse('2026-12-07T06:00:00Z');
const SEEDED = 2300;

let clock = START;
let fake: FakeZoho;
let service: TestService | undefined;

function zohoEnv(fakeZoho: FakeZoho, accountsUrl = fakeZoho.accountsUrl): Record<string, string> {
  return {
    ZOHO_CLIENT_ID: fakeZoho.credentials.clientId,
    ZOHO_CLIENT_SECRET: fakeZoho.credentials.clientSecret,
    ZOHO_REFRESH_TOKEN: fakeZoho.credentials.refreshToken,
    ZOHO_DC: 'eu',
    ZOHO_ACCOUNTS_URL: accountsUrl,
    ZOHO_SYNC_INTERVAL: '0',
  };
}

/** Students changed a second apart, oldest first, as a school's Zoho holds them. */
function seedStudents(count: number): FakeZohoRecord[] {
  return fake.state.seed(
    STUDENTS,
    Array.from({ length: count }, (_, i) => ({
      Name: `Student ${i}`,
      Academic_Email: `student${i}@school.example.edu`,
      Student_ID_Number: `S-${String(i).padStart(5, '0')}`,
      Student_Status: 'Active',
      Owner: { name: 'Zoho Admin', id: '5725767000000411001' },
      Modified_Time: zohoDateTime(START + i * 1000),
    })),
  );
}

function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  if (!service) throw new Error('no service');
  return { DATABASE_URL: service.config.databaseUrl, DATA_DIR: service.dir, ...zohoEnv(fake), ...extra };
}

async function syncEvents(s: TestService) {
  return s.database.db
    .selectFrom('integration_events_log')
    .select(['record_id', 'event_type', 'status', 'dedup_key'])
    .where('source', '=', 'sync')
    .orderBy('id')
    .execute();
}

async function liveStudents(s: TestService) {
  return s.database.db
    .selectFrom('students')
    .select(['zoho_record_id', 'name', 'deleted_at', 'zoho_modified_time'])
    .execute();
}

beforeEach(async () => {
  clock = START;
  fake = await startFakeZoho({ now: () => clock });
});

afterEach(async () => {
  await service?.cleanup();
  service = undefined;
  await fake.close();
});

describe('mzi sync', () => {
  it('catches up on dropped webhooks: new, changed and deleted records, then nothing on a second sync', async () => {
    const records = seedStudents(SEEDED);
    service = await startTestService(zohoEnv(fake));
    // The first 100 arrive by webhook, as Zoho sent them.
    for (const record of records.slice(0, 100)) {
      await deliverRecord(service, 'student', {
        recordId: record.id,
        data: {
          Name: String(record.Name),
          Academic_Email: String(record.Academic_Email),
          Student_ID_Number: String(record.Student_ID_Number),
          Modified_Time: record.Modified_Time,
        },
      });
    }
    clock = START + 3600_000;
    // Changed and deleted in Zoho; their webhooks never arrive.
    for (const record of records.slice(10, 20))
      fake.state.edit(STUDENTS, record.id, { Name: `Renamed ${record.id}` });
    for (const record of records.slice(0, 5)) fake.state.remove(STUDENTS, record.id);
    fake.state.remove(STUDENTS, (records.at(-1) as FakeZohoRecord).id);

    const first = await runMziAsync(['sync', 'student'], cliEnv());
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('appended: 2,199 new, 10 changed, 5 deleted');
    // 85 mirrored and unchanged, and the deleted record no webhook ever brought.
    expect(first.stdout).toContain('unchanged: 86; already queued: 0');
    expect(first.stdout).toContain('read 2,294 records (all records) and 6 deleted records in 13 pages');
    expect(first.stdout).toContain('credits spent: 13');
    // page_token pages past 2,000 records.
    expect(fake.state.counts.calls['GET /crm/v8/{module}']).toBe(12);

    await service.worker.drain();
    const mirror = new Map((await liveStudents(service)).map((row) => [row.zoho_record_id, row]));
    expect([...mirror.values()].filter((row) => row.deleted_at === null)).toHaveLength(SEEDED - 6);
    expect(mirror.get((records[12] as FakeZohoRecord).id)?.name).toBe(`Renamed ${records[12]?.id}`);
    for (const record of records.slice(0, 5)) expect(mirror.get(record.id)?.deleted_at).not.toBeNull();
    const events = await syncEvents(service);
    expect(events).toHaveLength(2214);
    expect(events.every((event) => event.status === 'completed')).toBe(true);

    const second = await runMziAsync(['sync', 'student', '--json'], cliEnv());
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ inserted: 0, updated: 0, deleted: 0, queued: 0 });
    expect(await syncEvents(service)).toHaveLength(2214);
  });

  it('does not read again, with ZOHO_FETCH_RECORDS, a record the sync has just listed', async () => {
    seedStudents(25);
    service = await startTestService({ ...zohoEnv(fake), ZOHO_FETCH_RECORDS: 'true' });
    const run = await runMziAsync(['sync', 'student'], cliEnv({ ZOHO_FETCH_RECORDS: 'true' }));
    expect(run.code).toBe(0);
    await service.worker.drain();
    const events = await syncEvents(service);
    expect(events).toHaveLength(25);
    expect(events.every((event) => event.status === 'completed')).toBe(true);
    expect(fake.state.counts.calls['GET /crm/v8/{module}/{id}'] ?? 0).toBe(0);
    expect((await liveStudents(service)).filter((row) => row.deleted_at === null)).toHaveLength(25);
  });

  it('says what it would append on a dry run and appends nothing', async () => {
    seedStudents(30);
    service = await startTestService(zohoEnv(fake));
    const dry = await runMziAsync(['sync', 'student', '--dry-run'], cliEnv());
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would append: 30 new, 0 changed, 0 deleted');
    expect(dry.stdout).toContain('dry run: nothing was appended');
    expect(await syncEvents(service)).toHaveLength(0);
    const real = await runMziAsync(['sync', 'student'], cliEnv());
    expect(real.stdout).toContain('appended: 30 new');
  });

  it('refuses without Zoho credentials, saying how to connect', async () => {
    service = await startTestService({});
    const result = await runMziAsync(['sync', 'student'], {
      DATABASE_URL: service.config.databaseUrl,
      DATA_DIR: service.dir,
      ZOHO_CLIENT_ID: '',
      ZOHO_CLIENT_SECRET: '',
      ZOHO_REFRESH_TOKEN: '',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Zoho is not connected');
    const health = await service.app.inject({ method: 'GET', url: '/api/v1/events/health' });
    expect(health.json().zoho_sync).toMatchObject({ status: 'off' });
  });

  it('resumes after the process is killed mid-sync, losing and repeating nothing', async () => {
    // Zoho's API behind a proxy that holds the fourth page of records: three pages are committed by then.
    const proxy = await startHoldingProxy({
      matches: (req) => /^\/crm\/v8\/BTEC_Students\?/.test(req.url ?? ''),
      holdAt: 4,
    });
    await fake.close();
    fake = await startFakeZoho({ now: () => clock, apiDomain: proxy.url });
    seedStudents(1000);
    proxy.setTarget(fake.url);
    service = await startTestService(zohoEnv(fake));
    const child = spawn(process.execPath, [MZI_BIN, 'sync', 'student'], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...cliEnv() },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await proxy.held;
      child.kill('SIGKILL');
      await exited;
      expect(await syncEvents(service)).toHaveLength(600);
      proxy.release();
      const resumed = await runMziAsync(['sync', 'student', '--json'], cliEnv());
      expect(resumed.code).toBe(0);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ inserted: 400 });
      const events = await syncEvents(service);
      expect(events).toHaveLength(1000);
      expect(new Set(events.map((event) => event.record_id)).size).toBe(1000);
    } finally {
      child.kill('SIGKILL');
      await proxy.close();
    }
  });

  it("stops on Zoho's rate limit, exits 1, and the next run finishes the job", async () => {
    const proxy = await startHoldingProxy({
      matches: (req) => /^\/crm\/v8\/BTEC_Students\?/.test(req.url ?? ''),
      // From the third page on, Zoho answers 429 to every attempt the client makes.
      onMatch: (count) => {
        if (count === 3) fake.state.rateLimitNext(20);
      },
    });
    await fake.close();
    fake = await startFakeZoho({ now: () => clock, apiDomain: proxy.url });
    seedStudents(700);
    proxy.setTarget(fake.url);
    service = await startTestService(zohoEnv(fake));
    try {
      const limited = await runMziAsync(['sync', 'student'], cliEnv());
      expect(limited.code).toBe(1);
      expect(limited.stdout).toContain('stopped (rate_limited)');
      expect(await syncEvents(service)).toHaveLength(400);
      fake.state.pending.rateLimited = 0;
      const resumed = await runMziAsync(['sync', 'student', '--json'], cliEnv());
      expect(JSON.parse(resumed.stdout)).toMatchObject({ inserted: 300 });
      expect(new Set((await syncEvents(service)).map((event) => event.record_id)).size).toBe(700);
    } finally {
      await proxy.close();
    }
  });
});

describe('background sync', () => {
  it('runs in one of two processes, and reports the failed webhook deliveries Zoho lists', async () => {
    seedStudents(50);
    fake.state.webhookFailures.push({
      id: '5725767000000900001',
      webhook: { name: 'mzi student', id: '5725767000000800001' },
      entity_details: { name: 'Student 3', id: '5725767000000999003', module: { api_name: STUDENTS } },
      failed_time: zohoDateTime(START),
      failure_reason: 'Connection timed out',
    });
    // The other modules exist in Zoho, without records.
    for (const module of fromZoho(MODULES))
      if (module.zohoApiName !== STUDENTS) fake.state.seed(module.zohoApiName, []);
    const env = { ...zohoEnv(fake), ZOHO_SYNC_INTERVAL: '1h' };
    service = await startTestService(env);
    const other = await startTestService({
      ...env,
      DATABASE_URL: service.config.databaseUrl,
      DATA_DIR: service.dir,
    });
    try {
      const rounds = await Promise.all([service.zohoSync?.runOnce(), other.zohoSync?.runOnce()]);
      expect(rounds.map((round) => round?.status).sort()).toEqual(['done', 'skipped']);
      // Each module listed once: by one process only.
      expect(fake.state.counts.calls['GET /crm/v8/{module}']).toBe(fromZoho(MODULES).length);
      expect(await syncEvents(service)).toHaveLength(50);

      const admin = await other.app.inject({
        method: 'GET',
        url: '/api/v1/events/health',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      expect(admin.json().zoho_sync).toMatchObject({
        status: 'on',
        webhook_failures: {
          count: 1,
          recent: [{ webhook: 'mzi student', record_id: '5725767000000999003' }],
        },
      });
      const student = admin.json().zoho_sync.modules.find((m: { module: string }) => m.module === 'student');
      expect(student).toMatchObject({ appended: { insert: 50 }, last_error: null });
      const anyone = await other.app.inject({ method: 'GET', url: '/api/v1/events/health' });
      expect(anyone.json().zoho_sync.webhook_failures).toEqual({ count: 1, latest_at: zohoDateTime(START) });

      const metrics = await other.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      expect(metrics.body).toContain('mzi_zoho_sync_events_total{module="student",kind="insert"} 50');
      expect(metrics.body).toContain('mzi_zoho_webhook_failures 1');

      const overview = await other.app.inject({
        method: 'GET',
        url: '/admin',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      expect(overview.body).toContain('Failed webhook deliveries in Zoho');
      expect(overview.body).toContain('Connection timed out');
      expect(overview.body).toMatch(
        /<td>student<\/td><td>20\d\d-[^<]+<\/td><td class="mono">[^<]+<\/td><td>50 \/ 0 \/ 0<\/td>/,
      );
    } finally {
      await other.cleanup().catch(() => undefined);
    }
  });

  it('stops when the daily credit budget is reached, while live events go on', async () => {
    seedStudents(450);
    for (const module of fromZoho(MODULES))
      if (module.zohoApiName !== STUDENTS) fake.state.seed(module.zohoApiName, []);
    service = await startTestService({
      ...zohoEnv(fake),
      ZOHO_SYNC_INTERVAL: '1h',
      ZOHO_DAILY_CREDIT_BUDGET: '2',
    });
    // The failed-deliveries list and the first page spend the two credits: the round stops before the next page.
    const round = await service.zohoSync?.runOnce();
    expect(round?.status).toBe('budget_reached');
    expect(await syncEvents(service)).toHaveLength(200);
    const health = await service.app.inject({
      method: 'GET',
      url: '/api/v1/events/health',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(health.json().zoho_sync).toMatchObject({
      status: 'budget_reached',
      budget: { daily_credits: 2, reached: true },
    });
    const live = await deliverRecord(service, 'student', {
      recordId: '5725767000000123456',
      data: { Name: 'Live', Academic_Email: 'live@school.example.edu', Student_ID_Number: 'S-LIVE' },
    });
    expect(live.status).toBe('completed');
    const page = await service.app.inject({
      method: 'GET',
      url: '/admin',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(page.body).toContain('daily credit budget is reached');
  });
});
