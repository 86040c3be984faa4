import type { Logger } from 'pino';
import type { CallLimiter } from '../http-client/call-limiter.js';
import type { ZohoTransport } from '../http-client/send-request.js';
import type { AccessTokenProvider, SharedToken } from './access-token-provider.js';
import { callFailure, transportFailure } from './call-failure.js';
import { errorAnswerSchema } from './zoho-answers.js';
import { ZohoError } from './zoho-errors.js';
import { parseRetryAfter, retryDelayMs } from './zoho-retry-policy.js';
import {
  type UsageRecorder,
  ZOHO_CALL_CREDITS,
  type ZohoCallReport,
  type ZohoCallType,
} from './zoho-usage.js';

/** One call to Zoho's CRM API, relative to the token's `api_domain`. */
export interface ZohoRequest {
  callType: ZohoCallType;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** From `/crm/v8/…`; path segments already encoded. */
  path: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  /** The scope this call needs, named when Zoho answers OAUTH_SCOPE_MISMATCH. */
  scope: string;
  /** A write answers per record, even with HTTP 400: such a body is the answer, not an error. */
  perRecordAnswer?: boolean;
}

/** Zoho's answer: HTTP status and parsed JSON (undefined for 204 No Content and 304 Not Modified). */
export interface ZohoAnswer {
  status: number;
  json: unknown;
}

export interface RetrySettings {
  /** Attempts in one call, the first included. Default 3. */
  attempts: number;
  baseDelayMs: number;
  /** Longest wait between attempts inside one call; a longer `Retry-After` fails the call retryably instead. */
  maxDelayMs: number;
}

export interface RequesterState {
  tokens: AccessTokenProvider;
  transport: ZohoTransport;
  /** Keeps the calls in flight within Zoho's concurrency limit. */
  limit: CallLimiter;
  timeoutMs: number;
  retry: RetrySettings;
  usage: UsageRecorder;
  now: () => number;
  logger?: Logger | undefined;
  onCall?: ((call: ZohoCallReport) => void) | undefined;
}

/**
 * Sends one request with the shared token: on INVALID_TOKEN it renews the token once and sends again once; on
 * a retryable failure (rate limit, 5xx, network) it waits and tries again, up to `retry.attempts`. Every
 * attempt is counted (calls, credits, metrics).
 */
export async function requestZoho(state: RequesterState, request: ZohoRequest): Promise<ZohoAnswer> {
  let renewed = false;
  for (let attempt = 1; ; attempt += 1) {
    const token = await state.tokens.get();
    const outcome = await sendOnce(state, request, token);
    if (!(outcome instanceof ZohoError)) return outcome;
    if (outcome.zohoCode === 'INVALID_TOKEN') {
      if (renewed) throw outcome;
      renewed = true;
      attempt -= 1;
      await state.tokens.invalidate(token);
      continue;
    }
    if (!outcome.retryable || attempt >= state.retry.attempts) throw outcome;
    const delay = retryDelayMs(attempt, { ...state.retry, retryAfterSeconds: outcome.retryAfterSeconds });
    if (delay > state.retry.maxDelayMs) throw outcome;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function sendOnce(
  state: RequesterState,
  request: ZohoRequest,
  token: SharedToken,
): Promise<ZohoAnswer | ZohoError> {
  const started = performance.now();
  const report = (outcome: string, credits: number) => {
    state.onCall?.({
      callType: request.callType,
      outcome,
      seconds: (performance.now() - started) / 1000,
      credits,
    });
    if (credits > 0) state.usage.record({ callType: request.callType, credits, at: state.now() });
  };
  let raw: RawAnswer;
  try {
    raw = await state.limit(() => exchange(state, request, token));
  } catch (error) {
    report('transport', 0);
    const where = `Zoho (${request.method} ${request.path})`;
    return transportFailure(error, { where, timeoutMs: state.timeoutMs, secrets: [token.accessToken] });
  }
  const read = readAnswer(request, raw, token, state.now());
  report(read.outcome, read.credits);
  return read.result;
}

interface RawAnswer {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

/** Sends the request and reads the whole answer, both within the timeout. */
async function exchange(state: RequesterState, request: ZohoRequest, token: SharedToken): Promise<RawAnswer> {
  const response = await state.transport(urlOf(token.apiDomain, request), {
    method: request.method,
    headers: {
      accept: 'application/json',
      authorization: `Zoho-oauthtoken ${token.accessToken}`,
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...request.headers,
    },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: AbortSignal.timeout(state.timeoutMs),
  });
  return {
    status: response.status,
    retryAfter: response.headers['retry-after'],
    text: await response.text(),
  };
}

/** What an answer means: the result, the outcome for metrics, and the credits Zoho counted for it. */
function readAnswer(
  request: ZohoRequest,
  raw: RawAnswer,
  token: SharedToken,
  now: number,
): { result: ZohoAnswer | ZohoError; outcome: string; credits: number } {
  const { status } = raw;
  const where = `${request.method} ${request.path}`;
  const credits = ZOHO_CALL_CREDITS[request.callType];
  if (status === 204 || status === 304) {
    return { result: { status, json: undefined }, outcome: status === 304 ? 'not_modified' : 'ok', credits };
  }
  const json = parseJson(raw.text);
  const perRecord =
    request.perRecordAnswer && status < 500 && Array.isArray((json as { data?: unknown } | undefined)?.data);
  if ((status >= 200 && status < 300) || perRecord) {
    if (json !== undefined) return { result: { status, json }, outcome: 'ok', credits };
    const result = new ZohoError(
      'zoho.bad_response',
      `Zoho answered ${where} with HTTP ${status} and no JSON`,
      {
        retryable: true,
        httpStatus: status,
      },
    );
    return { result, outcome: 'bad_response', credits };
  }
  const error = errorAnswerSchema.safeParse(json);
  const zohoCode = error.success ? error.data.code : undefined;
  const result = callFailure({
    where,
    status,
    zohoCode,
    message: error.success ? error.data.message : 'answer is not a Zoho error',
    details: error.success ? error.data.details : undefined,
    retryAfterSeconds: parseRetryAfter(raw.retryAfter, now),
    secrets: [token.accessToken],
    advice: zohoCode === 'OAUTH_SCOPE_MISMATCH' ? scopeAdvice(request.scope, token.scope) : undefined,
  });
  // A call refused before it ran (bad token, too many requests) counts no credit, on the reading that Zoho's
  // credit table prices the calls it serves.
  return { result, outcome: outcomeOf(status), credits: status === 401 || status === 429 ? 0 : credits };
}

function urlOf(apiDomain: string, request: ZohoRequest): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) query.set(name, value);
  }
  const search = query.toString();
  return `${apiDomain}${request.path}${search ? `?${search}` : ''}`;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function outcomeOf(status: number): string {
  if (status === 429) return 'rate_limited';
  if (status === 401) return 'auth';
  if (status >= 500) return 'server_error';
  return 'client_error';
}

function scopeAdvice(needed: string, granted: string | undefined): string {
  return `The Zoho connection lacks the scope ${needed}${granted ? ` (it has ${granted.split(/[\s,]+/).join(', ')})` : ''}: connect again with a grant code that includes it`;
}
