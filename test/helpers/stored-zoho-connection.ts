import { createDatabase } from '../../src/db/create-database.js';
import { withZohoConnection } from '../../src/zoho/zoho-connection.table.js';

/** The `zoho_connection` rows of a database, read on a connection of their own. */
export async function storedZohoConnectionRows(databaseUrl: string) {
  const handle = createDatabase(databaseUrl);
  try {
    return await withZohoConnection(handle.db).selectFrom('zoho_connection').selectAll().execute();
  } finally {
    await handle.close();
  }
}
