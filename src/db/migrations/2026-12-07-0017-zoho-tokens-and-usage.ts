import type { Kysely } from 'kysely';
import { isPostgres } from './is-postgres.js';

// Zoho mints at most 10 access tokens per refresh token in 10 minutes, so every mzi process shares one access
// token (DESIGN.md §10): one row, refreshed by whichever process takes its lease first, the others waiting for
// the new row. The token is stored encrypted. `zoho_token_mints` logs every request to the token endpoint, so
// that no process asks for an 11th within 10 minutes. `zoho_api_usage` counts calls and API credits per hour
// and call type, for the 24 h budget, `/metrics` and the dashboard.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('zoho_access_token')
    .addColumn('id', 'integer', (col) => col.primaryKey())
    .addColumn('access_token', 'text')
    .addColumn('api_domain', 'varchar(255)')
    .addColumn('scope', 'text')
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('minted_at', 'varchar(32)')
    .addColumn('generation', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_until', 'varchar(32)')
    .execute();
  await db.insertInto('zoho_access_token').values({ id: 1, generation: 0 }).execute();

  await db.schema
    .createTable('zoho_token_mints')
    .addColumn('id', isPostgres(db) ? 'serial' : 'integer', (col) => col.primaryKey())
    .addColumn('requested_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('requested_by', 'varchar(64)', (col) => col.notNull())
    .addColumn('outcome', 'varchar(64)')
    .execute();
  await db.schema
    .createIndex('zoho_token_mints_requested_idx')
    .on('zoho_token_mints')
    .column('requested_at')
    .execute();

  await db.schema
    .createTable('zoho_api_usage')
    .addColumn('hour', 'varchar(32)', (col) => col.notNull())
    .addColumn('call_type', 'varchar(64)', (col) => col.notNull())
    .addColumn('calls', 'integer', (col) => col.notNull())
    .addColumn('credits', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('zoho_api_usage_pk', ['hour', 'call_type'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('zoho_api_usage').execute();
  await db.schema.dropTable('zoho_token_mints').execute();
  await db.schema.dropTable('zoho_access_token').execute();
}
