import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findModule } from '../../src/modules/index.js';
import type { ZohoModule } from '../../src/modules/zoho-module.js';
import { readSyncStatus } from '../../src/sync/read-sync-status.js';
import { runSyncRound, type SyncRoundOptions } from '../../src/sync/run-sync-round.js';
import { syncModule } from '../../src/sync/sync-module.js';
import { readSyncState } from '../../src/sync/sync-state.js';
import { listedZoho, zohoTime } from '../helpers/listed-zoho.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

/**
 * The sync's own logic (what it appends, its checkpoints, its lease, its budget) over a ZohoApi that lists
 * records held in memory; the end-to-end test over the fake Zoho is zoho-sync.test.ts.
 */
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

  const syncEvents = () =>
    service.database.db
      .selectFrom('integration_events_log')
      .select(['record_id', 'event_type', 'status', 'source', 'dedup_key'])
      .where('source', '=', 'sync')
      .orderBy('id')
      .execute();

  const mirrored = () =>
    service.database.db
      .withTables<{
        programs: { zoho_record_id: string; product_name: string | null; deleted_at: string | null };
      }>()
      .selectFrom('programs')
      .select(['zoho_record_id', 'product_name', 'deleted_at'])
      .orderBy('zoho_record_id')
      .execute();

  it('appends an insert per unknown record over several pages, then nothing on a second sync', async () => {
    const zoho = listedZoho({ records: Array.from({ length: 120 }, (_, i) => program(i)) });
    const first = await run(zoho.api);
    expect(first).toMatchObject({ fetched: 120, inserted: 120, updated: 0, deleted: 0, pages: 4 });
    await service.worker.drain();
    expect(await mirrored()).toHaveLength(120);
    const second = await run(zoho.api);
    expect(second).toMatchObject({ inserted: 0, updated: 0, deleted: 0, queued: 0 });
    expect(second.unchanged).toBe(second.fetched);
    expect(await syncEvents()).toHaveLength(120);
  });

  it('appends updates for newer records and deletes for records deleted in Zoho', async () => {
    const zoho = listedZoho({ records: Array.from({ length: 10 }, (_, i) => program(i)) });
    await run(zoho.api);
    await service.worker.drain();
    zoho.state.records.set('9000003', { ...program(3, 100), Product_Name: 'Renamed' });
    zoho.state.records.delete('9000004');
    zoho.state.deleted.push({ id: '9000004', deletedTime: zohoTime(101), type: 'recycle' });
    const summary = await run(zoho.api);
    expect(summary).toMatchObject({ inserted: 0, updated: 1, deleted: 1 });
    await service.worker.drain();
    const rows = new Map((await mirrored()).map((row) => [row.zoho_record_id, row]));
    expect(rows.get('9000003')?.product_name).toBe('Renamed');
    expect(rows.get('9000004')?.deleted_at).not.toBeNull();
    expect((await run(zoho.api)).inserted + (await run(zoho.api)).updated).toBe(0);
  });

  it('appends nothing and keeps its state on a dry run', async () => {
    const zoho = listedZoho({ records: Array.from({ length: 60 }, (_, i) => program(i)) });
    const dry = await run(zoho.api, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, inserted: 60 });
    expect(await syncEvents()).toHaveLength(0);
    expect((await readSyncState(service.database.db, 'program', new Date())).cursor).toBeNull();
    expect((await run(zoho.api)).inserted).toBe(60);
  });

  it('resumes after a failure mid-sync without losing or duplicating an event', async () => {
    const zoho = listedZoho({ records: Array.from({ length: 200 }, (_, i) => program(i)) });
    zoho.state.failAfterPages = 2;
    await expect(run(zoho.api)).rejects.toThrow('listing failed on purpose');
    expect(await syncEvents()).toHaveLength(100);
    const state = await readSyncState(service.database.db, 'program', new Date());
    expect(state.last_error).toContain('listing failed on purpose');
    expect(state.cursor).toBe(zohoTime(99));
    zoho.state.failAfterPages = undefined;
    const resumed = await run(zoho.api);
    expect(resumed.inserted).toBe(100);
    const events = await syncEvents();
    expect(events).toHaveLength(200);
    expect(new Set(events.map((e) => e.record_id)).size).toBe(200);
  });

  it("stops on Zoho's rate limit and resumes from its checkpoint", async () => {
    const zoho = listedZoho({ records: Array.from({ length: 150 }, (_, i) => program(i)) });
    zoho.state.failAfterPages = 1;
    zoho.state.failWith = Object.assign(new Error('Too many requests'), {
      code: 'zoho.rate_limited',
      httpStatus: 429,
    });
    const limited = await run(zoho.api);
    expect(limited.stopped?.reason).toBe('rate_limited');
    expect(limited.inserted).toBe(50);
    zoho.state.failAfterPages = undefined;
    expect((await run(zoho.api)).inserted).toBe(100);
    expect(await syncEvents()).toHaveLength(150);
  });

  it('lets one sync of a module run at a time', async () => {
    const zoho = listedZoho({ records: [program(1)] });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const leased = new Promise<void>((resolve) => {
      started = resolve;
    });
    // The first run holds the lease from its start; it waits before its first page until released.
    const first = run(zoho.api, {
      owner: 'first',
      beforePage: async () => {
        started();
        await held;
        return undefined;
      },
    });
    await leased;
    const second = await run(zoho.api, { owner: 'second' });
    expect(second.stopped).toMatchObject({ reason: 'busy' });
    expect(second.stopped?.message).toContain('first');
    release();
    expect((await first).inserted).toBe(1);
  });

  describe('background rounds', () => {
    const round = (zoho: ReturnType<typeof listedZoho>, extra: Partial<SyncRoundOptions> = {}) =>
      runSyncRound({
        db: service.database.db,
        zoho: zoho.api,
        modules: [programs],
        appender: service.appender,
        owner: 'process-a',
        intervalSeconds: 900,
        dailyCreditBudget: undefined,
        creditsLast24h: undefined,
        maxFieldLength: 10_000,
        pacing: { pageGapMs: 0, backlogLimit: 10_000, backlogCheckMs: 1, backlogWaitMs: 0 },
        logger: service.logger,
        ...extra,
      });

    it('runs in one process per interval, and keeps the failed webhook deliveries Zoho lists', async () => {
      const zoho = listedZoho({ records: [program(1), program(2)] });
      zoho.api.listWebhookFailures = async () => [
        {
          id: 'f1',
          webhookName: 'mzi program',
          module: 'Products',
          recordId: '9000002',
          failedAt: '2026-12-01T09:00:00+00:00',
          reason: 'Connection timed out',
        },
      ];
      const [a, b] = await Promise.all([round(zoho), round(zoho, { owner: 'process-b' })]);
      expect([a.status, b.status].sort()).toEqual(['done', 'skipped']);
      expect((await round(zoho, { owner: 'process-b' })).status).toBe('skipped');
      expect(await syncEvents()).toHaveLength(2);
      const status = await readSyncStatus(service.database.db, {
        modules: [programs],
        connected: true,
        intervalSeconds: 900,
        dailyCreditBudget: undefined,
        creditsLast24h: undefined,
      });
      expect(status.webhook_failures).toMatchObject({ count: 1, recent: [{ record_id: '9000002' }] });
      expect(status.modules[0]).toMatchObject({ module: 'program', appended: { insert: 2 } });
    });

    it('stops when the daily credit budget is reached, and says so', async () => {
      const zoho = listedZoho({ records: [program(1)] });
      const outcome = await round(zoho, { dailyCreditBudget: 100, creditsLast24h: async () => 100 });
      expect(outcome.status).toBe('budget_reached');
      expect(zoho.state.calls).toBe(0);
      expect(await syncEvents()).toHaveLength(0);
      const status = await readSyncStatus(service.database.db, {
        modules: [programs],
        connected: true,
        intervalSeconds: 900,
        dailyCreditBudget: 100,
        creditsLast24h: async () => 100,
      });
      expect(status).toMatchObject({ status: 'budget_reached', budget: { reached: true, spent_24h: 100 } });
    });

    it('makes way for a backlog of pending events, and resumes on its next round', async () => {
      const zoho = listedZoho({ records: Array.from({ length: 450 }, (_, i) => program(i)) });
      await service.worker.stop();
      const slowed = await round(zoho, {
        pacing: { pageGapMs: 0, backlogLimit: 30, backlogCheckMs: 1, backlogWaitMs: 3 },
      });
      expect(slowed.summaries[0]?.stopped?.reason).toBe('backlog');
      expect(await syncEvents()).toHaveLength(200);
      await service.worker.drain();
      expect((await round(zoho, { intervalSeconds: 0 })).status).toBe('done');
      const events = await syncEvents();
      expect(events).toHaveLength(450);
      expect(new Set(events.map((e) => e.record_id)).size).toBe(450);
    });
  });
});
