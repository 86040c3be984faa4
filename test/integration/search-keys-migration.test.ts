import { Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/create-database.js';
import { dialectAdapter } from '../../src/db/dialect-adapter.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { MODULES, moduleMigrations } from '../../src/modules/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let testDb: TestDatabase;
let handle: DatabaseHandle;

beforeEach(async () => {
  testDb = await createTestDatabase();
  handle = createDatabase(testDb.url);
});

afterEach(async () => {
  await handle.close();
  await testDb.drop();
});

describe('the migration to generic search-key columns', () => {
  it('keeps the students’ email and ID of existing events, searchable in the new columns', async () => {
    const schema = await dialectAdapter(handle.db).currentSchema(handle.db);
    const migrator = new Migrator({
      db: handle.db,
      ...(schema ? { migrationTableSchema: schema } : {}),
      provider: { getMigrations: async () => ({ ...MIGRATIONS, ...moduleMigrations(MODULES) }) },
      migrationTableName: 'mzi_migrations',
      migrationLockTableName: 'mzi_migrations_lock',
    });
    const before = await migrator.migrateTo('2026-12-07-0008-admin-sessions');
    expect(before.error).toBeUndefined();
    const now = new Date().toISOString();
    await sql`
      INSERT INTO integration_events_log
        (event_id, source, module, event_type, record_id, status, created_at, updated_at, payload,
         content_hash, attempts, max_attempts, next_attempt_at, academic_email, student_id_number)
      VALUES ('evt_old', 'zoho', 'BTEC_Students', 'insert', '42', 'completed', ${now}, ${now}, '{}',
         'h', 1, 10, ${now}, 'old.student@student.example.edu', 'OLD-ID-0001')`.execute(handle.db);

    const after = await migrateToLatest(handle.db, moduleMigrations(MODULES));
    expect(after.error).toBeUndefined();
    const row = await handle.db
      .selectFrom('integration_events_log')
      .select(['search_key_1', 'search_key_2'])
      .where('search_key_2', '=', 'OLD-ID-0001')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ search_key_1: 'old.student@student.example.edu', search_key_2: 'OLD-ID-0001' });
    // The old columns are gone: nothing outside the migrations names them any more.
    await expect(sql`SELECT academic_email FROM integration_events_log`.execute(handle.db)).rejects.toThrow();
  });
});
