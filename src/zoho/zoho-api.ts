/**
 * What mzi asks of Zoho CRM's REST API (DESIGN.md §10): the records of a module, their changes and deletions,
 * writes of Moodle ids, and the failed webhook deliveries. `createZohoClient` implements it over Node's HTTP
 * with zod-checked answers; every failure is a ZohoError carrying Zoho's `code` and the HTTP status.
 */

/** Zoho's data centres, as ZOHO_DC names them. */
export const ZOHO_DATA_CENTRES = ['us', 'eu', 'in', 'au', 'jp', 'ca', 'sa', 'cn', 'uk'] as const;
export type ZohoDataCentre = (typeof ZOHO_DATA_CENTRES)[number];

/**
 * The accounts server of each data centre (Zoho's "Multi DC" OAuth page). The CRM API's base URL is never
 * built from these: it is the `api_domain` of the token answer.
 */
export const ZOHO_ACCOUNTS_URLS: Readonly<Record<ZohoDataCentre, string>> = {
  us: 'https://accounts.zoho.com',
  eu: 'https://accounts.zoho.eu',
  in: 'https://accounts.zoho.in',
  au: 'https://accounts.zoho.com.au',
  jp: 'https://accounts.zoho.jp',
  ca: 'https://accounts.zohocloud.ca',
  sa: 'https://accounts.zoho.sa',
  cn: 'https://accounts.zoho.com.cn',
  uk: 'https://accounts.zoho.uk',
};

/** A record as Zoho's API returns it: field API names to JSON values (a lookup is `{"id","name"}`). */
export type ZohoRecord = { readonly id: string } & Readonly<Record<string, unknown>>;

/** One page of a module's records (`GET /crm/v8/{module}` with `fields`, `If-Modified-Since`, `page_token`). */
export interface ZohoRecordPage {
  readonly records: readonly ZohoRecord[];
  /** `info.more_records`. */
  readonly more: boolean;
  /** `info.next_page_token`, to read the next page (valid for a day). */
  readonly nextPageToken: string | undefined;
}

/** A record of `GET /crm/v8/{module}/deleted`. */
export interface ZohoDeletedRecord {
  readonly id: string;
  /** ISO-8601 with offset, as Zoho sends it. */
  readonly deletedTime: string;
  /** `recycle` (in the recycle bin) or `permanent`. */
  readonly type: string;
}

export interface ZohoDeletedPage {
  readonly records: readonly ZohoDeletedRecord[];
  readonly more: boolean;
}

/** Zoho's refusal of one record of a write, upsert or delete. */
export interface ZohoRecordRefusal {
  readonly ok: false;
  /** Zoho's `code`, e.g. `INVALID_DATA`, `DUPLICATE_DATA`, `MANDATORY_NOT_FOUND`. */
  readonly code: string;
  readonly message: string;
  /** Zoho's `details` (e.g. `{"api_name": "Moodle_User_ID"}`). */
  readonly details: Readonly<Record<string, unknown>>;
}

/** Zoho's answer for one record of a write (`PUT /crm/v8/{module}`), in the order they were sent. */
export type ZohoWriteResult =
  | { readonly ok: true; readonly id: string; readonly modifiedTime: string | undefined }
  | (ZohoRecordRefusal & { readonly id: string });

/**
 * Zoho's answer for one record of an upsert (`POST /crm/v8/{module}/upsert`), in the order they were sent. A
 * failed record has no id: Zoho names none when it neither found nor created one.
 */
export type ZohoUpsertResult =
  | {
      readonly ok: true;
      readonly id: string;
      /** `insert`: no record had the duplicate-check values, a new one was created; `update`: one had them. */
      readonly action: 'insert' | 'update';
      /** The duplicate-check field Zoho matched on (or checked, for an insert); null when it names none. */
      readonly duplicateField: string | null;
      readonly modifiedTime: string | undefined;
    }
  | ZohoRecordRefusal;

/** Zoho's answer for one id of a delete (`DELETE /crm/v8/{module}?ids=…`), in the order they were sent. */
export type ZohoDeleteResult =
  | { readonly ok: true; readonly id: string }
  /** `INVALID_DATA` ("record not deleted") for an id Zoho has no record of. */
  | (ZohoRecordRefusal & { readonly id: string });

/** A failed webhook delivery of `GET /crm/v8/settings/automation/webhook_failures` (last 30 days). */
export interface ZohoWebhookFailure {
  readonly id: string;
  readonly webhookName: string;
  readonly module: string | undefined;
  readonly recordId: string | undefined;
  readonly failedAt: string;
  readonly reason: string;
}

/** The records API mzi uses; a module's API name (`BTEC_Students`) names the module. */
export interface ZohoApi {
  /** The current record, or undefined when Zoho has no such record (deleted or never existed). */
  getRecord(module: string, id: string): Promise<ZohoRecord | undefined>;
  /**
   * Writes fields of up to 100 records with `"trigger": []`, so that neither workflow rules (and so mzi's own
   * webhooks) nor approvals and blueprints run.
   */
  updateRecords(
    module: string,
    records: readonly ({ readonly id: string } & Readonly<Record<string, unknown>>)[],
  ): Promise<ZohoWriteResult[]>;
  /**
   * Inserts or updates up to 100 records, matching existing ones on `duplicateCheckFields` (unique fields, in
   * order), with `"trigger": []` like `updateRecords`.
   */
  upsertRecords(
    module: string,
    records: readonly Readonly<Record<string, unknown>>[],
    duplicateCheckFields: readonly string[],
  ): Promise<ZohoUpsertResult[]>;
  /** Deletes up to 100 records (to Zoho's recycle bin) with `wf_trigger=false`, so no workflow rule runs. */
  deleteRecords(module: string, ids: readonly string[]): Promise<ZohoDeleteResult[]>;
  /** A page of records changed since `modifiedSince` (all when undefined), oldest changes first. */
  listRecords(
    module: string,
    options: {
      readonly fields: readonly string[];
      readonly modifiedSince?: string | undefined;
      readonly pageToken?: string | undefined;
      readonly perPage?: number | undefined;
    },
  ): Promise<ZohoRecordPage>;
  /** A page (from 1) of records deleted since `deletedSince` (all when undefined). */
  listDeletedRecords(
    module: string,
    options: { readonly deletedSince?: string | undefined; readonly page?: number | undefined },
  ): Promise<ZohoDeletedPage>;
  /** Failed webhook deliveries Zoho kept (it keeps 30 days). */
  listWebhookFailures(): Promise<ZohoWebhookFailure[]>;
}
