import { sendRequest } from '../http-client/send-request.js';

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

/** POSTs with the clients' shared node:http(s) transport (see sendRequest). */
export const httpPost: PostTransport = (url, init) => sendRequest(url, init);
