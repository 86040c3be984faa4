/** The outcome of one real CRM call made to check a connection. */
export type ZohoAccessCheck =
  | { ok: true }
  | {
      ok: false;
      /** `scope`: the token lacks a scope; `module`: the org has no such module; `token`: Zoho refused the token. */
      kind: 'scope' | 'module' | 'token' | 'unreachable' | 'other';
      /** Zoho's `code`, when it sent one. */
      code: string | undefined;
      message: string;
    };

/**
 * Reads one record id of `module` (`GET {api}/crm/v8/{module}?fields=id&per_page=1`, one API credit), the
 * cheapest call that needs the scope mzi lives on: HTTP 200, or 204 for an empty module, means the token works
 * (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html). Errors come as `{"code","message",…}`:
 * 401 OAUTH_SCOPE_MISMATCH or INVALID_TOKEN, 400 INVALID_MODULE.
 */
export async function tryZohoAccess(options: {
  apiDomain: string;
  accessToken: string;
  module: string;
  timeoutMs: number;
}): Promise<ZohoAccessCheck> {
  const url = `${options.apiDomain}/crm/v8/${encodeURIComponent(options.module)}?fields=id&per_page=1`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Zoho-oauthtoken ${options.accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    return {
      ok: false,
      kind: 'unreachable',
      code: undefined,
      message: `Could not reach Zoho CRM at ${options.apiDomain} (${(error as Error).message})`,
    };
  }
  if (response.status === 200 || response.status === 204) {
    await response.body?.cancel();
    return { ok: true };
  }
  const body = (await response.json().catch(() => undefined)) as { code?: unknown } | undefined;
  const code = typeof body?.code === 'string' ? body.code.slice(0, 60) : undefined;
  if (code === 'OAUTH_SCOPE_MISMATCH')
    return {
      ok: false,
      kind: 'scope',
      code,
      message: `the token may not read ${options.module} (OAUTH_SCOPE_MISMATCH)`,
    };
  if (code === 'INVALID_MODULE')
    return {
      ok: false,
      kind: 'module',
      code,
      message: `Zoho CRM has no module ${options.module} in this organisation (INVALID_MODULE)`,
    };
  if (code === 'INVALID_TOKEN' || code === 'AUTHENTICATION_FAILURE' || response.status === 401)
    return {
      ok: false,
      kind: 'token',
      code,
      message: `Zoho CRM refused the token (${code ?? `HTTP ${response.status}`})`,
    };
  return {
    ok: false,
    kind: 'other',
    code,
    message: `Zoho CRM answered HTTP ${response.status}${code ? ` (${code})` : ''}`,
  };
}
