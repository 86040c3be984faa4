import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeEach(async () => {
  service = await startTestService({}, { threads: false });
});
afterEach(async () => {
  await service.cleanup();
});

/** The `err` of the service's "unhandled error" log line: what the 500 body must not repeat. */
function loggedUnhandledError(logs: string): { message: string; stack: string } {
  const line = logs
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { msg?: string; err?: { message: string; stack: string } })
    .find((l) => l.msg === 'unhandled error');
  if (!line?.err) throw new Error('the service logged no unhandled error');
  return line.err;
}

describe('the error handler', () => {
  it('answers an unexpected error with a generic 500 that carries neither its message nor its stack', async () => {
    await service.worker.stop();
    // A query on a closed database throws an error that is no AppError: the handler's last branch.
    await service.database.db.destroy();
    const response = await service.app.inject({
      method: 'GET',
      url: '/api/v1/students?q=x',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });

    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: 'internal_error',
      message: 'An unexpected error occurred; it has been logged.',
    });
    const err = loggedUnhandledError(service.logs());
    expect(err.message.length).toBeGreaterThan(0);
    expect(response.body).not.toContain(err.message);
    const firstFrame = err.stack.split('\n')[1]?.trim() ?? '';
    expect(firstFrame).toMatch(/^at /);
    expect(response.body).not.toContain(firstFrame);
    expect(response.body).not.toMatch(/\bat .+:\d+:\d+/);
  });
});
