import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpPost } from '../../src/moodle/http-post.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webservice/rest/server.php?x=1`;
}

const post = (url: string, body: string, timeoutMs = 2000) =>
  httpPost(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });

describe('httpPost', () => {
  it('posts the body with its length, reads the answer, and keeps one connection for successive calls', async () => {
    let connections = 0;
    const received: string[] = [];
    const url = await serve((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push(`${request.method} ${request.url} ${request.headers['content-length']} ${body}`);
        response.writeHead(200, 'OK', { 'content-type': 'application/json' });
        response.end('{"ok":"é"}');
      });
    });
    server?.on('connection', () => {
      connections += 1;
    });
    for (const body of ['a=1', 'b=é']) {
      const response = await post(url, body);
      expect(response.status).toBe(200);
      expect(response.statusText).toBe('OK');
      expect(await response.text()).toBe('{"ok":"é"}');
    }
    expect(received).toEqual([
      'POST /webservice/rest/server.php?x=1 3 a=1',
      'POST /webservice/rest/server.php?x=1 4 b=é',
    ]);
    expect(connections).toBe(1);
  });

  it('fails with the timeout when a server sends its headers and then stalls', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":');
    });
    const response = await post(url, 'a=1', 300);
    const error = await response.text().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
  });

  it('fails with the timeout when no answer comes, and with the network code when nobody listens', async () => {
    const url = await serve(() => {});
    await expect(post(url, 'a=1', 300)).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(post('http://127.0.0.1:1/', 'a=1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
