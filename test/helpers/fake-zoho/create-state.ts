import {
  DEFAULT_SCOPE,
  type FakeZohoRecord,
  type FakeZohoState,
  newRecordId,
  randomToken,
  zohoDateTime,
} from './state.js';
import { runWorkflow } from './workflow.js';

export interface FakeZohoStateOptions {
  clientId?: string;
  clientSecret?: string;
  /** The refresh token the fake honours from the start (random by default). */
  refreshToken?: string;
  scope?: string;
  /** Zoho says 3600. */
  accessTokenLifetimeSeconds?: number;
  /** CRM calls in flight at once before 429 TOO_MANY_REQUESTS; default 20 (Enterprise edition). */
  concurrencyLimit?: number;
  /** Per module, the fields marked unique (see `FakeZohoState.uniqueFields`). */
  uniqueFields?: Record<string, string[]>;
  now?: () => number;
}

const USER = { name: 'Zoho Admin', id: '5725767000000411001' };

export function createFakeZohoState(options: FakeZohoStateOptions = {}): FakeZohoState {
  const refreshToken = options.refreshToken ?? randomToken('1000');
  const state: FakeZohoState = {
    now: options.now ?? Date.now,
    clientId: options.clientId ?? `1000.${randomToken('client').slice(7, 37).toUpperCase()}`,
    clientSecret: options.clientSecret ?? randomToken('secret').slice(7, 49),
    refreshTokens: new Map([[refreshToken, { scope: options.scope ?? DEFAULT_SCOPE }]]),
    grantCodes: new Map(),
    accessTokens: new Map(),
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3600,
    concurrencyLimit: options.concurrencyLimit ?? 20,
    latencyMs: 0,
    mintTimes: new Map(),
    modules: new Map(),
    deleted: new Map(),
    webhookFailures: [],
    workflowWebhooks: {},
    uniqueFields: { ...options.uniqueFields },
    mandatoryFields: {},
    pageTokens: new Map(),
    counts: {
      tokenRequests: 0,
      tokenMints: 0,
      calls: {},
      workflowRuns: {},
      workflowDeliveries: 0,
      concurrencyRefusals: 0,
    },
    pending: { rateLimited: 0, failing: 0, inFlight: 0, workflows: new Set() },
    rateLimitNext(n) {
      state.pending.rateLimited += n;
    },
    failNext(n) {
      state.pending.failing += n;
    },
    seed(module, records, fields) {
      const list: Partial<FakeZohoRecord>[] =
        typeof records === 'number' ? Array.from({ length: records }, () => ({})) : records;
      const table = moduleTable(state, module);
      return list.map((partial, index) => {
        const at = state.now();
        const record: FakeZohoRecord = {
          Name: `${module} ${table.size + 1}`,
          Created_Time: zohoDateTime(at),
          ...fields?.(index),
          ...partial,
          id: partial.id ?? newRecordId(),
          Modified_Time: partial.Modified_Time ?? zohoDateTime(at),
        };
        table.set(record.id, record);
        return record;
      });
    },
    edit(module, id, fields, editOptions = {}) {
      const record = state.modules.get(module)?.get(id);
      if (!record) throw new Error(`fake Zoho: no ${module} record ${id}`);
      Object.assign(record, fields, { id, Modified_Time: zohoDateTime(state.now()) });
      if (editOptions.runWorkflow) runWorkflow(state, module, record);
      return record;
    },
    remove(module, id, type = 'recycle') {
      const record = state.modules.get(module)?.get(id);
      if (!record) throw new Error(`fake Zoho: no ${module} record ${id}`);
      state.modules.get(module)?.delete(id);
      const list = state.deleted.get(module) ?? [];
      list.push({
        id,
        display_name: String(record.Name ?? id),
        type,
        deleted_time: zohoDateTime(state.now()),
        deleted_by: USER,
        created_by: USER,
      });
      state.deleted.set(module, list);
    },
    expireAccessTokens() {
      for (const token of state.accessTokens.values()) token.expiresAt = state.now() - 1;
    },
    issueGrantCode(scope = DEFAULT_SCOPE) {
      const code = randomToken('1000');
      state.grantCodes.set(code, { scope, expiresAt: state.now() + 3 * 60_000 });
      return code;
    },
    async workflowsSettled() {
      while (state.pending.workflows.size > 0) await Promise.all([...state.pending.workflows]);
    },
  };
  return state;
}

/** The module's records, created empty on first use (a test names the modules it needs). */
export function moduleTable(state: FakeZohoState, module: string): Map<string, FakeZohoRecord> {
  let table = state.modules.get(module);
  if (!table) {
    table = new Map();
    state.modules.set(module, table);
  }
  return table;
}

/** The refresh token the fake was started with. */
export function firstRefreshToken(state: FakeZohoState): string {
  const [token] = state.refreshTokens.keys();
  if (!token) throw new Error('fake Zoho: no refresh token');
  return token;
}
