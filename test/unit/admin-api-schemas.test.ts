import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { MAX_EVENT_ID } from '../../src/event-log/find-event.js';
import {
  EVENT_LIST_QUERY,
  FORM_BODY,
  ID_PARAMS,
  parseRequestPart,
  QUERY_PARAMETERS,
  toRouteSchema,
} from '../../src/http/routes/admin-api-schemas.js';

describe('admin API schemas', () => {
  it('give Fastify a JSON schema with the same bounds as the zod schema, and no $schema key', () => {
    const json = toRouteSchema(EVENT_LIST_QUERY) as { properties: Record<string, Record<string, unknown>> };
    expect(json).not.toHaveProperty('$schema');
    expect(json.properties.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 50 });
    expect(json.properties.cursor).toMatchObject({ type: 'integer', minimum: 0, maximum: MAX_EVENT_ID });
    expect(json.properties.status).toMatchObject({
      enum: ['pending', 'processing', 'completed', 'failed', 'duplicate'],
    });
    expect(toRouteSchema(ID_PARAMS)).toEqual({
      type: 'object',
      properties: { id: { type: 'string' } },
      required: ['id'],
    });
  });

  it('type a valid request part and fill in defaults', () => {
    expect(parseRequestPart(EVENT_LIST_QUERY, { status: 'failed', cursor: 7 })).toEqual({
      status: 'failed',
      cursor: 7,
      limit: 50,
    });
  });

  it('answer a request part that does not fit with a 400 bad_request naming the parameter', () => {
    const refusal = (() => {
      try {
        parseRequestPart(EVENT_LIST_QUERY, { limit: 501 });
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ code: 'bad_request', status: 400 });
    expect((refusal as AppError).message).toMatch(/^limit /);
  });

  it('read query parameters without copying them, and anything but a form body as an empty form', () => {
    const query = Object.assign(Object.create(null) as Record<string, unknown>, { q: 'ada' });
    expect(parseRequestPart(QUERY_PARAMETERS, query)).toBe(query);
    expect(() => parseRequestPart(QUERY_PARAMETERS, ['q'])).toThrow(AppError);
    expect(parseRequestPart(FORM_BODY, { token: 't' })).toEqual({ token: 't' });
    expect(parseRequestPart(FORM_BODY, [1, 2])).toEqual({});
    expect(parseRequestPart(FORM_BODY, undefined)).toEqual({});
  });
});
