import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMoodle, type FakeMoodleOptions, startFakeMoodle } from '../helpers/fake-moodle.js';
import { deliverRecord, resultOf, warningsOf } from '../helpers/module-deliveries.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let moodle: FakeMoodle | undefined;
let service: TestService | undefined;
afterEach(async () => {
  await service?.cleanup();
  await moodle?.close();
  service = undefined;
  moodle = undefined;
});

/** A fake Moodle and mzi using it; `env` may read the fake first (to name a category it holds). */
async function setup(
  env: Record<string, string> | ((m: FakeMoodle) => Record<string, string>) = {},
  fake: FakeMoodleOptions = {},
) {
  moodle = await startFakeMoodle(fake);
  const extra = typeof env === 'function' ? env(moodle) : env;
  service = await startTestService(
    { MOODLE_URL: moodle.url, MOODLE_TOKEN: moodle.token, MOODLE_TIMEOUT: '1', ...extra },
    { threads: false },
  );
  await service.moodleHealth.refresh();
  return { moodle, service };
}

const program = (recordId: string, data: Record<string, string | null>, operation = 'insert') => ({
  recordId,
  operation,
  data,
});

async function programRow(s: TestService, recordId: string) {
  const rows = await sql<Record<string, unknown>>`
    SELECT * FROM programs WHERE zoho_record_id = ${recordId}`.execute(s.database.db);
  return rows.rows[0];
}

const categoriesNamed = (m: FakeMoodle, name: string) =>
  [...m.categories.values()].filter((category) => category.name === name);

describe('programs', () => {
  it('links the category its MoodleID names', async () => {
    const { moodle, service } = await setup();
    const category = moodle.addCategory({ name: 'BTEC IT', idnumber: null });
    const event = await deliverRecord(
      service,
      'program',
      program('7100001', { Product_Name: 'BTEC IT', MoodleID: String(category.id) }),
    );
    expect(event.status).toBe('completed');
    expect(resultOf(event)).toEqual({
      local: 'created',
      moodle: { action: 'linked', category_id: category.id, category_name: 'BTEC IT', found_by: 'given' },
    });
    expect(await programRow(service, '7100001')).toMatchObject({
      product_name: 'BTEC IT',
      moodle_id: String(category.id),
      moodle_category_id: category.id,
      category_source: 'given',
    });
  });

  it('fails a MoodleID that is no category, saying how to find the right one', async () => {
    const { service } = await setup();
    const event = await deliverRecord(
      service,
      'program',
      program('7100002', { Product_Name: 'X', MoodleID: '999' }),
    );
    expect(event).toMatchObject({ status: 'failed', error_code: 'program.category_not_found' });
    expect(event.error_message).toBe(
      'MoodleID 999 of Zoho program 7100002 ("X") is not a Moodle course category (or the web-service user cannot see it). Correct MoodleID in Zoho (Site administration > Courses > Manage courses and categories shows each category\'s id), or empty it so mzi finds the category by its idnumber; then retry this event.',
    );
  });

  it('finds the category by its idnumber when MoodleID is empty', async () => {
    const { moodle, service } = await setup();
    const category = moodle.addCategory({ name: 'Business', idnumber: 'zoho-program-7100003' });
    const event = await deliverRecord(service, 'program', program('7100003', { Product_Name: 'Business' }));
    expect(resultOf(event).moodle).toMatchObject({
      action: 'linked',
      category_id: category.id,
      found_by: 'idnumber',
    });
  });

  it('creates the category with MOODLE_CREATE_CATEGORIES=true, once, and warns instead of renaming it', async () => {
    let parentId = 0;
    const { moodle, service } = await setup((m) => {
      parentId = m.addCategory({ name: 'Programs' }).id;
      return { MOODLE_CREATE_CATEGORIES: 'true', MOODLE_CATEGORY_PARENT_ID: String(parentId) };
    });
    const parent = { id: parentId };
    const created = await deliverRecord(
      service,
      'program',
      program('7100004', { Product_Name: 'Health & Care' }),
    );
    expect(created.status).toBe('completed');
    const [category] = categoriesNamed(moodle, 'Health & Care');
    expect(category).toMatchObject({ idnumber: 'zoho-program-7100004', parent: parent.id });
    expect(resultOf(created).moodle).toEqual({
      action: 'created',
      category_id: category?.id,
      idnumber: 'zoho-program-7100004',
      parent: parent.id,
    });

    const same = await deliverRecord(
      service,
      'program',
      program('7100004', { Product_Name: 'Health & Care' }, 'update'),
    );
    expect(resultOf(same).moodle).toMatchObject({ action: 'linked', category_id: category?.id });
    expect(warningsOf(same)).toEqual([]);

    const renamed = await deliverRecord(
      service,
      'program',
      program('7100004', { Product_Name: 'Health and Social Care' }, 'update'),
    );
    expect(renamed.status).toBe('completed');
    expect(warningsOf(renamed)[0]).toContain(
      `Moodle course category ${category?.id} is named "Health & Care" but Zoho program 7100004 is now "Health and Social Care": mzi does not rename categories.`,
    );
    expect(moodle.categories.get(category?.id ?? 0)?.name).toBe('Health & Care');
    expect(categoriesNamed(moodle, 'Health and Social Care')).toHaveLength(0);
  });

  it('uses MOODLE_DEFAULT_CATEGORY_ID when creating is off, and says so', async () => {
    let fallbackId = 0;
    const { moodle, service } = await setup((m) => {
      fallbackId = m.addCategory({ name: 'Unsorted' }).id;
      return { MOODLE_DEFAULT_CATEGORY_ID: String(fallbackId) };
    });
    const fallback = { id: fallbackId };
    const event = await deliverRecord(service, 'program', program('7100005', { Product_Name: 'Art' }));
    expect(event.status).toBe('completed');
    expect(resultOf(event).moodle).toMatchObject({ action: 'default', category_id: fallback.id });
    expect(warningsOf(event)[0]).toContain(`the program uses MOODLE_DEFAULT_CATEGORY_ID ${fallback.id}`);
    expect(await programRow(service, '7100005')).toMatchObject({
      moodle_category_id: fallback.id,
      category_source: 'default',
    });
    expect(categoriesNamed(moodle, 'Art')).toHaveLength(0);
  });

  it('fails with the three ways out when nothing resolves the category, and creates nothing', async () => {
    const { moodle, service } = await setup();
    const before = moodle.categories.size;
    const event = await deliverRecord(service, 'program', program('7100006', { Product_Name: 'Music' }));
    expect(event).toMatchObject({ status: 'failed', error_code: 'program.category_unresolved' });
    expect(event.error_message).toContain('set MoodleID in Zoho');
    expect(event.error_message).toContain('MOODLE_CREATE_CATEGORIES=true');
    expect(event.error_message).toContain('MOODLE_DEFAULT_CATEGORY_ID');
    expect(moodle.categories.size).toBe(before);
  });

  it('keeps the category of a deleted program and marks the program deleted', async () => {
    const { moodle, service } = await setup({ MOODLE_CREATE_CATEGORIES: 'true' });
    await deliverRecord(service, 'program', program('7100007', { Product_Name: 'Sport' }));
    const [category] = categoriesNamed(moodle, 'Sport');
    const deleted = await deliverRecord(service, 'program', program('7100007', {}, 'delete'));
    expect(resultOf(deleted)).toMatchObject({
      local: 'deleted',
      moodle: { action: 'kept', category_id: category?.id },
    });
    expect(moodle.categories.has(category?.id ?? 0)).toBe(true);
    expect((await programRow(service, '7100007'))?.deleted_at).not.toBeNull();
  });

  it('mirrors programs without Moodle when Moodle is not configured', async () => {
    service = await startTestService({}, { threads: false });
    const event = await deliverRecord(
      service,
      'program',
      program('7100008', { Product_Name: 'Law' }),
      'form',
    );
    expect(resultOf(event)).toMatchObject({ local: 'created', moodle: { action: 'skipped' } });
    expect(await programRow(service, '7100008')).toMatchObject({
      product_name: 'Law',
      moodle_category_id: null,
    });
  });
});

