/**
 * A jsforce Connection for each auth mode of the contract. The API version is explicit
 * (jsforce defaults to 50.0). Sessions that expire are re-minted through jsforce's refresh
 * hook; retries of failed requests belong to the product (worker), not to jsforce.
 */
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Connection, OAuth2 } from 'jsforce';
import Transport from 'jsforce/lib/transport';
import type { HttpRequest, HttpRequestOptions } from 'jsforce/lib/types';
import type { OrgAuth } from '../config';
import { AircallSfError, ERROR_CODES } from '../errors';

interface TokenResponse {
  access_token?: string;
  instance_url?: string;
  error?: string;
  error_description?: string;
}

async function postToken(
  loginUrl: string,
  params: Record<string, string>
): Promise<{ accessToken: string; instanceUrl: string }> {
  const res = await fetch(`${loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
    // A login that hangs fails like any other org request (see TimedTransport).
    signal: AbortSignal.timeout(DEFAULT_REQUEST_TIMEOUT_MS)
  });
  const body = (await res.json().catch(() => ({}))) as TokenResponse;
  // A server error is an outage (retried), not a refusal of the credentials.
  if (res.status >= 500) throw new Error(`the login server at ${loginUrl} answered HTTP ${res.status}`);
  if (!res.ok || !body.access_token) {
    // The description is Salesforce's; it never contains the secret we sent.
    throw new AircallSfError(
      ERROR_CODES.CONFIG_INVALID,
      `Salesforce refused the ${params.grant_type} login at ${loginUrl}: ${body.error ?? res.status} ${body.error_description ?? ''}`.trim()
    );
  }
  return { accessToken: body.access_token, instanceUrl: body.instance_url ?? loginUrl };
}

function jwtAssertion(auth: Extract<OrgAuth, { mode: 'jwt' }>): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${enc({ alg: 'RS256' })}.${enc({ iss: auth.clientId, sub: auth.username, aud: auth.loginUrl, exp: Math.floor(Date.now() / 1000) + 170 })}`;
  const signature = createSign('RSA-SHA256')
    .update(unsigned)
    .sign(readFileSync(auth.keyFile, 'utf8'))
    .toString('base64url');
  return `${unsigned}.${signature}`;
}

/** Mints a fresh session for the modes that can (client credentials, JWT). */
function minter(auth: OrgAuth): (() => Promise<{ accessToken: string; instanceUrl: string }>) | null {
  switch (auth.mode) {
    case 'client-credentials':
      return () =>
        postToken(auth.loginUrl, {
          grant_type: 'client_credentials',
          client_id: auth.clientId,
          client_secret: auth.clientSecret
        });
    case 'jwt':
      return () =>
        postToken(auth.loginUrl, {
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: jwtAssertion(auth)
        });
    default:
      return null;
  }
}

/**
 * Every request to the org ends within `timeoutMs` (jsforce's own default is 30 minutes): a
 * hung request is aborted and fails as a transient network error, which the worker retries
 * with backoff (its writes are idempotent), so a hung org never holds a worker slot.
 */
class TimedTransport extends Transport {
  constructor(private readonly timeoutMs: number) {
    super();
  }

  override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}) {
    return super.httpRequest(req, { ...options, timeout: this.timeoutMs });
  }
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export async function connect(
  auth: OrgAuth,
  version: string,
  timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS
): Promise<Connection> {
  const conn = await open(auth, version);
  conn._transport = new TimedTransport(timeoutMs);
  return conn;
}

async function open(auth: OrgAuth, version: string): Promise<Connection> {
  if (auth.mode === 'access-token') {
    return new Connection({ instanceUrl: auth.instanceUrl, accessToken: auth.accessToken, version });
  }
  if (auth.mode === 'refresh-token') {
    const oauth2 = new OAuth2({
      clientId: auth.clientId,
      ...(auth.clientSecret ? { clientSecret: auth.clientSecret } : {}),
      loginUrl: auth.loginUrl
    });
    const conn = new Connection({ oauth2, instanceUrl: auth.instanceUrl, refreshToken: auth.refreshToken, version });
    // jsforce refreshes on the first 401; start with a token so the first request is not a
    // wasted one. A login server that does not answer leaves that to the first request.
    const first = await postToken(auth.loginUrl, {
      grant_type: 'refresh_token',
      refresh_token: auth.refreshToken,
      client_id: auth.clientId,
      ...(auth.clientSecret ? { client_secret: auth.clientSecret } : {})
    }).catch((error: unknown) => {
      if (error instanceof AircallSfError) throw error;
      return null;
    });
    if (first) conn.accessToken = first.accessToken;
    return conn;
  }
  const mint = minter(auth)!;
  // A login server that does not answer (down, unreachable) is an outage, not a refusal: the
  // connection starts without a token and mints one on its first request (jsforce refreshes
  // on the 401), so the service can start and store webhooks meanwhile. A refusal still throws.
  const first = await mint().catch((error: unknown) => {
    if (error instanceof AircallSfError) throw error;
    return { accessToken: '', instanceUrl: '' };
  });
  return new Connection({
    instanceUrl: first.instanceUrl || auth.instanceUrl,
    accessToken: first.accessToken,
    version,
    refreshFn: (_conn: unknown, callback: (error: Error | null, accessToken?: string) => void) => {
      mint().then(
        (session) => {
          callback(null, session.accessToken);
        },
        (error: unknown) => {
          callback(error instanceof Error ? error : new Error(String(error)));
        }
      );
    }
  });
}
