import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findModule } from '../../src/modules/index.js';
import type { ZohoModule } from '../../src/modules/zoho-module.js';
import { syncModule } from '../../src/sync/sync-module.js';
import { listedZoho, zohoTime } from '../helpers/listed-zoho.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const programs = findModule('program') as ZohoModule;

function program(n: number, minutes = n) {
  return {
    id: String(9_000_000 + n),
    Product_Name: `Program ${n}`,
    MoodleID: null,
    Modified_Time: zohoTime(minutes),
  };
}

describe('syncModule', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService({}, { threads: false });
  });
  afterEach(async () => {
    await service.cleanup();
  });

  const run = (
    zoho: ReturnType<typeof listedZoho>['api'],
    extra: Partial<Parameters<typeof syncModule>[0]> = {},
  ) =>
    syncModule({
      db: service.database.db,
      zoho,
      module: programs,
      appender: service.appender,
      owner: 'test',
      maxFieldLength: 10_000,
      perPage: 50,
      ...extra,
    });

  async function syncEvents() {
    return service.database.db
      .selectFrom('integration_events_log')
      .select(['record_id', 'event_type', 'status', 'source', 'dedup_key'])
      .where('source', '=', 'sync')
      .orderBy('id')
      .execute();
  }

  it('appends an insert per unknown record over several pages, then nothing on a second sync', async () => {
    const zoho = listedZoho({ records: Array.from({ length: 120 }, (_, i) => program(i)) });
    const first = await run(zoho.api);
    expect(first).toMatchObject({ fetched: 120, inserted: 120, updated: 0, deleted: 0, pages: 4 });
    await service.worker.drain();
    const second = await run(zoho.api);
    expect(second).toMatchObject({ inserted: 0, updated: 0, deleted: 0, unchanged: second.fetched });
    expect(await syncEvents()).toHaveLength(120);
  });

  it('resumes after a failure mid-sync without losing or duplicating an event', async () => {
    const zoho = listedZoho({ records: Array.from({ length: 200 }, (_, i) => program(i)) });
    zoho.state.failAfterPages = 2;
    await expect(run(zoho.api)).rejects.toThrow('listing failed on purpose');
    expect(await syncEvents()).toHaveLength(100);
    zoho.state.failAfterPages = undefined;
    const resumed = await run(zoho.api);
    expect(resumed.inserted).toBe(100);
    const events = await syncEvents();
    expect(events).toHaveLength(200);
    expect(new Set(events.map((e) => e.record_id)).size).toBe(200);
  });
});
