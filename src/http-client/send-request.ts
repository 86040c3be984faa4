import * as http from 'node:http';
import * as https from 'node:https';

/** What mzi's API clients (Zoho, Moodle) need of an HTTP answer: a subset of fetch's Response. */
export interface HttpResponse {
  status: number;
  statusText: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  text(): Promise<string>;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers: Record<string, string>;
  body?: string | undefined;
  /** Aborts sending and reading; the error is then the signal's reason (a TimeoutError for AbortSignal.timeout). */
  signal: AbortSignal;
}

/** How a client sends a request: `sendRequest` by default; tests may pass their own. */
export type HttpTransport = (url: string, init: HttpRequest) => Promise<HttpResponse>;

/** How the Zoho client sends a request. */
export type ZohoTransport = HttpTransport;
export type ZohoHttpResponse = HttpResponse;
export type ZohoHttpRequest = HttpRequest;

// Connections to Zoho and Moodle are kept open between calls: a site answers over TLS, and a handshake per call
// would cost more than the call.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/**
 * Sends a request with node:http(s). Where fetch (undici) would do the same, this costs a thread no memory of its
 * own: fetch's first call grows the process for each thread that makes it (docs/PERFORMANCE.md#moodle-calls-without-fetch).
 * Errors: the signal's reason when it aborted (timeout), else Node's network error (with its `code`).
 */
export const sendRequest: HttpTransport = (url, init) =>
  new Promise<HttpResponse>((resolve, reject) => {
    const target = new URL(url);
    const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
    const failed = (error: unknown) => (init.signal.aborted ? init.signal.reason : error);
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const request = (protocol === 'https:' ? https : http).request(
      target,
      { method: init.method, headers, agent: agents[protocol], signal: init.signal },
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
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          headers: flat,
          text: () => body,
        });
      },
    );
    request.on('error', (error) => reject(failed(error)));
    request.end(init.body);
  });
