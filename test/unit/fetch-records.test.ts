import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { ClaimedEvent } from '../../src/db/schema.js';
import { ProcessingError } from '../../src/event-log/processing-error.js';
import { shouldRetry } from '../../src/event-log/retry-policy.js';
import { MODULES } from '../../src/modules/index.js';
import { fetchRecords, readFetchedRecord } from '../../src/worker/fetch-records.js';
import { createZohoLink, type ZohoModuleLink } from '../../src/worker/zoho-link.js';
import type { ZohoApi, ZohoRecord } from '../../src/zoho/zoho-api.js';

const config = loadConfig({ env: { ZOHO_FETCH_RECORDS: 'true' }, dotenvPath: null });

/** A ZohoApi that answers getRecord from `records` (or with `fail`), and records what it was asked. */
function stubZoho(records: Record<string, ZohoRecord>, fail?: Error) {
  const asked: string[] = [];
  const api: ZohoApi = {
    async getRecord(module, id) {
      asked.push(`${module}/${id}`);
      if (fail) throw fail;
      return records[id];
    },
    updateRecords: () => Promise.reject(new Error('not used')),
    upsertRecords: () => Promise.reject(new Error('not used')),
    deleteRecords: () => Promise.reject(new Error('not used')),
    listRecords: () => Promise.reject(new Error('not used')),
    listDeletedRecords: () => Promise.reject(new Error('not used')),
    listWebhookFailures: () => Promise.reject(new Error('not used')),
  };
  return { api, asked };
}

function event(recordId: string, eventType: string, data: Record<string, string | null> = {}): ClaimedEvent {
  return {
    id: Number(recordId.slice(-3)),
    event_id: `evt_${recordId}`,
    module: 'BTEC_Students',
    event_type: eventType,
    record_id: recordId,
    payload: JSON.stringify({ operation: eventType, data }),
    attempts: 1,
    max_attempts: 5,
    warnings: null,
    next_attempt_at: '2026-12-07T10:00:00.000Z',
  };
}

function moduleLink(name: string): ZohoModuleLink {
  const link = createZohoLink({ modules: MODULES, config, api: undefined }).modules;
  const found = [...link.values()].find((l) => l.module.name === name);
  if (!found) throw new Error(name);
  return found;
}

describe('readFetchedRecord', () => {
  it("reads a record from Zoho's API as intake reads a delivery: lookups to ids, numbers and flags to text", () => {
    const record: ZohoRecord = {
      id: '5725767000000412001',
      Class_Name: '  BTEC IT Level 3  ',
      Class_Short_Name: 'IT-L3',
      BTEC_Program: { id: '5725767000000300001', name: 'BTEC IT' },
      Teacher: null,
      Class_Status: 'Active',
      Moodle_Class_ID: 42,
      Start_Date: '2027-01-04',
      Owner: { id: '1', name: 'Someone', email: 'someone@example.com' },
      $approved: true,
    };
    const fetched = readFetchedRecord(record, moduleLink('class'), 10_000);
    expect(fetched.data).toEqual({
      Class_Name: 'BTEC IT Level 3',
      Class_Short_Name: 'IT-L3',
      BTEC_Program: '5725767000000300001',
      Teacher: null,
      Class_Status: 'Active',
      Moodle_Class_ID: '42',
      Start_Date: '2027-01-04',
    });
    expect(fetched.write_back).toEqual({ Moodle_Class_ID: '42' });
    // Fields Zoho sends that the module does not read (Owner, $approved) raise no warning.
    expect(fetched.warnings).toEqual([]);
  });

  it('keeps an empty write-back field as null and warns about a value it cannot read, never quoting it', () => {
    const fetched = readFetchedRecord(
      { id: '1', Name: 'Ana', Moodle_User_ID: '', Phone: ['+961 1 234 567'] },
      moduleLink('student'),
      10_000,
    );
    expect(fetched.data).toEqual({ Name: 'Ana', Moodle_User_ID: null });
    expect(fetched.write_back).toEqual({ Moodle_User_ID: null });
    expect(fetched.warnings.join(' ')).toContain('Phone');
    expect(fetched.warnings.join(' ')).not.toContain('234');
  });
});

