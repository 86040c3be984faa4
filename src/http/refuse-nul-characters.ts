import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/**
 * Refuses a request whose query or path parameters hold U+0000. No id, filter or search of mzi holds one, and
 * PostgreSQL text cannot (it rejects the query with 22021, which would surface as a 500); SQLite would simply
 * match nothing. Refused here, both databases answer the same 400.
 */
export async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  const sources = { query: request.query, path: request.params } as const;
  for (const [where, values] of Object.entries(sources)) {
    if (!values || typeof values !== 'object') continue;
    for (const [name, value] of Object.entries(values)) {
      const texts: unknown[] = Array.isArray(value) ? value : [value];
      if (!texts.some((text) => typeof text === 'string' && text.includes('\u0000'))) continue;
      throw new AppError(
        'invalid_parameter',
        `The ${where} parameter "${name}" contains a NUL character (U+0000), which no id, filter or search holds; remove it.`,
        { status: 400, details: { parameter: name } },
      );
    }
  }
}
