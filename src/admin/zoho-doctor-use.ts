import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import type { ZohoDoctorUse } from './zoho-doctor-checks.js';

/** The token check and usage counts of the Zoho client, for a doctor run outside the service. */
export async function zohoDoctorUse(_config: Config, _db: Kysely<Database>): Promise<ZohoDoctorUse> {
  return {};
}
