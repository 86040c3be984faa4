import type { Kysely } from 'kysely';

// The Zoho connection that `mzi zoho connect` or the dashboard stores (issue 19): one row, its client id, client
// secret and refresh token sealed with AES-256-GCM under a key kept outside the database (ZOHO_TOKEN_KEY or a
// 0600 key file in DATA_DIR). `zoho_connect_attempts` holds the dashboard's OAuth redirects in flight, found by
// the hash of their `state`, so that the callback may land on any API process.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('zoho_connection')
    .addColumn('id', 'integer', (col) => col.primaryKey())
    .addColumn('client_id_sealed', 'text', (col) => col.notNull())
    .addColumn('client_secret_sealed', 'text', (col) => col.notNull())
    .addColumn('refresh_token_sealed', 'text', (col) => col.notNull())
    .addColumn('data_centre', 'varchar(8)')
    .addColumn('accounts_url', 'varchar(300)', (col) => col.notNull())
    .addColumn('api_domain', 'varchar(300)')
    .addColumn('scopes', 'text', (col) => col.notNull())
    .addColumn('connected_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('connected_via', 'varchar(16)', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('zoho_connect_attempts')
    .addColumn('state_hash', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('session_hash', 'varchar(64)', (col) => col.notNull())
    .addColumn('client_id_sealed', 'text', (col) => col.notNull())
    .addColumn('client_secret_sealed', 'text', (col) => col.notNull())
    .addColumn('data_centre', 'varchar(8)')
    .addColumn('accounts_url', 'varchar(300)', (col) => col.notNull())
    .addColumn('redirect_uri', 'varchar(600)', (col) => col.notNull())
    .addColumn('expires_at', 'varchar(32)', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('zoho_connect_attempts').execute();
  await db.schema.dropTable('zoho_connection').execute();
}
