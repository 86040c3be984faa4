import { type Kysely, sql } from 'kysely';
import { isPostgres } from './is-postgres.js';

// Stats must stay fast with millions of events (issue 4): counts per (status, source, module) are kept by
// triggers instead of counted at read time.
// SQLite (one writer): the triggers update `event_counts` directly.
// PostgreSQL (many writers): updating shared counter rows would serialize every transaction on them, so the
// triggers append +1/-1 rows to `event_count_deltas`; readers add the deltas, workers fold them in now and then.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_counts')
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('source', 'varchar(32)', (col) => col.notNull())
    .addColumn('module', 'varchar(64)', (col) => col.notNull())
    .addColumn('n', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('event_counts_pk', ['status', 'source', 'module'])
    .execute();
  await db.schema
    .createTable('event_count_deltas')
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('source', 'varchar(32)', (col) => col.notNull())
    .addColumn('module', 'varchar(64)', (col) => col.notNull())
    .addColumn('d', 'integer', (col) => col.notNull())
    .execute();
  await sql`
    INSERT INTO event_counts (status, source, module, n)
    SELECT status, source, module, count(*) FROM integration_events_log GROUP BY status, source, module
  `.execute(db);

  if (isPostgres(db)) {
    await sql`
      CREATE FUNCTION mzi_count_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          INSERT INTO event_count_deltas (status, source, module, d) VALUES (OLD.status, OLD.source, OLD.module, -1);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO event_count_deltas (status, source, module, d) VALUES (NEW.status, NEW.source, NEW.module, 1);
        END IF;
        RETURN NULL;
      END $$`.execute(db);
    await sql`CREATE TRIGGER events_count_insert_delete AFTER INSERT OR DELETE ON integration_events_log
      FOR EACH ROW EXECUTE FUNCTION mzi_count_events()`.execute(db);
    await sql`CREATE TRIGGER events_count_update AFTER UPDATE OF status ON integration_events_log
      FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION mzi_count_events()`.execute(
      db,
    );
    return;
  }

  const increment = (row: 'NEW' | 'OLD', delta: 1 | -1) =>
    sql.raw(`INSERT INTO event_counts (status, source, module, n) VALUES (${row}.status, ${row}.source, ${row}.module, ${delta})
      ON CONFLICT (status, source, module) DO UPDATE SET n = n + (${delta});`);
  await sql`CREATE TRIGGER events_count_insert AFTER INSERT ON integration_events_log
    BEGIN ${increment('NEW', 1)} END`.execute(db);
  await sql`CREATE TRIGGER events_count_delete AFTER DELETE ON integration_events_log
    BEGIN ${increment('OLD', -1)} END`.execute(db);
  await sql`CREATE TRIGGER events_count_update AFTER UPDATE OF status ON integration_events_log
    WHEN OLD.status <> NEW.status BEGIN ${increment('OLD', -1)} ${increment('NEW', 1)} END`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`DROP TRIGGER IF EXISTS events_count_insert_delete ON integration_events_log`.execute(db);
    await sql`DROP TRIGGER IF EXISTS events_count_update ON integration_events_log`.execute(db);
    await sql`DROP FUNCTION IF EXISTS mzi_count_events()`.execute(db);
  } else {
    await sql`DROP TRIGGER IF EXISTS events_count_insert`.execute(db);
    await sql`DROP TRIGGER IF EXISTS events_count_delete`.execute(db);
    await sql`DROP TRIGGER IF EXISTS events_count_update`.execute(db);
  }
  await db.schema.dropTable('event_count_deltas').execute();
  await db.schema.dropTable('event_counts').execute();
}
