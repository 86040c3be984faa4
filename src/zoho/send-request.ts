import * as http from 'node:http';
import * as https from 'node:https';

/** What the Zoho client needs of an HTTP answer: a subset of fetch's Response. */
export interface ZohoHttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  text(): Promise<string>;
}

export interface ZohoHttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  headers: Record<string, string>;
  body?: string | undefined;
  /** Aborts sending and reading; the error is then the signal's reason (a TimeoutError for AbortSignal.timeout). */
  signal: AbortSignal;
}

/** How the Zoho client sends a request: `sendRequest` by default; tests may pass their own. */
export type ZohoTransport = (url: string, init: ZohoHttpRequest) => Promise<ZohoHttpResponse>;

// Connections to Zoho are kept open between calls: every call is TLS, and a handshake per call would cost more
// than the call.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/**
 * Sends a request with node:http(s), as the Moodle client does (fetch would grow every thread that calls it).
 * Errors: the signal's reason when it aborted (timeout), else Node's network error (with its `code`).
 */
export const sendRequest: ZohoTransport = (url, init) =>
  new Promise<ZohoHttpResponse>((resolve, reject) => {
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
        resolve({ status: response.statusCode ?? 0, headers: flat, text: () => body });
      },
    );
    request.on('error', (error) => reject(failed(error)));
    request.end(init.body);
  });
