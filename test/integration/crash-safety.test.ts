import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/webhooks/sign.js';
import { startMziServer, waitForIdle } from '../helpers/mzi-process.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mzi-crash-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SECRET = 'crash-secret';

describe('crash safety', () => {
  it('keeps every acknowledged delivery through kill -9 and processes it after restart, none twice', async () => {
    const env = {
      DATABASE_URL: `sqlite:${join(dir, 'mzi.sqlite')}`,
      ZOHO_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
    };
    const first = await startMziServer(env);
    const total = 2000;
    const killAfter = 600 + Math.floor(Math.random() * 600);
    const acknowledged = new Map<string, string>(); // notification_id -> event_id
    let next = 0;
    let killed = false;

    const sendOne = async (i: number) => {
      const recordId = String(5_725_767_100_000_000 + (i % 400));
      const body = JSON.stringify({
        notification_id: `crash-${i}`,
        module: 'BTEC_Students',
        operation: i < 400 ? 'insert' : 'update',
        record_id: recordId,
        data: { Academic_Email: `s${i % 400}@student.example.edu`, City: `City ${i}` },
      });
      try {
        const response = await fetch(`${first.baseUrl}/api/v1/events/zoho/student`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sign(body, SECRET) },
          body,
        });
        if (response.status === 200) {
          const reply = (await response.json()) as { event_id: string };
          acknowledged.set(`crash-${i}`, reply.event_id);
          if (!killed && acknowledged.size >= killAfter) {
            killed = true;
            first.process.kill('SIGKILL');
          }
        }
      } catch {
        // The connection died with the server: this delivery was not acknowledged.
      }
    };
    const lane = async () => {
      while (next < total && !killed) await sendOne(next++);
    };
    await Promise.all(Array.from({ length: 32 }, lane));
    await new Promise<void>((resolve) => {
      if (first.process.exitCode !== null || first.process.signalCode !== null) resolve();
      else first.process.once('exit', () => resolve());
    });
    expect(killed).toBe(true);
    expect(acknowledged.size).toBeGreaterThanOrEqual(killAfter);

    const second = await startMziServer(env);
    await waitForIdle(second.baseUrl);
    expect(await second.stop()).toBe(0);

    const sqlite = new Database(join(dir, 'mzi.sqlite'), { readonly: true });
    try {
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = sqlite
        .prepare('SELECT event_id, dedup_key, status FROM integration_events_log')
        .all() as Array<{ event_id: string; dedup_key: string; status: string }>;
      const byKey = new Map<string, typeof rows>();
      for (const row of rows) byKey.set(row.dedup_key, [...(byKey.get(row.dedup_key) ?? []), row]);
      for (const [notificationId, eventId] of acknowledged) {
        const stored = byKey.get(notificationId) ?? [];
        expect(stored, notificationId).toHaveLength(1);
        expect(stored[0]?.event_id).toBe(eventId);
        expect(['completed', 'failed']).toContain(stored[0]?.status);
      }
      const unfinished = rows.filter((row) => row.status === 'pending' || row.status === 'processing');
      expect(unfinished).toEqual([]);
    } finally {
      sqlite.close();
    }
  }, 120_000);
});
