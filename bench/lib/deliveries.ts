import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

/** The HMAC secret mzi runs with during the benchmark (loopback only, thrown away). */
export const BENCH_SECRET = 'bench-secret-not-for-production';

/**
 * The student delivery of test/fixtures/zoho/student-custom.json, compact, with "{N}" where each delivery
 * gets its own id: notification_id, record_id, Student_ID_Number and Academic_Email are unique per delivery,
 * so every event is a new student that passes validation (no duplicates, no id clashes).
 */
export function loadTemplate(fixturePath: string): string {
  const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as {
    data: Record<string, string>;
  } & Record<string, unknown>;
  const body = {
    ...fixture,
    notification_id: '5725767{N}_1764324000000',
    record_id: '5725767{N}',
    data: {
      ...fixture.data,
      Student_ID_Number: 'B{N}',
      Academic_Email: 's{N}@student.example.edu',
    },
  };
  return JSON.stringify(body);
}

/** The id of delivery `i` in a phase: a 3-digit phase prefix and 9 digits, as deliveries.lua builds it. */
export function deliveryId(prefix: string, i: number): string {
  return `${prefix}${String(i).padStart(9, '0')}`;
}

export function bodyFor(template: string, prefix: string, i: number): string {
  return template.replaceAll('{N}', deliveryId(prefix, i));
}

export function signBody(body: string): string {
  return createHmac('sha256', BENCH_SECRET).update(body).digest('hex');
}

/** Writes `count` signatures (one hex line per delivery) for deliveries.lua. */
export function writeSignatures(path: string, template: string, prefix: string, count: number): void {
  const lines = new Array<string>(count);
  for (let i = 0; i < count; i++) lines[i] = signBody(bodyFor(template, prefix, i));
  writeFileSync(path, `${lines.join('\n')}\n`);
}
