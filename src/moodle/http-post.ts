import * as http from 'node:http';
import * as https from 'node:https';

/** What the Moodle client needs of an HTTP answer: a subset of fetch's Response. */
export interface PostResponse {
  status: number;
  statusText: string;
  text(): Promise<string>;
}

export interface PostInit {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** Aborts sending and reading; the error is then the signal's reason (a TimeoutError for AbortSignal.timeout). */
  signal: AbortSignal;
}

/** How the Moodle client sends a request: `httpPost` by default; `fetch` fits the same shape. */
export type PostTransport = (url: string, init: PostInit) => Promise<PostResponse>;

// Connections to Moodle are kept open between calls (a Moodle site answers over TLS: a handshake per call
// would cost more than the call). Node closes them before the server's Keep-Alive timeout runs out.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/**
 * POSTs with node:http(s). Where fetch (undici) would do the same, this costs a thread no memory of its own:
 * fetch's first call grows the process for each thread that makes it (the HTTP thread's health checks and the
 * worker thread's calls; docs/PERFORMANCE.md#moodle-calls-without-fetch).
 * Errors: the signal's reason when it aborted (timeout), else Node's network error (with its `code`).
 */
export const httpPost: PostTransport = (url, init) =>
  new Promise<PostResponse>((resolve, reject) => {
    const target = new URL(url);
    const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
    const failed = (error: unknown) => (init.signal.aborted ? init.signal.reason : error);
    const request = (protocol === 'https:' ? https : http).request(
      target,
      {
        method: init.method,
        headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        agent: agents[protocol],
        signal: init.signal,
      },
      (response) => {
        const body = (async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of response) chunks.push(chunk as Buffer);
          return Buffer.concat(chunks).toString('utf8');
        })().catch((error: unknown) => {
          throw failed(error);
        });
        // Read or not, a failure of the body must not go unhandled.
        body.catch(() => {});
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          text: () => body,
        });
      },
    );
    request.on('error', (error) => reject(failed(error)));
    request.end(init.body);
  });
