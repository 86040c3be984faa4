import SQLite from 'better-sqlite3';
import pg from 'pg';

/** Where the benchmark creates (and drops) its throwaway PostgreSQL databases: BENCH_PG_URL or the local server. */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function pgUrl(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The server version, or undefined when PostgreSQL cannot be reached (its parts of the run are skipped). */
export async function pgVersion(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return rows[0]?.v;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const SAFE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function createPgDatabase(name: string): Promise<string> {
  if (!SAFE_NAME.test(name)) throw new Error(`unsafe database name ${name}`);
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`));
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return pgUrl(name);
}

export async function dropPgDatabase(name: string): Promise<void> {
  if (!SAFE_NAME.test(name)) throw new Error(`unsafe database name ${name}`);
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

type Row = Record<string, unknown>;

/** Runs one query against a `sqlite:` or `postgres://` DATABASE_URL from the benchmark process. */
async function query(databaseUrl: string, text: string, params: unknown[] = []): Promise<Row[]> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new SQLite(databaseUrl.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(text.replace(/\$\d+/g, '?')).all(...params) as Row[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as Row[];
  } finally {
    await client.end().catch(() => {});
  }
}

export interface LogSummary {
  total: number;
  byStatus: Record<string, number>;
  firstCreatedAt: string | null;
  lastProcessedAt: string | null;
}

/** Counts by status and the last processed_at, read straight from the event log (exact, not polled). */
export async function summarizeLog(databaseUrl: string): Promise<LogSummary> {
  const rows = await query(
    databaseUrl,
    'SELECT status, count(*) AS n, min(created_at) AS first_created, max(processed_at) AS last_processed ' +
      'FROM integration_events_log GROUP BY status',
  );
  const byStatus: Record<string, number> = {};
  let total = 0;
  let firstCreatedAt: string | null = null;
  let lastProcessedAt: string | null = null;
  for (const row of rows) {
    const n = Number(row.n);
    byStatus[String(row.status)] = n;
    total += n;
    const created = row.first_created as string | null;
    const processed = row.last_processed as string | null;
    if (created && (!firstCreatedAt || created < firstCreatedAt)) firstCreatedAt = created;
    if (processed && (!lastProcessedAt || processed > lastProcessedAt)) lastProcessedAt = processed;
  }
  return { total, byStatus, firstCreatedAt, lastProcessedAt };
}

/** One complete row as mzi wrote it, by record id: the template of the bulk load. */
export async function readEventRow(databaseUrl: string, recordId: string): Promise<Row> {
  const rows = await query(databaseUrl, 'SELECT * FROM integration_events_log WHERE record_id = $1', [
    recordId,
  ]);
  if (!rows[0]) throw new Error(`no event for record ${recordId}`);
  return rows[0];
}

/**
 * Appends `count` events straight into integration_events_log with one INSERT … SELECT per chunk (no HTTP, no
 * worker), copying every column of `template` (a row mzi wrote for delivery id `templateId`) with that id
 * replaced by a fresh one per row. Status mix: 90 % completed, 5 % failed, 5 % duplicate (nothing pending).
 */
export async function bulkLoadEvents(options: {
  databaseUrl: string;
  template: Row;
  templateId: string;
  prefix: string;
  count: number;
  chunk?: number;
  onProgress?: (done: number) => void;
}): Promise<void> {
  const isPg = !options.databaseUrl.startsWith('sqlite:');
  // Numbered ($1) for PostgreSQL, named (@p1) for better-sqlite3: the text order need not follow registration.
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    if (!isPg) return `@p${params.length}`;
    const type =
      typeof value === 'number'
        ? Number.isInteger(value)
          ? 'int'
          : 'float8'
        : typeof value === 'boolean'
          ? 'boolean'
          : 'text';
    return `$${params.length}::${type}`;
  };
  const bound = () => Object.fromEntries(params.map((value, i) => [`p${i + 1}`, value]));
  const n = isPg ? `(${param(options.prefix)} || lpad(i::text, 9, '0'))` : null;
  // Events spread over the last ~3 hours before the start of the run, 100 a second.
  const base = Math.floor(Date.now() / 1000) - Math.ceil(options.count / 100) - 3600;
  const ts = isPg
    ? `to_char(to_timestamp(${base} + i / 100.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
    : `strftime('%Y-%m-%dT%H:%M:%fZ', ${base} + i / 100.0, 'unixepoch')`;
  const eventId = isPg
    ? 'gen_random_uuid()::text'
    : "lower(substr(h,1,8)||'-'||substr(h,9,4)||'-4'||substr(h,14,3)||'-a'||substr(h,18,3)||'-'||substr(h,21,12))";
  const hash = isPg ? 'md5(random()::text) || md5(random()::text)' : 'lower(hex(randomblob(32)))';
  const status = "CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 20 = 1 THEN 'duplicate' ELSE 'completed' END";
  const ifStatus = (when: string, then: string) =>
    `CASE WHEN ${status} = '${when}' THEN ${then} ELSE NULL END`;

  const fromTemplate = (column: string): string => {
    const value = options.template[column];
    if (value === null || value === undefined) return 'NULL';
    if (typeof value !== 'string') return param(value);
    if (!value.includes(options.templateId)) return param(value);
    return value
      .split(options.templateId)
      .map((part) => param(part))
      .join(` || ${isPg ? (n as string) : 'n'} || `);
  };

  const generated: Record<string, () => string> = {
    event_id: () => eventId,
    source: () => fromTemplate('source'),
    module: () => fromTemplate('module'),
    event_type: () => fromTemplate('event_type'),
    record_id: () => fromTemplate('record_id'),
    status: () => status,
    error_message: () =>
      ifStatus(
        'failed',
        param(
          'Student_ID_Number "B000000000" of Zoho record 5725767000000000 is already used by the live student ' +
            '5725767000000001: correct it in Zoho, then retry this event.',
        ),
      ),
    error_code: () => ifStatus('failed', param('validation.student_id_taken')),
    created_at: () => ts,
    updated_at: () => ts,
    processed_at: () => ts,
    payload: () => fromTemplate('payload'),
    raw_body: () => fromTemplate('raw_body'),
    content_type: () => fromTemplate('content_type'),
    headers: () => fromTemplate('headers'),
    dedup_key: () => fromTemplate('dedup_key'),
    content_hash: () => hash,
    duplicate_of: () => ifStatus('duplicate', param(options.template.event_id)),
    warnings: () => fromTemplate('warnings'),
    result: () => ifStatus('completed', fromTemplate('result')),
    attempts: () => `CASE WHEN ${status} = 'duplicate' THEN 0 ELSE 1 END`,
    max_attempts: () => fromTemplate('max_attempts'),
    next_attempt_at: () => ts,
    received_at: () => ts,
    locked_by: () => 'NULL',
    locked_until: () => 'NULL',
  };
  // Any other column (one added by a later migration) is copied from the template row as mzi wrote it.
  const columns: Record<string, string> = {};
  for (const column of Object.keys(options.template)) {
    if (column === 'id') continue;
    columns[column] = generated[column]?.() ?? fromTemplate(column);
  }

  const names = Object.keys(columns).join(', ');
  const exprs = Object.values(columns).join(',\n  ');
  const chunk = options.chunk ?? 50_000;

  if (isPg) {
    const lo = param(0);
    const hi = param(0);
    const sql = `INSERT INTO integration_events_log (${names})\nSELECT ${exprs}\nFROM generate_series(${lo}, ${hi}) AS s(i)`;
    const client = new pg.Client({ connectionString: options.databaseUrl });
    await client.connect();
    try {
      for (let start = 0; start < options.count; start += chunk) {
        const end = Math.min(options.count, start + chunk) - 1;
        params[params.length - 2] = start;
        params[params.length - 1] = end;
        await client.query(sql, params);
        options.onProgress?.(end + 1);
      }
      // Autovacuum would get there on its own after a million inserts; do it now so plans are the steady state.
      await client.query('VACUUM ANALYZE integration_events_log');
    } finally {
      await client.end().catch(() => {});
    }
    return;
  }

  const db = new SQLite(options.databaseUrl.slice('sqlite:'.length));
  try {
    db.pragma('busy_timeout = 30000');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const prefixParam = param(options.prefix);
    const lo = param(0);
    const hi = param(0);
    const sql =
      `WITH RECURSIVE seq(i) AS (SELECT ${lo} UNION ALL SELECT i + 1 FROM seq WHERE i < ${hi})\n` +
      `INSERT INTO integration_events_log (${names})\nSELECT ${exprs}\n` +
      `FROM (SELECT i, ${prefixParam} || printf('%09d', i) AS n, hex(randomblob(16)) AS h FROM seq)`;
    const statement = db.prepare(sql);
    for (let start = 0; start < options.count; start += chunk) {
      const end = Math.min(options.count, start + chunk) - 1;
      params[params.length - 2] = start;
      params[params.length - 1] = end;
      statement.run(bound());
      options.onProgress?.(end + 1);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
