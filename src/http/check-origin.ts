import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/** Fetch metadata values a browser sends for a request this site started itself (or the user typed). */
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a state-changing admin request a browser sent from another origin (issue 15). SameSite cookies do not
 * stop a page on another port of the same host (same site, other origin), so the origin itself is checked: the
 * browser's `Sec-Fetch-Site` when sent, and `Origin`, which must name this host and port. `Origin: null` (sandboxed
 * frames, opaque redirects) passes only when `Sec-Fetch-Site` says same-origin; a missing `Origin` passes (clients
 * other than browsers, which carry no cookie). A Bearer request needs no check: browsers never attach one by
 * themselves. Throws a 403 AppError, never anything else, whatever the headers hold.
 */
export function checkOrigin(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (/^Bearer\s/i.test(request.headers.authorization ?? '')) return;
  const fetchSite = header(request, 'sec-fetch-site');
  if (fetchSite !== undefined && !OWN_FETCH_SITES.has(fetchSite.toLowerCase())) {
    throw forbidden(`the browser says it came from a ${fetchSite.slice(0, 20)} page (Sec-Fetch-Site)`);
  }
  const origin = header(request, 'origin');
  if (origin === undefined) return;
  if (origin === 'null') {
    if (fetchSite?.toLowerCase() === 'same-origin') return;
    throw forbidden('its Origin is "null"');
  }
  const host = hostOf(origin);
  if (host === undefined) throw forbidden('its Origin header is not a URL such as https://mzi.example.org');
  if (host !== String(request.host ?? '').toLowerCase())
    throw forbidden('it came from another site or port (Origin)');
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function hostOf(origin: string): string | undefined {
  if (!URL.canParse(origin)) return undefined;
  const url = new URL(origin);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : undefined;
}

function forbidden(reason: string): AppError {
  return new AppError(
    'forbidden_origin',
    `This request changes data and was refused because ${reason}. Use the dashboard at this address, or call the API with Authorization: Bearer <ADMIN_TOKEN>.`,
    { status: 403 },
  );
}
