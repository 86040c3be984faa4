// `npm run bench -- --soak [--minutes N] [--rate R]`: holds R signed deliveries per second (default 200) for
// N minutes (default 10) against one mzi on SQLite with its worker, prints RSS and latency every 30 s, and
// checks at the end that every acknowledged delivery is in the log exactly once and processed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bodyFor, loadTemplate, signBody } from './lib/deliveries.js';
import { memoryMb, ROOT, startMzi } from './lib/processes.js';

export async function runSoak(options: { minutes: number; rate: number }): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'mzi-soak-'));
  const dbPath = join(dir, 'mzi.sqlite');
  const mzi = await startMzi({
    name: 'soak',
    databaseUrl: `sqlite:${dbPath}`,
    logPath: join(dir, 'mzi.log'),
    env: { ADMIN_TOKEN: 'soak' },
  });
  const template = loadTemplate(join(ROOT, 'test/fixtures/zoho/student-custom.json'));
  const url = `${mzi.baseUrl}/api/v1/events/zoho/student`;
  const acknowledged = new Map<string, string>();
  let window: number[] = [];
  let sent = 0;
  let failed = 0;
  const started = Date.now();
  const endAt = started + options.minutes * 60_000;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(
    `soak: ${options.rate} deliveries/s for ${options.minutes} min against ${mzi.baseUrl} (SQLite, worker running)`,
  );
  say('  minute   sent    acked  p50 ms  p99 ms  max ms  RSS MB  pending');

  const sendOne = async (i: number) => {
    const id = String(i).padStart(9, '0');
    const body = bodyFor(template, '777', i);
    const t = performance.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-zoho-signature': `sha256=${signBody(body)}` },
        body,
      });
      const reply = (await response.json()) as { event_id?: string };
      window.push(performance.now() - t);
      if (response.status === 200 && reply.event_id) acknowledged.set(id, reply.event_id);
      else failed += 1;
    } catch {
      failed += 1;
    }
  };

  const report = async () => {
    const sorted = [...window].sort((a, b) => a - b);
    window = [];
    const pick = (q: number) =>
      sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    const health = (await (await fetch(`${mzi.baseUrl}/api/v1/events/health`)).json()) as {
      queue: { pending: number };
    };
    const rss = memoryMb(mzi.pid)?.rss ?? 0;
    say(
      `  ${((Date.now() - started) / 60_000).toFixed(1).padStart(6)} ${String(sent).padStart(6)} ${String(acknowledged.size).padStart(8)} ${pick(0.5).toFixed(1).padStart(7)} ${pick(0.99).toFixed(1).padStart(7)} ${(sorted.at(-1) ?? 0).toFixed(1).padStart(7)} ${rss.toFixed(0).padStart(7)} ${String(health.queue.pending).padStart(8)}`,
    );
  };

  // Send on a fixed schedule (open loop): a slow answer does not slow the offered load.
  const inFlight = new Set<Promise<void>>();
  let nextReport = started + 30_000;
  while (Date.now() < endAt) {
    const due = Math.floor(((Date.now() - started) / 1000) * options.rate);
    while (sent < due) {
      const p: Promise<void> = sendOne(sent).finally(() => inFlight.delete(p));
      inFlight.add(p);
      sent += 1;
    }
    if (Date.now() >= nextReport) {
      await report();
      nextReport += 30_000;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all([...inFlight]);
  await report();

  // Let the worker finish, then check the log.
  for (let i = 0; i < 600; i += 1) {
    const health = (await (await fetch(`${mzi.baseUrl}/api/v1/events/health`)).json()) as {
      queue: { pending: number; processing: number };
    };
    if (health.queue.pending + health.queue.processing === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await mzi.stop();
  const db = new Database(dbPath, { readonly: true });
  const rows = db
    .prepare("SELECT event_id, status FROM integration_events_log WHERE dedup_key LIKE '5725767777%'")
    .all() as Array<{
    event_id: string;
    status: string;
  }>;
  db.close();
  const byId = new Map(rows.map((row) => [row.event_id, row.status]));
  let missing = 0;
  let unprocessed = 0;
  for (const eventId of acknowledged.values()) {
    const status = byId.get(eventId);
    if (status === undefined) missing += 1;
    else if (status !== 'completed' && status !== 'failed') unprocessed += 1;
  }
  const ok = missing === 0 && unprocessed === 0 && rows.length === acknowledged.size;
  say(
    `soak: sent ${sent}, acknowledged ${acknowledged.size}, refused or failed ${failed}; in the log ${rows.length}, missing ${missing}, unprocessed ${unprocessed}: ${ok ? 'nothing lost' : 'LOSS'}`,
  );
  rmSync(dir, { recursive: true, force: true });
  return ok;
}
