/**
 * Revokes a refresh token at Zoho, and with it every access token it minted: `POST
 * {accounts}/oauth/v2/token/revoke?token=…` answers `{"status":"success"}`, or HTTP 400 for a token it does not
 * know (https://www.zoho.com/crm/developer/docs/api/v8/revoke-tokens.html). Returns why it failed, or undefined.
 */
export async function revokeRefreshToken(options: {
  accountsUrl: string;
  refreshToken: string;
  timeoutMs: number;
}): Promise<string | undefined> {
  const url = `${options.accountsUrl}/oauth/v2/token/revoke?${new URLSearchParams({ token: options.refreshToken })}`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const body = (await response.json().catch(() => undefined)) as { status?: unknown } | undefined;
    if (response.ok && body?.status === 'success') return undefined;
    return `Zoho answered HTTP ${response.status}${response.status === 400 ? ' (it no longer knows the token)' : ''}`;
  } catch (error) {
    return `Zoho's accounts server ${options.accountsUrl} could not be reached (${(error as Error).message})`;
  }
}
