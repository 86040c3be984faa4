import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createTokenCipher } from './token-cipher.js';
import {
  finishMintRequest,
  invalidateToken,
  mintsSince,
  pruneMints,
  readTokenRow,
  recordMintRequest,
  releaseLease,
  saveToken,
  type TokenRow,
  takeLease,
} from './token-store.js';
import type { ZohoAccessToken } from './zoho-accounts.js';
import type { CredentialsSource, ZohoCredentials } from './zoho-credentials.js';
import { ZohoError } from './zoho-errors.js';
import type { ZohoDatabase } from './zoho-tables.js';

/** An access token every process of this database shares, with what came with it. */
export interface SharedToken {
  readonly accessToken: string;
  readonly apiDomain: string;
  readonly scope: string | undefined;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly mintedAt: number;
  /** The row's generation when this token was read: `invalidate` forgets only that one. */
  readonly generation: number;
}

export interface AccessTokenProvider {
  /** A valid token: this process's copy, the shared row's, or a new one (one mint for all waiting callers). */
  get(): Promise<SharedToken>;
  /** Zoho refused `token` (INVALID_TOKEN): forget it everywhere, unless another process replaced it already. */
  invalidate(token: SharedToken): Promise<void>;
}

/** Zoho's limit: "a maximum of 10 access tokens from a refresh token in a span of 10 minutes". */
export const TOKEN_MINT_LIMIT = { count: 10, windowMs: 10 * 60_000 } as const;

export interface AccessTokenProviderOptions {
  db: ZohoDatabase;
  credentials: CredentialsSource;
  /** Asks Zoho for a token (zoho-accounts.ts `refreshAccessToken`, bound to a transport and timeout). */
  mint: (credentials: ZohoCredentials) => Promise<ZohoAccessToken>;
  /** Renew this long before expiry (at most half the token's life). Default 5 minutes. */
  refreshAheadMs?: number;
  /** How long a process may hold the lease to mint (longer than the token request's timeout). Default 60 s. */
  leaseMs?: number;
  /** How often a waiting process looks for the new row. Default 100 ms. */
  pollMs?: number;
  mintLimit?: { count: number; windowMs: number };
  now?: () => number;
  logger?: Logger | undefined;
  /** Told of every request to the token endpoint (for tests and metrics). */
  onMint?: (outcome: string) => void;
}

interface ProviderState {
  readonly options: AccessTokenProviderOptions;
  readonly owner: string;
  readonly now: () => number;
  readonly refreshAheadMs: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly limit: { count: number; windowMs: number };
  current: SharedToken | undefined;
  inFlight: Promise<SharedToken> | undefined;
}

/**
 * The shared access token (DESIGN.md §10): renewed a few minutes before it expires, once for every caller of
 * this process (one promise) and of every process (a lease on the row, compare-and-set), and never more than
 * Zoho's 10 mints in 10 minutes, counted in the database.
 */
export function createAccessTokenProvider(options: AccessTokenProviderOptions): AccessTokenProvider {
  const state: ProviderState = {
    options,
    owner: `${process.pid}-${randomBytes(6).toString('hex')}`,
    now: options.now ?? Date.now,
    refreshAheadMs: options.refreshAheadMs ?? 5 * 60_000,
    leaseMs: options.leaseMs ?? 60_000,
    pollMs: options.pollMs ?? 100,
    limit: options.mintLimit ?? TOKEN_MINT_LIMIT,
    current: undefined,
    inFlight: undefined,
  };
  return {
    async get() {
      if (state.current && !needsRenewal(state, state.current)) return state.current;
      state.inFlight ??= obtain(state).finally(() => {
        state.inFlight = undefined;
      });
      return await state.inFlight;
    },
    async invalidate(token) {
      if (state.current?.generation === token.generation) state.current = undefined;
      await invalidateToken(options.db, token.generation);
    },
  };
}

function needsRenewal(state: ProviderState, token: SharedToken): boolean {
  const ahead = Math.min(state.refreshAheadMs, (token.expiresAt - token.mintedAt) / 2);
  return state.now() >= token.expiresAt - ahead;
}

function usable(state: ProviderState, token: SharedToken | undefined): token is SharedToken {
  return token !== undefined && state.now() < token.expiresAt;
}

