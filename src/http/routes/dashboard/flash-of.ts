import type { FastifyRequest } from 'fastify';
import type { Flash } from '../../../dashboard/layout.js';
import { parseRequestPart, QUERY_PARAMETERS } from '../admin-api-schemas.js';

/** Messages shown after an action; only these texts are ever displayed (nothing from the query is echoed). */
const FLASHES: Record<string, Flash> = {
  retried: { kind: 'info', text: 'The event was queued for another attempt.' },
  'bulk-retried': { kind: 'info', text: 'The failed events were queued for another attempt.' },
  'test-sent': { kind: 'info', text: 'Test delivery sent. This is the event it made.' },
  'login-failed': { kind: 'error', text: 'That is not the admin token.' },
  'logged-out': { kind: 'info', text: 'You are signed out.' },
  'not-retryable': { kind: 'error', text: 'This event cannot be retried.' },
  'zoho-disconnected': {
    kind: 'info',
    text: 'The stored Zoho connection is removed and its refresh token revoked at Zoho.',
  },
  'zoho-disconnected-unrevoked': {
    kind: 'error',
    text: 'The stored Zoho connection is removed, but Zoho could not revoke its refresh token: remove it in Zoho (accounts › Sessions › Connected Apps).',
  },
};

/** The message that the request's `?flash=` names, if it names one. */
export const flashOf = (request: FastifyRequest): Flash | undefined =>
  FLASHES[String(parseRequestPart(QUERY_PARAMETERS, request.query).flash ?? '')];
