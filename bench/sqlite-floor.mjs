// The SQLite floor of the ingest benchmark: the SQL statements that mzi runs for each event, run back to back with
// better-sqlite3 on a database migrated by mzi, with none of mzi's JavaScript (no HTTP, no parsing, no Kysely, no
// threads to hand over to). It is what one SQLite file can do with mzi's schema on this machine, so a ceiling for
// mzi on SQLite while its worker processes what arrives, as in the ingest rounds.
//
// Each round of 32 events (the benchmark's concurrency, so at most one group commit's worth):
//   intake (connection 1, synchronous=FULL, as the log writer): BEGIN IMMEDIATE; per event the delivery-id lookup
//     and the insert of the row mzi writes; COMMIT (fsync);
//   worker (connection 2, synchronous=NORMAL, as the worker thread): BEGIN IMMEDIATE; the claim's SELECT and
//     UPDATE … RETURNING *; COMMIT; BEGIN IMMEDIATE; per event the Student_ID_Number check, the students upsert,
//     the completion UPDATE and the attempt row; COMMIT;
//   a third connection checkpoints (PASSIVE) every 100 ms, as the worker thread does.
// With `intake`, only the intake part runs: a bare group-commit appender of mzi's rows.
//
// Usage: node bench/sqlite-floor.mjs DATABASE_PATH SECONDS TEMPLATE_FILE [intake]  → one JSON line on stdout:
// events, seconds, eventsPerSecond and cores (CPU time of the process over the run).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [path, secondsArg, templatePath, mode] = process.argv.slice(2);
const intakeOnly = mode === 'intake';
const seconds = Number(secondsArg ?? 10);
const require = createRequire(join(process.cwd(), 'package.json'));
const Database = require('better-sqlite3');

function open(synchronous) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY');
  return db;
}
const intake = open('FULL');
intake.pragma('wal_autocheckpoint = 10000');
const worker = open('NORMAL');
worker.pragma('wal_autocheckpoint = 0');
const checkpointer = open('NORMAL');

const template = readFileSync(templatePath, 'utf8');
// Every column of the log but its id, as the migrations left it: all of them are written by the log writer.
const COLUMNS = intake
  .prepare('SELECT name FROM pragma_table_info(?)')
  .all('integration_events_log')
  .map((row) => row.name)
  .filter((name) => name !== 'id');
