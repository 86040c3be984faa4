import { ZohoError } from './zoho-errors.js';
import { shouldRetryZohoAnswer, zohoErrorCode } from './zoho-retry-policy.js';

/** Replaces every secret in a text, so that no token or client secret reaches a message or a log. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret ? out.split(secret).join('[redacted]') : out), text);
}

/** No answer arrived: a network error or the timeout. Always retryable. */
export function transportFailure(
  error: unknown,
  context: { where: string; timeoutMs: number; secrets: readonly string[] },
): ZohoError {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new ZohoError('zoho.timeout', `No answer from ${context.where} within ${context.timeoutMs} ms`, {
      retryable: true,
      cause: error,
    });
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  return new ZohoError(
    'zoho.unreachable',
    scrubSecrets(`Could not reach ${context.where}: ${detail}`, context.secrets),
    {
      retryable: true,
      cause: error,
    },
  );
}

/** Zoho answered with an error: its `code`, `message` and `details` become a ZohoError. */
export function callFailure(answer: {
  where: string;
  status: number;
  zohoCode: string | undefined;
  message: string;
  details?: Readonly<Record<string, unknown>> | undefined;
  retryAfterSeconds?: number | undefined;
  secrets: readonly string[];
  /** Added to the message (e.g. which scope to grant). */
  advice?: string | undefined;
}): ZohoError {
  const { where, status, zohoCode } = answer;
  const details = answer.details && Object.keys(answer.details).length > 0 ? answer.details : undefined;
  const text = [
    `Zoho answered ${where} with HTTP ${status}`,
    zohoCode ? ` ${zohoCode}` : '',
    answer.message ? `: ${answer.message}` : '',
    details ? ` ${JSON.stringify(details)}` : '',
    answer.advice ? `. ${answer.advice}` : '',
  ].join('');
  return new ZohoError(zohoErrorCode(status, zohoCode), scrubSecrets(text, answer.secrets), {
    retryable: shouldRetryZohoAnswer(status, zohoCode),
    zohoCode,
    httpStatus: status,
    retryAfterSeconds: answer.retryAfterSeconds,
  });
}
