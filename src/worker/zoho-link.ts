import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { fromZoho, moduleSettings } from '../modules/index.js';
import type { WriteBackValues, ZohoModule } from '../modules/zoho-module.js';
import type { ZohoApi } from '../zoho/zoho-api.js';

/** What the worker knows of one module for Zoho's API: its fields, and its write-back bound to its settings. */
export interface ZohoModuleLink {
  readonly module: Pick<ZohoModule, 'name' | 'zohoApiName' | 'fields'>;
  /** The fields mzi writes back (none: the module declares no write-back). */
  readonly writeBackFields: readonly string[];
  /** The setting that names the write-back field, if one does. */
  readonly writeBackSetting: string | undefined;
  writeBackValues(db: Kysely<Database>, recordIds: readonly string[]): Promise<Map<string, WriteBackValues>>;
}

/** The worker's side of Zoho CRM's API (DESIGN.md §10): fetch before processing, write Moodle ids back. */
export interface ZohoLink {
  /** Undefined when Zoho is not connected: nothing is fetched or written, and nothing says it was. */
  readonly api: ZohoApi | undefined;
  /** ZOHO_FETCH_RECORDS: read each inserted or updated record from Zoho before processing it. */
  readonly fetchRecords: boolean;
  /** By Zoho API name. */
  readonly modules: ReadonlyMap<string, ZohoModuleLink>;
  /** Records fetched at once, per batch. */
  readonly fetchConcurrency: number;
  /** MAX_FIELD_LENGTH: a fetched record is read by intake's rules. */
  readonly maxFieldLength: number;
}

/**
 * Records a batch fetches at once: Zoho limits the calls an organisation has in flight, and 5 is the Free
 * edition's limit (https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html).
 */
const FETCH_CONCURRENCY = 5;

/** The worker's Zoho link from the modules and the configuration. */
export function createZohoLink(options: {
  modules: readonly ZohoModule[];
  config: Config;
  api: ZohoApi | undefined;
}): ZohoLink {
  return {
    api: options.api,
    fetchRecords: options.config.zoho.fetchRecords,
    fetchConcurrency: FETCH_CONCURRENCY,
    maxFieldLength: options.config.webhook.maxFieldLength,
    modules: new Map(
      fromZoho(options.modules).map((module) => {
        const settings = moduleSettings(options.config, module);
        const writeBack = module.zohoWriteBack;
        const link: ZohoModuleLink = {
          module,
          writeBackFields: writeBack?.fields(settings) ?? [],
          writeBackSetting: writeBack?.setting,
          writeBackValues: (db, ids) =>
            writeBack ? writeBack.values(db, ids, settings) : Promise.resolve(new Map()),
        };
        return [module.zohoApiName, link];
      }),
    ),
  };
}
