import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Records a new session by the hash of its id, and first forgets sessions that have expired. */
export async function insertAdminSession(
  db: Kysely<Database>,
  session: { idHash: string; now: Date; expiresAt: Date },
): Promise<void> {
  await deleteExpiredAdminSessions(db, session.now);
  await db
    .insertInto('admin_sessions')
    .values({
      id_hash: session.idHash,
      created_at: session.now.toISOString(),
      expires_at: session.expiresAt.toISOString(),
    })
    .execute();
}

/** True when a session with this id hash exists and has not expired. */
export async function isLiveAdminSession(db: Kysely<Database>, idHash: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('admin_sessions')
    .select('id_hash')
    .where('id_hash', '=', idHash)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst();
  return row !== undefined;
}

/** Ends a session (logout). */
export async function deleteAdminSession(db: Kysely<Database>, idHash: string): Promise<void> {
  await db.deleteFrom('admin_sessions').where('id_hash', '=', idHash).execute();
}

/** Forgets expired sessions; returns how many. */
export async function deleteExpiredAdminSessions(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('admin_sessions')
    .where('expires_at', '<=', now.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
