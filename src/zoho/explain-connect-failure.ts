import { AppError } from '../errors.js';
import { ZohoError } from './zoho-errors.js';

/**
 * What a failed grant code exchange means for someone connecting, by the accounts server's `error`
 * (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token.html,
 * https://www.zoho.com/crm/developer/docs/api/v8/token-validity.html): the ZohoError's message is written for a
 * running service, this one says what to do now. Anything else keeps its message.
 */
export function explainConnectFailure(error: unknown, accountsUrl: string): unknown {
  if (!(error instanceof ZohoError)) return error;
  const advice: Record<string, string> = {
    invalid_code:
      'Zoho refused the grant code (invalid_code): it has expired (a code lives 3 to 10 minutes, as chosen when it was generated), was already used, or was made in another data centre. Generate a new code (API Console › Self Client › Generate Code) and connect again at once.',
    invalid_client: `Zoho's accounts server ${accountsUrl} does not know this client id (invalid_client). Check the client id, and the data centre: a client exists in the data centre of the account that created it (an account at zoho.eu is --dc eu).`,
    invalid_client_secret:
      'Zoho refused the client secret (invalid_client_secret). Copy it again from the API Console (the Client Secret tab of the client).',
    invalid_redirect_uri:
      'Zoho refused the redirect URI (invalid_redirect_uri): add the callback URL the Zoho page of the dashboard shows to the client\'s "Authorized Redirect URIs" in the API Console.',
  };
  const known = error.zohoCode !== undefined ? advice[error.zohoCode] : undefined;
  if (known !== undefined)
    return new AppError(
      error.zohoCode === 'invalid_code' ? 'zoho.invalid_code' : 'zoho.oauth_refused',
      known,
      {
        status: 400,
        details: { zoho_error: error.zohoCode },
      },
    );
  if (error.code === 'zoho.no_refresh_token' || error.code === 'zoho.token_rate_limited')
    return new AppError(error.code, error.message, { status: 400 });
  return new AppError(
    error.code,
    `${error.message}. Check the data centre (--dc) or --accounts-url, and that mzi can reach Zoho.`,
    {
      status: 502,
    },
  );
}