async function obtain(state: ProviderState): Promise<SharedToken> {
  const credentials = await state.options.credentials();
  if (!credentials) {
    throw new ZohoError(
      'zoho.not_connected',
      'Zoho is not connected: set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_DC, or run `mzi zoho connect`',
      { retryable: false },
    );
  }
  const cipher = createTokenCipher(credentials);
  const waitUntil = state.now() + 2 * state.leaseMs;
  for (;;) {
    const row = await readTokenRow(state.options.db);
    if (!row) throw new Error('zoho_access_token has no row: run the migrations');
    const stored = fromRow(row, cipher.decrypt);
    if (stored && !needsRenewal(state, stored)) return remember(state, stored);
    const nowIso = new Date(state.now()).toISOString();
    const leased = await takeLease(state.options.db, {
      owner: state.owner,
      now: nowIso,
      until: new Date(state.now() + state.leaseMs).toISOString(),
      generation: row.generation,
    });
    if (leased) return remember(state, await mintUnderLease(state, credentials, cipher.encrypt));
    // Another process is renewing: the old token still works until it expires, so only wait without one.
    if (usable(state, stored)) return remember(state, stored);
    if (state.now() >= waitUntil) {
      throw new ZohoError(
        'zoho.token_unavailable',
        'No Zoho access token: another mzi process has been renewing it for too long; mzi tries again',
        { retryable: true },
      );
    }
    await sleep(state.pollMs);
  }
}

function remember(state: ProviderState, token: SharedToken): SharedToken {
  state.current = token;
  return token;
}

function fromRow(row: TokenRow, decrypt: (sealed: string) => string | undefined): SharedToken | undefined {
  if (!row.access_token || !row.api_domain || !row.expires_at || !row.minted_at) return undefined;
  const accessToken = decrypt(row.access_token);
  if (accessToken === undefined) return undefined;
  return {
    accessToken,
    apiDomain: row.api_domain,
    scope: row.scope ?? undefined,
    expiresAt: Date.parse(row.expires_at),
    mintedAt: Date.parse(row.minted_at),
    generation: row.generation,
  };
}

async function mintUnderLease(
  state: ProviderState,
  credentials: ZohoCredentials,
  encrypt: (token: string) => string,
): Promise<SharedToken> {
  const { db } = state.options;
  let mintId: number | undefined;
  try {
    await refuseBeyondLimit(state);
    const requestedAt = state.now();
    mintId = await recordMintRequest(db, { owner: state.owner, at: new Date(requestedAt).toISOString() });
    const answer = await state.options.mint(credentials);
    const expiresAt = requestedAt + answer.expiresIn * 1000;
    const generation = await saveToken(db, {
      owner: state.owner,
      sealed: encrypt(answer.accessToken),
      apiDomain: answer.apiDomain,
      scope: answer.scope ?? null,
      expiresAt: new Date(expiresAt).toISOString(),
      mintedAt: new Date(requestedAt).toISOString(),
    });
    await finishMintRequest(db, mintId, 'ok');
    // The log matters for 10 minutes; a day of it stays for operators.
    await pruneMints(db, new Date(requestedAt - 24 * 3600_000).toISOString());
    state.options.onMint?.('ok');
    state.options.logger?.info(
      { apiDomain: answer.apiDomain, expiresAt: new Date(expiresAt).toISOString() },
      'zoho access token renewed',
    );
    return {
      accessToken: answer.accessToken,
      apiDomain: answer.apiDomain,
      scope: answer.scope,
      expiresAt,
      mintedAt: requestedAt,
      // A lost lease (held past leaseMs) still leaves a working token for this caller; the row keeps the other's.
      generation: generation ?? -1,
    };
  } catch (error) {
    const code = error instanceof ZohoError ? error.code : 'error';
    if (mintId !== undefined) {
      await finishMintRequest(db, mintId, code).catch(() => {});
      state.options.onMint?.(code);
    }
    await releaseLease(db, state.owner).catch(() => {});
    throw error;
  }
}

async function refuseBeyondLimit(state: ProviderState): Promise<void> {
  const now = state.now();
  const { count, oldest } = await mintsSince(
    state.options.db,
    new Date(now - state.limit.windowMs).toISOString(),
  );
  if (count < state.limit.count) return;
  const nextAt = (oldest ? Date.parse(oldest) : now) + state.limit.windowMs;
  throw new ZohoError(
    'zoho.token_limit_reached',
    `mzi asked Zoho for ${count} access tokens in the last ${Math.round(state.limit.windowMs / 60_000)} minutes, Zoho's limit; the next may be asked at ${new Date(nextAt).toISOString()}, and mzi tries again then`,
    { retryable: true, retryAfterSeconds: Math.max(1, Math.ceil((nextAt - now) / 1000)) },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
