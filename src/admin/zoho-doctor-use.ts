import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { MODULES } from '../modules/index.js';
import { openZohoClient } from '../zoho/open-zoho-client.js';
import type { ZohoAccessCheck } from '../zoho/try-zoho-access.js';
import { ZohoError } from '../zoho/zoho-errors.js';
import { creditsSpent } from '../zoho/zoho-usage.js';
import type { ZohoDoctorUse } from './zoho-doctor-checks.js';

/**
 * The Zoho lines' real call and counts, through the client every process shares: its token check reads one
 * record id of the first module (one credit, and the shared access token, so no new token unless it is due).
 */
export async function zohoDoctorUse(config: Config, db: Kysely<Database>): Promise<ZohoDoctorUse> {
  const creditsSince = (since: Date) => creditsSpent(db, since.getTime());
  const client = await openZohoClient({ config, db });
  const module = MODULES[0]?.zohoApiName;
  if (!client || !module) return { creditsSince };
  return {
    creditsSince,
    status: () => client.status(),
    checkToken: async () => {
      let check: ZohoAccessCheck;
      try {
        await client.listRecords(module, { fields: ['id'], perPage: 1 });
        check = { ok: true };
      } catch (error) {
        check = accessCheckOf(error, module);
      }
      return { ...check, apiDomain: (await client.status().catch(() => undefined))?.apiDomain };
    },
  };
}

function accessCheckOf(error: unknown, module: string): ZohoAccessCheck {
  if (!(error instanceof ZohoError))
    return { ok: false, kind: 'other', code: undefined, message: (error as Error).message };
  const code = error.zohoCode;
  const kind =
    code === 'OAUTH_SCOPE_MISMATCH'
      ? 'scope'
      : code === 'INVALID_MODULE'
        ? 'module'
        : error.code === 'zoho.unreachable' || error.code === 'zoho.timeout'
          ? 'unreachable'
          : error.httpStatus === 401 || error.code.startsWith('zoho.invalid')
            ? 'token'
            : 'other';
  return {
    ok: false,
    kind,
    code,
    message:
      kind === 'module'
        ? `Zoho CRM has no module ${module} in this organisation (INVALID_MODULE)`
        : error.message,
  };
}
