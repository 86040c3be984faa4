import { randomBytes } from 'node:crypto';

/** A record as the fake keeps it: field API names to JSON values, `id` and `Modified_Time` always set. */
export type FakeZohoRecord = { id: string; Modified_Time: string } & Record<string, unknown>;

export interface FakeDeletedRecord {
  id: string;
  display_name: string;
  type: 'recycle' | 'permanent';
  deleted_time: string;
  deleted_by: { name: string; id: string };
  created_by: { name: string; id: string };
}

/** A failed webhook delivery, as `GET /settings/automation/webhook_failures` lists it. */
export interface FakeWebhookFailure {
  id: string;
  webhook: { name: string; id: string };
  entity_details: { name: string; id: string; module: { api_name: string } };
  failed_time: string;
  failure_reason: string;
}

/** Where the module's workflow rule posts a record (a Zoho webhook), and in what body. */
export type FakeWorkflowWebhook =
  | string
  | { url: string; body: (record: FakeZohoRecord) => { contentType: string; body: string } };

export interface FakeAccessToken {
  refreshToken: string;
  scope: string;
  expiresAt: number;
}

/** The fake's whole state: tests read and change it directly. */
export interface FakeZohoState {
  /** The fake's clock (epoch ms): token expiry, Modified_Time and deleted_time read it. */
  now: () => number;
  clientId: string;
  clientSecret: string;
  /** Refresh tokens the accounts server honours, with the scopes they grant. */
  refreshTokens: Map<string, { scope: string }>;
  /** One-time grant codes (Self Client or redirect flow), with the scopes they grant. */
  grantCodes: Map<string, { scope: string; expiresAt: number }>;
  accessTokens: Map<string, FakeAccessToken>;
  accessTokenLifetimeSeconds: number;
  /** CRM calls the app may have in flight at once; more answer 429 (Enterprise edition: 20). */
  concurrencyLimit: number;
  /** How long each CRM call takes before its checks run (0: at once), so that calls overlap as Zoho's do. */
  latencyMs: number;
  /** Every access token minted (epoch ms), per refresh token: the 10-per-10-minutes limit reads it. */
  mintTimes: Map<string, number[]>;
  modules: Map<string, Map<string, FakeZohoRecord>>;
  deleted: Map<string, FakeDeletedRecord[]>;
  webhookFailures: FakeWebhookFailure[];
  workflowWebhooks: Record<string, FakeWorkflowWebhook>;
  /**
   * Per module, the fields marked "Do not allow duplicate values": what an upsert may name in
   * `duplicate_check_fields`, besides `Name` (a custom module's system-defined duplicate-check field).
   */
  uniqueFields: Record<string, string[]>;
  /** Per module, the fields an inserted record must have; `['Name']` (a custom module's record name) if unset. */
  mandatoryFields: Record<string, string[]>;
  /** Page tokens handed out: the ids of the listing, in order, and where the next page starts. */
  pageTokens: Map<
    string,
    { module: string; ids: string[]; offset: number; fields: string[]; expiresAt: number }
  >;
  counts: {
    /** Requests to the token endpoint, whatever their answer. */
    tokenRequests: number;
    /** Access tokens minted. */
    tokenMints: number;
    /** CRM API requests per endpoint, e.g. `GET /crm/v8/{module}/{id}`. */
    calls: Record<string, number>;
    /** Workflow rules fired by writes, per module. */
    workflowRuns: Record<string, number>;
    /** CRM calls refused because too many were in flight at once. */
    concurrencyRefusals: number;
    /** Workflow webhook deliveries that reached their URL with a 2xx. */
    workflowDeliveries: number;
  };
  /** Answers the next `n` CRM requests with 429 TOO_MANY_REQUESTS. */
  rateLimitNext(n: number): void;
  /** Answers the next `n` CRM requests with 500 INTERNAL_ERROR. */
  failNext(n: number): void;
  /** Seeds records (generated when a count is given): returns them. */
  seed(
    module: string,
    records: number | Partial<FakeZohoRecord>[],
    fields?: (i: number) => Record<string, unknown>,
  ): FakeZohoRecord[];
  /**
   * Changes a record as a Zoho user would (bumps Modified_Time). With `runWorkflow`, the module's workflow rule
   * runs as it would for that edit (its webhook is posted); without, it is an edit whose webhook never came.
   */
  edit(
    module: string,
    id: string,
    fields: Record<string, unknown>,
    options?: { runWorkflow?: boolean },
  ): FakeZohoRecord;
  /** Deletes a record (to the recycle bin by default). */
  remove(module: string, id: string, type?: 'recycle' | 'permanent'): void;
  /** Expires every access token now (as a revocation would). */
  expireAccessTokens(): void;
  /** Issues a grant code, as a Self Client does in the API console. */
  issueGrantCode(scope?: string): string;
  /** Resolves once every workflow webhook delivery started so far has finished. */
  workflowsSettled(): Promise<void>;
  pending: { rateLimited: number; failing: number; inFlight: number; workflows: Set<Promise<void>> };
}

export const DEFAULT_SCOPE = 'ZohoCRM.modules.ALL ZohoCRM.settings.automation_actions.READ';

let sequence = 5_725_767_000_000_000_000n;

/** A Zoho-looking record id (19 digits). */
export function newRecordId(): string {
  sequence += 1n;
  return String(sequence);
}

/** Zoho's date-time format: ISO 8601 with an offset and no fraction (`2026-12-07T10:00:00+00:00`). */
export function zohoDateTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19)}+00:00`;
}

export function randomToken(prefix: string): string {
  return `${prefix}.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
}
