import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customStudentBody, postStudent } from '../helpers/deliveries.js';
import { TEST_DIALECT } from '../helpers/test-database.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeEach(async () => {
  service = await startTestService();
});
afterEach(async () => {
  await service.cleanup();
});

describe('GET /api/v1/events/health', () => {
  it('answers 200 healthy with database, worker and queue state', async () => {
    const response = await service.app.inject({ method: 'GET', url: '/api/v1/events/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'healthy',
      database: { dialect: TEST_DIALECT, status: 'ok' },
      worker: { status: 'running' },
      queue: { pending: 0, processing: 0 },
      moodle: 'disabled',
      webhook_auth: { mode: 'disabled' },
    });
  });

  it('says where the database is (path, or PostgreSQL user, host and name) only to the admin', async () => {
    const description = service.database.description;
    const location = description.replace(/^(SQLite|PostgreSQL) /, '');
    const secrets =
      TEST_DIALECT === 'sqlite'
        ? [location, service.dir]
        : [location, `${new URL(location).username}@`, new URL(location).host, new URL(location).pathname];
    const anonymous = await service.app.inject({ method: 'GET', url: '/api/v1/events/health' });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json().database).toEqual({ dialect: TEST_DIALECT, status: 'ok' });
    for (const secret of secrets) expect(anonymous.body).not.toContain(secret);

    const admin = await service.app.inject({
      method: 'GET',
      url: '/api/v1/events/health',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(admin.json().database).toEqual({ dialect: TEST_DIALECT, description, status: 'ok' });
  });

  it('answers 503 unhealthy with the reason when the database is unusable', async () => {
    await service.worker.stop();
    await service.database.db.destroy();
    const response = await service.app.inject({ method: 'GET', url: '/api/v1/events/health' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'unhealthy', database: { status: 'error' } });
    expect(response.json().reason).toContain('database');
  });

  it('answers 503 with Retry-After, not 500, when a delivery cannot be stored', async () => {
    await service.worker.stop();
    // The log writer (its own thread and connection on SQLite) and the database both go away.
    await service.appender.close();
    await service.database.db.destroy();
    const reply = await postStudent(service, customStudentBody());
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBeDefined();
    expect(reply.body).toMatchObject({ error: 'storage_unavailable' });
  });
});

describe('GET /api/v1/events/stats', () => {
  it('counts events by status, source and module, with recent events free of personal data', async () => {
    const ok = customStudentBody();
    await postStudent(service, ok);
    await postStudent(service, ok); // duplicate
    await postStudent(service, customStudentBody({ data: { Academic_Email: 'nope' } }));
    await service.worker.drain();

    const response = await service.app.inject({ method: 'GET', url: '/api/v1/events/stats' });
    expect(response.statusCode).toBe(200);
    const stats = response.json();
    expect(Object.keys(stats).sort()).toEqual([
      'by_module',
      'by_source',
      'by_status',
      'recent_events',
      'total_events',
    ]);
    expect(stats.total_events).toBe(3);
    expect(stats.by_status).toEqual({ pending: 0, processing: 0, completed: 1, failed: 1, duplicate: 1 });
    expect(stats.by_source).toEqual({ zoho: 3 });
    expect(stats.by_module).toEqual({ BTEC_Students: 3 });
    expect(stats.recent_events).toHaveLength(3);
    const text = JSON.stringify(stats);
    for (const pii of ['a01b3900c@student.example.edu', 'Lina', 'nope', '+961'])
      expect(text).not.toContain(pii);
  });

  it('answers zero counts on an empty log', async () => {
    const stats = (await service.app.inject({ method: 'GET', url: '/api/v1/events/stats' })).json();
    expect(stats.total_events).toBe(0);
    expect(stats.by_source).toEqual({});
    expect(stats.by_status.completed).toBe(0);
  });
});