const insertEvent = intake.prepare(
  `INSERT INTO integration_events_log (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
);
const byDeliveryId = intake.prepare(
  `SELECT event_id, event_type FROM integration_events_log
   WHERE module = ? AND dedup_key = ? AND status != 'duplicate' ORDER BY id LIMIT 1`,
);
const due = worker.prepare(
  `SELECT e.id FROM integration_events_log AS e
   WHERE e.status = 'pending' AND e.next_attempt_at <= ?
     AND NOT EXISTS (SELECT 1 FROM integration_events_log AS p WHERE p.module = e.module
       AND p.record_id = e.record_id AND p.id < e.id AND p.status IN ('pending', 'processing'))
   ORDER BY e.id LIMIT 32`,
);
const claimSql = (n) =>
  `UPDATE integration_events_log SET status = 'processing', locked_by = ?, locked_until = ?,
   attempts = attempts + 1, updated_at = ? WHERE id IN (${Array(n).fill('?').join(', ')}) AND status = 'pending'
   RETURNING *`;
const claims = new Map();
const studentIdTaken = worker.prepare(
  `SELECT zoho_record_id FROM students WHERE student_id_number = ? AND zoho_record_id != ? AND deleted_at IS NULL`,
);
// The students mirror's columns and the Zoho fields they hold, from mzi's build (the benchmark builds it first).
const { STUDENT_FIELDS } = await import(
  pathToFileURL(join(process.cwd(), 'dist/modules/students/student-fields.js')).href
);
const STUDENT_COLUMNS = STUDENT_FIELDS.map((field) => field.column);
const upsertStudent = worker.prepare(
  `INSERT INTO students (${STUDENT_COLUMNS.join(', ')}, zoho_record_id, deleted_at, last_event_id, created_at, updated_at)
   VALUES (${STUDENT_COLUMNS.map(() => '?').join(', ')}, ?, NULL, ?, ?, ?)
   ON CONFLICT (zoho_record_id) DO UPDATE SET ${STUDENT_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')},
     deleted_at = NULL, last_event_id = excluded.last_event_id, updated_at = excluded.updated_at`,
);
const complete = worker.prepare(
  `UPDATE integration_events_log SET status = 'completed', processed_at = ?, updated_at = ?, result = ?,
   warnings = ?, error_message = NULL, error_code = NULL, locked_by = NULL, locked_until = NULL
   WHERE id = ? AND locked_by = ?`,
);
const insertAttempt = worker.prepare(
  `INSERT INTO event_attempts (event_id, attempt, started_at, finished_at, outcome, error_code, error_message,
   worker_id) VALUES (?, ?, ?, ?, 'completed', NULL, NULL, ?)`,
);

const headers = JSON.stringify({
  host: '127.0.0.1:8001',
  'content-type': 'application/json',
  'content-length': String(template.length),
  'x-zoho-signature': '[redacted]',
});
let next = 0;
/** A row as the log writer writes it for the benchmark's delivery (columns it leaves empty are null). */
function eventRow() {
  const id = `900${String(next++).padStart(9, '0')}`;
  const raw = template.replaceAll('{N}', id);
  const body = JSON.parse(raw);
  const at = new Date().toISOString();
  const eventId = crypto.randomUUID();
  const row = {
    event_id: eventId,
    source: 'zoho',
    module: 'BTEC_Students',
    event_type: 'insert',
    record_id: body.record_id,
    status: 'pending',
    created_at: at,
    updated_at: at,
    payload: `{"operation":"insert","operation_source":"body","delivery_id":"${body.notification_id}","format":"json","data":${JSON.stringify(body.data)}}`,
    raw_body: raw,
    content_type: 'application/json',
    headers,
    dedup_key: body.notification_id,
    content_hash: 'f'.repeat(64),
    attempts: 0,
    max_attempts: 10,
    next_attempt_at: at,
    request_method: 'POST',
    request_url: '/api/v1/events/zoho/student',
    auth_method: 'hmac',
    received_at: at,
    stored_ms: 1.5,
    response_status: 200,
    response_body: `{"success":true,"event_id":"${eventId}","status":"queued","event_type":"insert"}`,
    search_key_1: body.data.Academic_Email.toLowerCase(),
    search_key_2: body.data.Student_ID_Number,
  };
  return Object.fromEntries(COLUMNS.map((column) => [column, row[column] ?? null]));
}

const appendBatch = intake.transaction((rows) => {
  for (const row of rows) {
    byDeliveryId.get('BTEC_Students', row.dedup_key);
    insertEvent.run(row);
  }
});
const claim = worker.transaction((now, lockedUntil) => {
  const ids = due.all(now).map((row) => row.id);
  if (ids.length === 0) return [];
  let statement = claims.get(ids.length);
  if (!statement) {
    statement = worker.prepare(claimSql(ids.length));
    claims.set(ids.length, statement);
  }
  return statement.all('floor', lockedUntil, now, ...ids);
});
const recordOutcomes = worker.transaction((events, at) => {
  for (const event of events) {
    const data = JSON.parse(event.payload).data;
    studentIdTaken.all(data.Student_ID_Number, event.record_id);
    upsertStudent.run(
      ...STUDENT_FIELDS.map((field) => data[field.apiName] ?? null),
      event.record_id,
      event.event_id,
      at,
      at,
    );
    complete.run(at, at, '{"local":"created","moodle":"disabled"}', event.warnings, event.id, 'floor');
    insertAttempt.run(event.event_id, event.attempts, at, at, 'floor');
  }
});

const checkpoints = setInterval(() => checkpointer.pragma('wal_checkpoint(PASSIVE)'), 100);
// One round at a time, with a turn of the event loop between rounds so the checkpoint timer runs.
let events = 0;
const cpuBefore = process.cpuUsage();
const started = performance.now();
const until = started + seconds * 1000;
while (performance.now() < until) {
  const rows = Array.from({ length: 32 }, eventRow);
  appendBatch(rows);
  if (intakeOnly) {
    events += rows.length;
  } else {
    const now = new Date().toISOString();
    const claimed = claim(now, new Date(Date.now() + 300_000).toISOString());
    recordOutcomes(claimed, new Date().toISOString());
    events += claimed.length;
  }
  await new Promise((resolve) => setImmediate(resolve));
}
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(checkpoints);
for (const db of [intake, worker, checkpointer]) db.close();
const cores = (cpu.user + cpu.system) / 1e6 / elapsed;
process.stdout.write(
  `${JSON.stringify({ events, seconds: elapsed, eventsPerSecond: events / elapsed, cores })}\n`,
);
