import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

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

export interface BurstResult {
  sent: number;
  ok: number;
  failed: number;
  firstSentAt: number;
  lastAckAt: number;
}

/**
 * Sends deliveries 0..count-1 of a phase with `concurrency` keep-alive connections, as fast as mzi
 * acknowledges them (a Zoho burst). Bodies are built and signed up front so the sender costs little.
 */
export async function sendBurst(options: {
  url: string;
  template: string;
  prefix: string;
  count: number;
  concurrency: number;
  /** Stop sending this long after the first delivery (a bounded run); `sent` then says how many went. */
  capMs?: number;
}): Promise<BurstResult> {
  const target = new URL(options.url);
  const prepared: { body: Buffer; signature: string }[] = [];
  for (let i = 0; i < options.count; i++) {
    const body = bodyFor(options.template, options.prefix, i);
    prepared.push({ body: Buffer.from(body), signature: signBody(body) });
  }
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  let next = 0;
  let ok = 0;
  let failed = 0;
  const firstSentAt = Date.now();
  const deadline = firstSentAt + (options.capMs ?? Number.POSITIVE_INFINITY);
  const post = (item: { body: Buffer; signature: string }) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': item.body.length,
            'x-zoho-signature': `sha256=${item.signature}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(item.body);
    });
  const lane = async () => {
    while (next < prepared.length && Date.now() < deadline) {
      const item = prepared[next++] as { body: Buffer; signature: string };
      let status = 0;
      try {
        status = await post(item);
      } catch {
        status = 0;
      }
      if (status === 200) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  const lastAckAt = Date.now();
  agent.destroy();
  return { sent: ok + failed, ok, failed, firstSentAt, lastAckAt };
}
