import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ErrorBody } from './error-handler.js';

export interface ClientErrorHandlerOptions {
  logger: Logger;
  headersTimeoutSeconds: number;
  requestTimeoutSeconds: number;
}

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request: a request that did not arrive within
 * HEADERS_TIMEOUT / REQUEST_TIMEOUT (408), headers too large (431), anything that is not HTTP (400). Written as
 * raw bytes on the socket, which is then closed, with the same JSON body as every other 4xx.
 */
export function createClientErrorHandler(options: ClientErrorHandlerOptions) {
  const timeout: ErrorBody = {
    error: 'request_timeout',
    message: `The request did not arrive in time: its headers must arrive within ${options.headersTimeoutSeconds} s (HEADERS_TIMEOUT) and the whole request within ${options.requestTimeoutSeconds} s (REQUEST_TIMEOUT). Send it again without pausing.`,
  };
  const headerOverflow: ErrorBody = {
    error: 'headers_too_large',
    message:
      'The request headers are larger than the server accepts; send shorter headers (cookies, tokens).',
  };
  const malformed: ErrorBody = {
    error: 'bad_request',
    message: 'The request is not valid HTTP/1.1; check the client or proxy that sent it.',
  };

  return function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
    // A reset connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, body] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, timeout]
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, headerOverflow]
          : [400, malformed];
    options.logger.info(
      { statusCode: status, code: error.code, remoteAddress: socket.remoteAddress },
      'request refused before it was read',
    );
    if (socket.writable) {
      const json = JSON.stringify(body);
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
      );
    }
    socket.destroy();
  };
}
