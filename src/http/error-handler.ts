import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

export interface ErrorBody {
  error: string;
  message: string;
  [key: string]: unknown;
}

/** Fastify's own client errors, in words an operator can act on; `extra` adds fields such as the limit. */
const FASTIFY_CLIENT_ERRORS: Record<
  string,
  {
    error: string;
    message: (request: FastifyRequest) => string;
    extra?: (request: FastifyRequest) => Record<string, unknown>;
  }
> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    error: 'payload_too_large',
    message: (request) =>
      `The request body is larger than ${request.routeOptions.bodyLimit} bytes (BODY_LIMIT); a Zoho record is a few hundred bytes.`,
    extra: (request) => ({ setting: 'BODY_LIMIT', limit: request.routeOptions.bodyLimit }),
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    error: 'unsupported_media_type',
    message: () =>
      'This Content-Type is not supported: send application/json or application/x-www-form-urlencoded.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    error: 'empty_body',
    message: () => 'The request body is empty although Content-Type says JSON.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    error: 'invalid_content_length',
    message: () => 'Content-Length does not match the body that was sent.',
  },
};

/**
 * The one error handler (STYLE.md): an AppError or a Fastify client error below 500 answers its code and
 * message as JSON; anything else is logged and answers a generic 500 without internals.
 */
export function errorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error instanceof AppError && error.status < 500) {
    void reply
      .status(error.status)
      .send({ error: error.code, message: error.message, ...error.details } satisfies ErrorBody);
    return;
  }
  if (error instanceof AppError && error.status === 503) {
    void reply
      .status(503)
      .header('retry-after', '5')
      .send({ error: error.code, message: error.message } satisfies ErrorBody);
    return;
  }
  const statusCode = (error as FastifyError).statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = (error as FastifyError).code;
    const known = code ? FASTIFY_CLIENT_ERRORS[code] : undefined;
    const body: ErrorBody = known
      ? { error: known.error, message: known.message(request), ...known.extra?.(request) }
      : { error: 'bad_request', message: error.message.slice(0, 300) };
    void reply.status(statusCode).send(body);
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  void reply.status(500).send({
    error: 'internal_error',
    message: 'An unexpected error occurred; it has been logged.',
  } satisfies ErrorBody);
}
