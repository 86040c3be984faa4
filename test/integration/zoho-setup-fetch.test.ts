import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMzi } from '../helpers/mzi-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let testDb: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  env = {
    DATABASE_URL: testDb.url,
    ZOHO_WEBHOOK_TOKEN: 'zoho-token-value',
    ZOHO_WEBHOOK_SECRET: 'zoho-secret-value',
  };
});
afterAll(async () => {
  await testDb.drop();
});

describe('mzi zoho-setup with ZOHO_FETCH_RECORDS', () => {
  it('prints webhooks that send only the record id and its Modified_Time, and says why', () => {
    const full = runMzi(['zoho-setup', 'student', '--url', 'https://mzi.school.example'], env);
    const short = runMzi(['zoho-setup', 'student', '--url', 'https://mzi.school.example'], {
      ...env,
      ZOHO_FETCH_RECORDS: 'true',
    });
    expect(full.code).toBe(0);
    expect(short.code).toBe(0);
    expect(full.stdout).toContain('${!BTEC_Students.Academic_Email}');
    expect(short.stdout).toContain('ZOHO_FETCH_RECORDS=true');
    expect(short.stdout).toContain('reads each created or edited record from Zoho');
    expect(short.stdout).toContain('${!BTEC_Students.id}');
    expect(short.stdout).toContain('${!BTEC_Students.Modified_Time}');
    expect(short.stdout).not.toContain('${!BTEC_Students.Academic_Email}');
    expect(short.stdout).toContain('Module parameters (2 of 25 allowed');
  });

  it('prints Deluge functions that post the record id alone, without reading the record', () => {
    const full = runMzi(['zoho-setup', 'class', '--deluge', '--url', 'https://mzi.school.example'], env);
    const short = runMzi(['zoho-setup', 'class', '--deluge', '--url', 'https://mzi.school.example'], {
      ...env,
      ZOHO_FETCH_RECORDS: 'true',
    });
    expect(full.code).toBe(0);
    expect(short.code).toBe(0);
    expect(full.stdout).toContain('zoho.crm.getRecordById');
    expect(short.stdout).toContain('ZOHO_FETCH_RECORDS=true');
    expect(short.stdout).not.toContain('zoho.crm.getRecordById');
    expect(short.stdout).not.toContain('data.put("Class_Name"');
    expect(short.stdout.match(/data\.put\("id", id\);/g)).toHaveLength(3);
  });
});
