import { describe, expect, it } from 'vitest';
import { withWriteBacks } from '../../src/write-back/write-back-table.js';
import { useZohoService } from '../helpers/zoho-service.js';

const STUDENTS = 'BTEC_Students';
const start = useZohoService({ ZOHO_FETCH_RECORDS: 'true' });

describe('a burst of webhooks with ZOHO_FETCH_RECORDS', () => {
  it('processes 1,000 id-only webhooks on one access token and writes every Moodle id back', async () => {
    const { zoho, moodle, service } = await start();
    const records = zoho.state.seed(STUDENTS, 1000, (i) => ({
      Name: `Burst Student${i}`,
      Academic_Email: `burst.${i}@student.example.edu`,
      Student_ID_Number: `BURST-${i}`,
      Student_Status: 'Active',
      Moodle_User_ID: null,
    }));
    // One webhook per record, as Zoho's workflow rule sends them: the id and Modified_Time only.
    for (const record of records) {
      const response = await service.app.inject({
        method: 'POST',
        url: '/api/v1/events/zoho/student?operation=insert',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ id: record.id, Modified_Time: record.Modified_Time }).toString(),
      });
      expect(response.statusCode).toBe(200);
    }
    await service.worker.drain();

    const statuses = await service.database.db
      .selectFrom('integration_events_log')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('status')
      .execute();
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['completed', 1000]]);
    expect(zoho.state.counts.calls['GET /crm/v8/{module}/{id}']).toBe(1000);
    // Zoho allows 10 access tokens per 10 minutes; one is all mzi needs.
    expect(zoho.state.counts.tokenRequests).toBe(1);
    expect(zoho.state.counts.tokenMints).toBe(1);

    const byIdnumber = new Map([...moodle.users.values()].map((user) => [user.idnumber, user.id]));
    const table = zoho.state.modules.get(STUDENTS);
    const missing = records.filter(
      (r, i) => table?.get(r.id)?.Moodle_User_ID !== String(byIdnumber.get(`BURST-${i}`)),
    );
    expect(missing).toEqual([]);
    // 100 records to a call, the most Zoho takes.
    expect(zoho.state.counts.calls['PUT /crm/v8/{module}']).toBe(10);
    const unsent = await withWriteBacks(service.database.db)
      .selectFrom('zoho_write_backs')
      .select('id')
      .where('status', '!=', 'written')
      .execute();
    expect(unsent).toEqual([]);
    expect(zoho.state.counts.workflowRuns).toEqual({});
  }, 180_000);
});
