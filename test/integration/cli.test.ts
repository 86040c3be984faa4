import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MZI_BIN, type MziServer, runMzi, startMziServer, waitForIdle } from '../helpers/mzi-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let testDb: TestDatabase;
let env: Record<string, string>;
let server: MziServer;

beforeAll(async () => {
  testDb = await createTestDatabase();
  env = { DATABASE_URL: testDb.url, ZOHO_WEBHOOK_SECRET: 'cli-secret' };
  server = await startMziServer(env);
});
afterAll(async () => {
  await server.stop();
  await testDb.drop();
});

const send = (...args: string[]) => runMzi(['send', 'student', '--url', server.baseUrl, ...args], env);

describe('mzi CLI', () => {
  it('sends a signed Zoho-shaped delivery to a running server and prints the reply', async () => {
    const result = send(
      '--operation',
      'insert',
      '--record-id',
      '9100001',
      '--field',
      'Academic_Email=cli.student@student.example.edu',
      '--field',
      'Student_ID_Number=CLI-1',
      '--field',
      'Name=Cli Student',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('HTTP 200');
    expect(result.stdout).toContain('"status":"queued"');
    await waitForIdle(server.baseUrl);
  });

  it('sends the custom JSON body with --format json', async () => {
    const result = send(
      '--format',
      'json',
      '--operation',
      'create',
      '--field',
      'Academic_Email=json.cli@student.example.edu',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"event_type":"insert"');
    await waitForIdle(server.baseUrl);
  });

  it('exits non-zero and prints the server error when the delivery is refused', () => {
    const result = runMzi(['send', 'student', '--url', server.baseUrl, '--field', 'Academic_Email=a@b.edu'], {
      ...env,
      ZOHO_WEBHOOK_SECRET: 'wrong-secret',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('HTTP 401');
  });

  it('refuses an unknown field name before sending', () => {
    const result = send('--field', 'Shoe_Size=44');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"Shoe_Size" is not a BTEC_Students field');
  });

  it('lists events one per line, newest first, with the error of failed ones', async () => {
    send('--record-id', '9100002', '--field', 'Academic_Email=not-an-email');
    await waitForIdle(server.baseUrl);
    const all = runMzi(['events', 'list'], env);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\[failed\] BTEC_Students\.insert - [0-9a-f-]{36} at \d{4}-\d\d-\d\dT/);
    expect(lines[1]).toContain(
      'error: Academic_Email "not-an-email" of Zoho record 9100002 is not a valid email address',
    );
    expect(all.stdout).toMatch(/\[completed\] BTEC_Students\.insert - /);

    const failed = runMzi(['events', 'list', '--status', 'failed', '--limit', '5'], env);
    expect(failed.stdout).not.toContain('[completed]');
    expect(runMzi(['events', 'list', '--status', 'bogus'], env).code).not.toBe(0);
  });

  it('shows one event in full and retries it', async () => {
    const failed = runMzi(['events', 'list', '--status', 'failed', '--json'], env);
    const event = JSON.parse(failed.stdout.trim().split('\n')[0] as string) as { event_id: string };
    const shown = runMzi(['events', 'show', event.event_id], env);
    expect(shown.code).toBe(0);
    const detail = JSON.parse(shown.stdout);
    expect(detail).toMatchObject({ event_id: event.event_id, status: 'failed', record_id: '9100002' });
    expect(detail.attempts_history).toHaveLength(1);
    expect(detail.headers['x-zoho-signature']).toBe('[redacted]');

    const retried = runMzi(['events', 'retry', event.event_id], env);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(`queued ${event.event_id}`);
    // The running server picks the retry up by its poll.
    await waitForIdle(server.baseUrl);
    const after = JSON.parse(runMzi(['events', 'show', event.event_id], env).stdout);
    expect(after.status).toBe('failed');
    expect(after.attempts_history).toHaveLength(2);

    expect(runMzi(['events', 'retry', '--failed'], env).stdout).toMatch(/queued 1 failed event/);
    await waitForIdle(server.baseUrl);
    expect(runMzi(['events', 'show', 'no-such-id'], env).code).toBe(1);
  });

  it('shows a student by Zoho id, Student_ID_Number or email (case-insensitive)', () => {
    for (const ref of ['9100001', 'CLI-1', 'CLI.Student@student.example.edu']) {
      const result = runMzi(['students', 'show', ref], env);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        zoho_record_id: '9100001',
        student_id_number: 'CLI-1',
      });
    }
    const missing = runMzi(['students', 'show', 'nobody@example.edu'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No student matches');
    // The records related to the student come with it (none yet: no module lists any for students).
    expect(JSON.parse(runMzi(['students', 'show', '9100001'], env).stdout).related).toEqual([]);
  });

  it('lists students, most recently changed first, searched with --q, as lines or JSON', () => {
    const found = runMzi(['students', 'list', '--q', 'CLI-1'], env);
    expect(found.code).toBe(0);
    expect(found.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^9100001 {2}Cli Student \| cli\.student@student\.example\.edu \| CLI-1 \| - \| - {2}\(changed \d{4}-/,
      ),
    ]);
    const json = runMzi(['students', 'list', '--limit', '1', '--json'], env);
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(json.stdout)).toHaveProperty('zoho_record_id');
    expect(runMzi(['students', 'list', '--q', 'nobody-at-all'], env).stdout.trim()).toBe(
      'no student matches',
    );
    expect(runMzi(['students', 'list', '--limit', '0'], env).code).not.toBe(0);
  });

  it('prints stats', () => {
    const result = runMzi(['stats', '--json'], env);
    const stats = JSON.parse(result.stdout);
    expect(stats.total_events).toBeGreaterThanOrEqual(3);
    expect(stats.by_source.zoho).toBe(stats.total_events);
    expect(runMzi(['stats'], env).stdout).toContain('total events:');
  });

  it('prints the Zoho webhook setup within Zoho limits, one webhook per operation', () => {
    const result = runMzi(['zoho-setup', 'student', '--url', 'https://mzi.school.example'], {
      ...env,
      ZOHO_WEBHOOK_TOKEN: 'zoho-token-value',
    });
    expect(result.code).toBe(0);
    for (const op of ['insert', 'update', 'delete']) {
      expect(result.stdout).toContain(
        `https://mzi.school.example/api/v1/events/zoho/student?operation=${op}`,
      );
    }
    expect(result.stdout).toContain('X-Webhook-Token: zoho-token-value');
    expect(result.stdout).toContain('${!BTEC_Students.Academic_Email}');
    expect(result.stdout).toContain('${!BTEC_Students.id}');
    expect(result.stdout).toMatch(/Module parameters \((\d+) of 25 allowed/);
    const count = Number(/Module parameters \((\d+) of 25/.exec(result.stdout)?.[1]);
    expect(count).toBeLessThanOrEqual(25);
  });

  it('prints signed Deluge functions with a placeholder secret, and the real one only with --show-secret', () => {
    const args = ['zoho-setup', 'student', '--deluge', '--url', 'https://mzi.school.example/'];
    const result = runMzi(args, env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('url: "https://mzi.school.example/api/v1/events/zoho/student"');
    expect(result.stdout).toContain('zoho.crm.getRecordById("BTEC_Students", id.toLong());');
    expect(result.stdout.match(/secret = "PASTE-ZOHO_WEBHOOK_SECRET-HERE";/g)).toHaveLength(3);
    expect(result.stdout).not.toContain('cli-secret');

    const shown = runMzi([...args, '--show-secret'], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.match(/secret = "cli-secret";/g)).toHaveLength(3);

    const plain = runMzi([...args, '--no-timestamp'], env);
    expect(plain.stdout).toContain('zoho.encryption.hmacsha256(secret, body);');
    expect(plain.stdout).not.toContain('X-Zoho-Timestamp": ts');

    const misplaced = runMzi(['zoho-setup', 'student', '--show-secret'], env);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--show-secret goes with --deluge');
    const noSecret = runMzi([...args, '--show-secret'], { ...env, ZOHO_WEBHOOK_SECRET: '' });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('ZOHO_WEBHOOK_SECRET is empty');
  });

  it('migrates and reports an up-to-date schema', () => {
    const result = runMzi(['migrate'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('up to date');
  });

  it('reports a bad configuration clearly and exits 2', () => {
    const result = runMzi(['stats'], { ...env, PORT: 'not-a-port' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PORT');
  });

  it('shows control characters of Zoho values escaped, in text and in JSON that stays valid', async () => {
    // Clear screen, set the window title, 8-bit CSI, a line separator, a bidi override, a carriage return.
    const hostile = 'A\u001b[2J\u001b]0;pwned\u0007\u009b31m\u2028\u202eZ\rB';
    const email = `bad${hostile}@student.example.edu`;
    const name = `Eve ${hostile}`;
    send('--record-id', '9100090', '--field', `Academic_Email=${email}`);
    send(
      '--record-id',
      '9100091',
      '--field',
      'Academic_Email=eve@student.example.edu',
      '--field',
      `Name=${name}`,
    );
    await waitForIdle(server.baseUrl);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach the terminal raw.
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

    const list = runMzi(['events', 'list', '--record', '9100090'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toMatch(raw);
    expect(list.stdout).toContain(
      'error: Academic_Email "bad' +
        'A\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m\\u2028\\u202eZ\\u000dB@student.example.edu"',
    );
    expect(list.stdout.trim().split('\n')).toHaveLength(2);

    const json = runMzi(['events', 'list', '--record', '9100090', '--json'], env);
    expect(json.stdout).not.toMatch(raw);
    const event = JSON.parse(json.stdout) as { event_id: string; payload: { data: Record<string, string> } };
    expect(event.payload.data.Academic_Email).toBe(email);

    const shown = runMzi(['events', 'show', event.event_id], env);
    expect(shown.stdout).not.toMatch(raw);
    expect(JSON.parse(shown.stdout).error_message).toContain(email);

    const student = runMzi(['students', 'show', '9100091'], env);
    expect(student.code).toBe(0);
    expect(student.stdout).not.toMatch(raw);
    expect(JSON.parse(student.stdout).name).toBe(name);
  });
});

describe('the mzi command itself', () => {
  it('runs from its shebang with the Node options and malloc arenas of npm start', () => {
    const shebang = readFileSync(MZI_BIN, 'utf8').split('\n')[0] as string;
    const start = (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        scripts: { start: string };
      }
    ).scripts.start;
    const fromShebang = /^#!\/usr\/bin\/env -S MALLOC_ARENA_MAX=(\d+) node((?: --\S+)*)$/.exec(shebang);
    const fromStart =
      /^MALLOC_ARENA_MAX=\$\{MALLOC_ARENA_MAX:-(\d+)\} node((?: --\S+)*) bin\/mzi\.js serve$/.exec(start);
    expect(fromShebang?.[2]).toBeDefined();
    expect(fromStart?.slice(1)).toEqual(fromShebang?.slice(1));
    // Executed directly, as `npx mzi` does, not through `node bin/mzi.js`.
    const result = spawnSync(MZI_BIN, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