describe('programs with a restricted web-service user', () => {
  it('links the category MoodleID names, which it may read without its idnumber', async () => {
    const { moodle, service } = await setup({}, { restricted: true });
    const category = moodle.addCategory({ name: 'BTEC IT', idnumber: 'sis-it' });
    const event = await deliverRecord(
      service,
      'program',
      program('7200001', { Product_Name: 'BTEC IT', MoodleID: String(category.id) }),
    );
    expect(resultOf(event).moodle).toMatchObject({
      action: 'linked',
      category_id: category.id,
      found_by: 'given',
    });
  });

  it('names moodle/category:manage when it may not search categories by idnumber', async () => {
    const { moodle, service } = await setup({}, { restricted: true });
    moodle.addCategory({ name: 'Business', idnumber: 'zoho-program-7200002' });
    const event = await deliverRecord(service, 'program', program('7200002', { Product_Name: 'Business' }));
    expect(event).toMatchObject({ status: 'failed', error_code: 'program.category_search_refused' });
    expect(event.error_message).toBe(
      `mzi cannot find the Moodle course category of Zoho program 7200002 ("Business"): its MoodleID is empty and the web-service user may not search course categories by idnumber (it lacks moodle/category:manage). Set MoodleID in Zoho to the id of the program's category; or grant moodle/category:manage at Site administration > Users > Permissions > Define roles: edit the web-service user's role; or set MOODLE_DEFAULT_CATEGORY_ID (with MOODLE_CREATE_CATEGORIES off) to the category its classes should go in. Then retry this event.`,
    );
  });

  it('falls back to MOODLE_DEFAULT_CATEGORY_ID then, and says why', async () => {
    let fallbackId = 0;
    const { service } = await setup(
      (m) => {
        fallbackId = m.addCategory({ name: 'Unsorted' }).id;
        return { MOODLE_DEFAULT_CATEGORY_ID: String(fallbackId) };
      },
      { restricted: true },
    );
    const event = await deliverRecord(service, 'program', program('7200003', { Product_Name: 'Art' }));
    expect(resultOf(event).moodle).toMatchObject({ action: 'default', category_id: fallbackId });
    expect(warningsOf(event)[0]).toContain('it lacks moodle/category:manage');
  });
});
