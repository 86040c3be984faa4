import type { Timestamp } from '../db/schema.js';
import type { ZohoAccessTokenTable, ZohoDatabase } from './zoho-tables.js';

/**
 * The shared access token's row and its lease. Every write is one compare-and-set UPDATE, so no database lock is
 * held while Zoho is asked for a token, and the same statements work on SQLite and PostgreSQL.
 */
const ROW = 1;

export type TokenRow = ZohoAccessTokenTable;

export async function readTokenRow(db: ZohoDatabase): Promise<TokenRow | undefined> {
  return await db.selectFrom('zoho_access_token').selectAll().where('id', '=', ROW).executeTakeFirst();
}

/** Takes the lease to mint when nobody holds it (or theirs ran out) and the row is still the one we read. */
export async function takeLease(
  db: ZohoDatabase,
  lease: { owner: string; now: Timestamp; until: Timestamp; generation: number },
): Promise<boolean> {
  const result = await db
    .updateTable('zoho_access_token')
    .set({ lease_owner: lease.owner, lease_until: lease.until })
    .where('id', '=', ROW)
    .where('generation', '=', lease.generation)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', lease.now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function releaseLease(db: ZohoDatabase, owner: string): Promise<void> {
  await db
    .updateTable('zoho_access_token')
    .set({ lease_owner: null, lease_until: null })
    .where('id', '=', ROW)
    .where('lease_owner', '=', owner)
    .execute();
}

/** Stores a new token and frees the lease; false when the lease was lost meanwhile (the token is then dropped). */
export async function saveToken(
  db: ZohoDatabase,
  token: {
    owner: string;
    sealed: string;
    apiDomain: string;
    scope: string | null;
    expiresAt: Timestamp;
    mintedAt: Timestamp;
  },
): Promise<number | undefined> {
  const row = await readTokenRow(db);
  if (!row || row.lease_owner !== token.owner) return undefined;
  const generation = row.generation + 1;
  const result = await db
    .updateTable('zoho_access_token')
    .set({
      access_token: token.sealed,
      api_domain: token.apiDomain,
      scope: token.scope,
      expires_at: token.expiresAt,
      minted_at: token.mintedAt,
      generation,
      lease_owner: null,
      lease_until: null,
    })
    .where('id', '=', ROW)
    .where('lease_owner', '=', token.owner)
    .where('generation', '=', row.generation)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? generation : undefined;
}

/** Forgets the token of `generation` (Zoho refused it); a newer token, minted meanwhile, stays. */
export async function invalidateToken(db: ZohoDatabase, generation: number): Promise<void> {
  await db
    .updateTable('zoho_access_token')
    .set({ access_token: null, expires_at: null, generation: generation + 1 })
    .where('id', '=', ROW)
    .where('generation', '=', generation)
    .execute();
}

/** Logs a request to the token endpoint before it is sent: a request that dies half-way still counts. */
export async function recordMintRequest(
  db: ZohoDatabase,
  mint: { owner: string; at: Timestamp },
): Promise<number> {
  const row = await db
    .insertInto('zoho_token_mints')
    .values({ requested_at: mint.at, requested_by: mint.owner, outcome: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishMintRequest(db: ZohoDatabase, id: number, outcome: string): Promise<void> {
  await db.updateTable('zoho_token_mints').set({ outcome }).where('id', '=', id).execute();
}

/** Requests to the token endpoint since `since`, and the time of the oldest of them. */
export async function mintsSince(
  db: ZohoDatabase,
  since: Timestamp,
): Promise<{ count: number; oldest: Timestamp | undefined }> {
  const row = await db
    .selectFrom('zoho_token_mints')
    .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.min('requested_at').as('oldest')])
    .where('requested_at', '>=', since)
    .executeTakeFirst();
  return { count: Number(row?.count ?? 0), oldest: row?.oldest ?? undefined };
}

/** Drops the mint log older than `before` (it only matters for 10 minutes; kept a day for operators). */
export async function pruneMints(db: ZohoDatabase, before: Timestamp): Promise<void> {
  await db.deleteFrom('zoho_token_mints').where('requested_at', '<', before).execute();
}
