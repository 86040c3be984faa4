import { describe, expect, it } from 'vitest';
import type { ZohoTransport } from '../../src/http-client/send-request.js';
import { createTokenCipher } from '../../src/zoho/token-cipher.js';
import { exchangeGrantCode, refreshAccessToken } from '../../src/zoho/zoho-accounts.js';
import { zohoFailureOf } from '../helpers/zoho-failure.js';

const credentials = {
  clientId: '1000.CLIENT',
  clientSecret: 'very-secret',
  refreshToken: '1000.refresh.token',
  accountsUrl: 'https://accounts.zoho.eu',
};

function answering(
  status: number,
  body: string,
  seen: { url?: string; body?: string | undefined } = {},
): ZohoTransport {
  return async (url, init) => {
    seen.url = url;
    seen.body = init.body;
    return { status, statusText: '', headers: {}, text: async () => body };
  };
}

describe('refreshAccessToken', () => {
  it('posts the refresh token in the body and reads the token with its api_domain', async () => {
    const seen: { url?: string; body?: string | undefined } = {};
    const token = await refreshAccessToken(credentials, {
      transport: answering(
        200,
        '{"access_token":"1000.abc","scope":"ZohoCRM.modules.ALL","api_domain":"https://www.zohoapis.eu/","token_type":"Bearer","expires_in":3600}',
        seen,
      ),
    });
    expect(token).toEqual({
      accessToken: '1000.abc',
      expiresIn: 3600,
      apiDomain: 'https://www.zohoapis.eu',
      scope: 'ZohoCRM.modules.ALL',
      tokenType: 'Bearer',
    });
    expect(seen.url).toBe('https://accounts.zoho.eu/oauth/v2/token');
    expect(Object.fromEntries(new URLSearchParams(seen.body))).toEqual({
      grant_type: 'refresh_token',
      client_id: '1000.CLIENT',
      client_secret: 'very-secret',
      refresh_token: '1000.refresh.token',
    });
  });

  it.each([
    ['{"error":"invalid_code"}', 'zoho.invalid_code', false],
    ['{"error":"invalid_client"}', 'zoho.invalid_client', false],
    ['{"error":"invalid_client_secret"}', 'zoho.invalid_client', false],
    [
      '{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}',
      'zoho.token_rate_limited',
      true,
    ],
    ['{"error":"something_new"}', 'zoho.something_new', false],
  ])('turns the answer %s into %s', async (body, code, retryable) => {
    const error = await zohoFailureOf(refreshAccessToken(credentials, { transport: answering(200, body) }));
    expect(error).toMatchObject({ code, retryable });
    expect(error.message).not.toContain('very-secret');
    expect(error.message).not.toContain('1000.refresh.token');
  });

  it('treats an unreachable or failing accounts server as transient', async () => {
    const refused: ZohoTransport = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    };
    expect(await zohoFailureOf(refreshAccessToken(credentials, { transport: refused }))).toMatchObject({
      code: 'zoho.unreachable',
      retryable: true,
    });
    expect(
      await zohoFailureOf(
        refreshAccessToken(credentials, { transport: answering(502, '<html>Bad gateway</html>') }),
      ),
    ).toMatchObject({ code: 'zoho.server_error', retryable: true, httpStatus: 502 });
  });
});

describe('exchangeGrantCode', () => {
  it('returns the refresh token with the first access token', async () => {
    const seen: { body?: string | undefined } = {};
    const token = await exchangeGrantCode(
      { ...credentials, code: '1000.grant', redirectUri: 'https://mzi.example/zoho/callback' },
      {
        transport: answering(
          200,
          '{"access_token":"1000.a","refresh_token":"1000.r","api_domain":"https://www.zohoapis.com","token_type":"Bearer","expires_in":3600}',
          seen,
        ),
      },
    );
    expect(token).toMatchObject({ accessToken: '1000.a', refreshToken: '1000.r' });
    expect(new URLSearchParams(seen.body).get('grant_type')).toBe('authorization_code');
    expect(new URLSearchParams(seen.body).get('redirect_uri')).toBe('https://mzi.example/zoho/callback');
  });

  it('says when the grant code was used or expired', async () => {
    const error = await zohoFailureOf(
      exchangeGrantCode(
        { ...credentials, code: 'x' },
        { transport: answering(200, '{"error":"invalid_code"}') },
      ),
    );
    expect(error.code).toBe('zoho.invalid_code');
  });
});

describe('token cipher', () => {
  it('opens what it sealed, and nothing sealed under other credentials', () => {
    const cipher = createTokenCipher(credentials);
    const sealed = cipher.encrypt('1000.access');
    expect(sealed).not.toContain('1000.access');
    expect(cipher.decrypt(sealed)).toBe('1000.access');
    expect(createTokenCipher({ ...credentials, refreshToken: 'other' }).decrypt(sealed)).toBeUndefined();
    expect(cipher.decrypt('garbage')).toBeUndefined();
  });
});
