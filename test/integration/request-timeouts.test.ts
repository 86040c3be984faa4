import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customStudentBody, fixtureText } from '../helpers/deliveries.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

/**
 * Slow or stalled requests (issue 15): headers must arrive within HEADERS_TIMEOUT and the whole request within
 * REQUEST_TIMEOUT, else mzi answers 408 with a JSON body and closes the connection. Raw sockets play the slow
 * client; the limits are set to 1 s here.
 */

const TOKEN = 'request-timeouts-token-4b1d9e7c';
/** Past this, the server has not closed the connection at all: the test fails instead of waiting on. */
const GIVE_UP_MS = 20_000;

let service: TestService;
let port: number;

beforeAll(async () => {
  service = await startTestService({ ZOHO_WEBHOOK_TOKEN: TOKEN, HEADERS_TIMEOUT: '1', REQUEST_TIMEOUT: '1' });
  await service.app.listen({ port: 0, host: '127.0.0.1' });
  port = (service.app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await service?.cleanup();
});

interface Exchange {
  /** Everything the server sent before it closed the connection. */
  received: string;
  /** False when the server still held the connection after GIVE_UP_MS. */
  closedByServer: boolean;
}

/** Opens a connection, writes `sent`, then stalls until the server closes it. */
function stallAfter(sent: string): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      if (sent !== '') socket.write(sent);
    });
    let received = '';
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve({ received, closedByServer: false });
    }, GIVE_UP_MS);
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ received, closedByServer: true });
    });
  });
}

function parseAnswer(received: string) {
  const [head = '', body = ''] = received.split('\r\n\r\n');
  return { statusLine: head.split('\r\n')[0], head: head.toLowerCase(), body };
}

async function storedEvents(): Promise<number> {
  const row = await service.database.db
    .selectFrom('integration_events_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const delivery = JSON.stringify(customStudentBody());
const headersFor = (length: number) =>
  `POST /api/v1/events/zoho/student?operation=insert HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Webhook-Token: ${TOKEN}\r\nContent-Length: ${length}\r\n`;

describe('slow and stalled requests', () => {
  it('answers 408 JSON and closes the connection when the body stalls after the headers, storing nothing', async () => {
    const exchange = await stallAfter(`${headersFor(delivery.length)}\r\n${delivery.slice(0, 40)}`);
    expect(exchange.closedByServer).toBe(true);
    const answer = parseAnswer(exchange.received);
    expect(answer.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(answer.head).toContain('content-type: application/json');
    expect(JSON.parse(answer.body)).toMatchObject({
      error: 'request_timeout',
      message: expect.stringContaining('REQUEST_TIMEOUT'),
    });
    expect(await storedEvents()).toBe(0);
  }, 30_000);

  it('answers 408 JSON and closes the connection when the headers stall half-way', async () => {
    const exchange = await stallAfter(headersFor(delivery.length).split('X-Webhook-Token')[0] ?? '');
    expect(exchange.closedByServer).toBe(true);
    const answer = parseAnswer(exchange.received);
    expect(answer.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(JSON.parse(answer.body)).toMatchObject({
      error: 'request_timeout',
      message: expect.stringContaining('HEADERS_TIMEOUT'),
    });
    expect(await storedEvents()).toBe(0);
  }, 30_000);

  it('closes a connection that never sends a byte', async () => {
    const exchange = await stallAfter('');
    expect(exchange.closedByServer).toBe(true);
    expect(parseAnswer(exchange.received).statusLine).toBe('HTTP/1.1 408 Request Timeout');
  }, 30_000);

  it('answers headers too large with 431 JSON, and input that is not HTTP with 400 JSON', async () => {
    const large = await stallAfter(
      `GET /api/v1/events/health HTTP/1.1\r\nHost: a\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(parseAnswer(large.received).statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(JSON.parse(parseAnswer(large.received).body)).toMatchObject({ error: 'headers_too_large' });
    const garbage = await stallAfter('HELLO THERE\r\n\r\n');
    expect(parseAnswer(garbage.received).statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(parseAnswer(garbage.received).body)).toMatchObject({ error: 'bad_request' });
  }, 30_000);

  it('answers an HTTP/1.1 request without Host with 400 JSON', async () => {
    const exchange = await stallAfter('GET /api/v1/events/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    const answer = parseAnswer(exchange.received);
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'missing_host' });
  }, 30_000);

  it('still takes a delivery sent at once, under the same limits', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/events/zoho/student?operation=insert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-token': TOKEN },
      body: fixtureText('zoho/student-custom.json'),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ success: true, status: 'queued' });
    expect(await storedEvents()).toBe(1);
  });
});