describe('fetchRecords', () => {
  it("gives the handler the record as Zoho holds it, not the webhook's data", async () => {
    const { api } = stubZoho({ '1000001': { id: '1000001', Name: 'New Name', Academic_Email: 'new@x.edu' } });
    const link = createZohoLink({ modules: MODULES, config, api });
    const stale = event('1000001', 'update', { Name: 'Old Name', Academic_Email: 'old@x.edu' });
    const prepared = (await fetchRecords(link, [stale])).get(stale);
    if (!prepared?.ok) throw new Error('expected the event to be ready');
    expect(JSON.parse(prepared.event.payload).data).toEqual({
      Name: 'New Name',
      Academic_Email: 'new@x.edu',
    });
    expect(prepared.fetched?.data).toEqual({ Name: 'New Name', Academic_Email: 'new@x.edu' });
    // The claimed event itself is left as intake stored it.
    expect(JSON.parse(stale.payload).data.Name).toBe('Old Name');
  });

  it('never fetches a delete, and fetches nothing when ZOHO_FETCH_RECORDS is off', async () => {
    const { api, asked } = stubZoho({});
    const deleted = event('1000002', 'delete');
    const on = await fetchRecords(createZohoLink({ modules: MODULES, config, api }), [deleted]);
    expect(on.get(deleted)).toEqual({ ok: true, event: deleted });
    const off = loadConfig({ env: {}, dotenvPath: null });
    const inserted = event('1000003', 'insert', { Name: 'Ana' });
    const without = await fetchRecords(createZohoLink({ modules: MODULES, config: off, api }), [inserted]);
    expect(without.get(inserted)).toEqual({ ok: true, event: inserted });
    expect(asked).toEqual([]);
  });

  it('fails a record Zoho does not have for good, naming the module and the id', async () => {
    const { api } = stubZoho({});
    const missing = event('1000004', 'update');
    const prepared = (await fetchRecords(createZohoLink({ modules: MODULES, config, api }), [missing])).get(
      missing,
    );
    if (prepared?.ok !== false) throw new Error('expected a failure');
    const error = prepared.error as ProcessingError;
    expect(error.code).toBe('zoho.record_not_found');
    expect(error.message).toContain('BTEC_Students record 1000004');
    expect(shouldRetry(error)).toBe(false);
  });

  it("keeps Zoho's own verdict on a failed read, and retries a network failure", async () => {
    const limited = new ProcessingError('TOO_MANY_REQUESTS', 'Zoho rate limit', { retryable: true });
    const one = event('1000005', 'update');
    const a = (
      await fetchRecords(createZohoLink({ modules: MODULES, config, api: stubZoho({}, limited).api }), [one])
    ).get(one);
    expect(a).toEqual({ ok: false, error: limited });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const b = (
      await fetchRecords(createZohoLink({ modules: MODULES, config, api: stubZoho({}, reset).api }), [one])
    ).get(one);
    if (b?.ok !== false) throw new Error('expected a failure');
    expect((b.error as ProcessingError).code).toBe('zoho.fetch_failed');
    expect(shouldRetry(b.error)).toBe(true);
  });

  it('fails every insert and update with a clear reason when fetch is on but Zoho is not connected', async () => {
    const one = event('1000006', 'insert', { Name: 'Ana' });
    const prepared = (
      await fetchRecords(createZohoLink({ modules: MODULES, config, api: undefined }), [one])
    ).get(one);
    if (prepared?.ok !== false) throw new Error('expected a failure');
    const error = prepared.error as ProcessingError;
    expect(error.code).toBe('zoho.not_connected');
    expect(error.message).toContain('mzi zoho connect');
    expect(shouldRetry(error)).toBe(false);
  });

  it('reads a batch a few records at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const api: ZohoApi = {
      ...stubZoho({}).api,
      async getRecord(_module, id) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return { id, Name: `Student ${id}` };
      },
    };
    const link = createZohoLink({ modules: MODULES, config, api });
    const events = Array.from({ length: 20 }, (_, i) => event(String(2000100 + i), 'update'));
    const prepared = await fetchRecords(link, events);
    expect([...prepared.values()].every((p) => p.ok)).toBe(true);
    expect(most).toBe(link.fetchConcurrency);
  });
});
