import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customStudentBody, postStudent } from '../helpers/deliveries.js';
import { TEST_DATABASE_URL } from '../helpers/test-database.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

/**
 * Another process (a backup tool, `sqlite3` in a shell) holding SQLite's write lock: a second better-sqlite3
 * connection in a child process runs `BEGIN IMMEDIATE` and keeps it until told to roll back.
 */
async function holdWriteLock(file: string): Promise<{ release: () => Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('held\\n');
    process.stdin.once('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script, file], {
    cwd: join(import.meta.dirname, '../..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
    child.stdout?.once('data', () => resolve());
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    release: async () => {
      child.stdin?.write('release\n');
      await exited;
    },
  };
}

/** The answer, or `undefined` when none came within `ms` (the failure this test is about). */
function within<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

let service: TestService;
beforeEach(async () => {
  service = await startTestService();
});
afterEach(async () => {
  await service.cleanup();
});

describe.skipIf(TEST_DATABASE_URL !== undefined)('SQLite write lock held by another process', () => {
  it('answers every delivery with 200 or 503 + Retry-After within the bound, and loses nothing', async () => {
    const lock = await holdWriteLock(join(service.dir, 'mzi.sqlite'));
    let released = false;
    try {
      // README's promise to senders, a correctness bound: an answer within 5 s (SQLITE_BUSY_WAIT_MS is below it).
      const answerWithinMs = 5000;
      const bodies = Array.from({ length: 30 }, (_, i) =>
        customStudentBody({ data: { Student_ID_Number: `BUSY-${i}` } }),
      );
      const answers = await Promise.all(
        bodies.map((body) => within(answerWithinMs, postStudent(service, body))),
      );
      expect(answers.filter((answer) => answer === undefined).length).toBe(0);
      for (const answer of answers) {
        expect([200, 503]).toContain(answer?.status);
        if (answer?.status === 503) {
          expect(answer.body).toMatchObject({ error: 'storage_unavailable' });
          expect(typeof answer.body.message).toBe('string');
          expect(answer.headers['retry-after']).toBeDefined();
        }
      }
      // Nothing can be written while the other process holds the lock.
      expect(answers.every((answer) => answer?.status === 503)).toBe(true);

      await lock.release();
      released = true;

      // Once the lock is free, the senders' retries are stored and processed.
      const again = await Promise.all(bodies.map((body) => postStudent(service, body)));
      expect(again.map((answer) => answer.status)).toEqual(bodies.map(() => 200));
      await service.worker.drain();
      const rows = await service.database.db
        .selectFrom('integration_events_log')
        .select(['event_id', 'status'])
        .execute();
      const stored = new Map(rows.map((row) => [row.event_id, row.status]));
      for (const answer of again) expect(stored.has(answer.body.event_id as string)).toBe(true);
      expect(rows.length).toBe(bodies.length);
    } finally {
      if (!released) await lock.release();
    }
  }, 60_000);
});
