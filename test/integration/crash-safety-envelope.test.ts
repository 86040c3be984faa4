import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/webhooks/sign.js';
import { studentRecord } from '../helpers/envelopes.js';
import { killAll, type MziServer, startMziServer, waitForIdle } from '../helpers/mzi-process.js';
import {
  createTestDatabase,
  queryPostgres,
  TEST_DATABASE_URL,
  type TestDatabase,
  waitUntilProcessed,
} from '../helpers/test-database.js';

/**
 * Crash safety of envelopes (issue 18): envelopes of up to 100 records are posted from many lanes, and mzi is
 * killed with `kill -9` the moment it answers one of them. After a restart on the same database, every record
 * of every acknowledged envelope must be in the log, as the event its answer named, and end processed; an
 * envelope that was not acknowledged is in the log whole or not at all (one transaction).
 */

const SECRET = 'crash-envelope-secret';
const ENVELOPES = 150;
const LANES = 16;

let testDb: TestDatabase;
const servers: MziServer[] = [];
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  killAll(servers);
  await testDb.drop();
});

/** Envelope `i`: 10 to 100 records of a pool of 400 students, every 40th with a bad email. */
function envelope(i: number): { deliveryId: string; recordIds: string[]; body: string } {
  const size = 10 + ((i * 37) % 91);
  const records = Array.from({ length: size }, (_, k) => {
    const n = (i * 13 + k) % 400;
    return studentRecord(n, {
      City: `City ${i}`,
      ...(k % 40 === 39 ? { Academic_Email: 'not-an-email' } : {}),
    });
  });
  const deliveryId = `ce-${i}`;
  return {
    deliveryId,
    recordIds: records.map((record) => record.id as string),
    body: JSON.stringify({ operation: 'update', delivery_id: deliveryId, data: records }),
  };
}

interface Row {
  event_id: string;
  delivery_id: string | null;
  dedup_key: string | null;
  status: string;
}

describe('crash safety of envelopes', () => {
  it('keeps every record of an envelope acknowledged just before kill -9, and stores none of an envelope half', async () => {
    const env = {
      DATABASE_URL: TEST_DATABASE_URL ? testDb.url : `sqlite:${join(testDb.dir, 'mzi.sqlite')}`,
      ZOHO_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      // PostgreSQL: the events the killed worker held come back once their lease ends.
      WORKER_LEASE: '3',
      WORKER_POLL_INTERVAL_MS: '200',
    };
    const first = await startMziServer(env);
    servers.push(first);
    const killAfter = 20 + Math.floor(Math.random() * 40);
    const acknowledged = new Map<string, { recordIds: string[]; eventIds: string[] }>();
    const sent = new Map<string, string[]>();
    let next = 0;
    let killed = false;

    const sendOne = async (i: number) => {
      const { deliveryId, recordIds, body } = envelope(i);
      sent.set(deliveryId, recordIds);
      try {
        const response = await fetch(`${first.baseUrl}/api/v1/events/zoho/student`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sign(body, SECRET) },
          body,
        });
        if (response.status !== 200) return;
        const reply = (await response.json()) as { results: Array<{ event_id: string; status: string }> };
        if (killed) return; // answered after the kill was ordered: not counted as acknowledged
        acknowledged.set(deliveryId, { recordIds, eventIds: reply.results.map((r) => r.event_id) });
        if (acknowledged.size >= killAfter) {
          killed = true;
          first.process.kill('SIGKILL');
        }
      } catch {
        // The connection died with the server: this envelope was not acknowledged.
      }
    };
    const lane = async () => {
      while (next < ENVELOPES && !killed) await sendOne(next++);
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    await new Promise<void>((resolve) => {
      if (first.process.exitCode !== null || first.process.signalCode !== null) resolve();
      else first.process.once('exit', () => resolve());
    });
    expect(killed).toBe(true);
    expect(acknowledged.size).toBe(killAfter);

    const second = await startMziServer(env);
    servers.push(second);
    if (TEST_DATABASE_URL) await waitUntilProcessed(testDb.url);
    else await waitForIdle(second.baseUrl, 60_000);
    expect(await second.stop()).toBe(0);

    const rows = await readRows(env.DATABASE_URL);
    const byEventId = new Map(rows.map((row) => [row.event_id, row]));
    const byDelivery = new Map<string, Row[]>();
    for (const row of rows)
      byDelivery.set(row.delivery_id as string, [...(byDelivery.get(row.delivery_id as string) ?? []), row]);

    const problems: string[] = [];
    for (const [deliveryId, { recordIds, eventIds }] of acknowledged) {
      const stored = byDelivery.get(deliveryId) ?? [];
      if (stored.length !== recordIds.length)
        problems.push(`${deliveryId}: ${stored.length} of ${recordIds.length} records stored`);
      for (const [k, eventId] of eventIds.entries()) {
        const row = byEventId.get(eventId);
        if (!row) problems.push(`${deliveryId}: acknowledged event ${eventId} is missing`);
        else if (row.dedup_key !== `${deliveryId}#${recordIds[k]}`)
          problems.push(`${deliveryId}: event ${eventId} holds ${row.dedup_key}`);
        else if (!['completed', 'failed'].includes(row.status))
          problems.push(`${deliveryId}: event ${eventId} is ${row.status}`);
      }
    }
    // What was not acknowledged was written whole or not at all.
    for (const [deliveryId, recordIds] of sent) {
      if (acknowledged.has(deliveryId)) continue;
      const stored = byDelivery.get(deliveryId)?.length ?? 0;
      if (stored !== 0 && stored !== recordIds.length)
        problems.push(
          `${deliveryId}: ${stored} of ${recordIds.length} records of an unacknowledged envelope`,
        );
    }
    expect(problems).toEqual([]);
    expect(rows.filter((row) => row.status === 'pending' || row.status === 'processing')).toEqual([]);
    expect(rows.some((row) => row.status === 'failed')).toBe(true);
  }, 180_000);
});

async function readRows(databaseUrl: string): Promise<Row[]> {
  const text = 'SELECT event_id, delivery_id, dedup_key, status FROM integration_events_log';
  if (TEST_DATABASE_URL) return queryPostgres<Row>(databaseUrl, text);
  const sqlite = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true });
  try {
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    return sqlite.prepare(text).all() as Row[];
  } finally {
    sqlite.close();
  }
}
