/**
 * OAuth 2.0 and identity: `POST /services/oauth2/token` (client credentials, refresh token,
 * JWT bearer), `GET /services/oauth2/userinfo`, `GET /id/{orgId}/{userId}`, and the bearer
 * token check every other resource runs first.
 */
import type { IncomingMessage } from 'node:http';
import { SfError } from '../errors';
import type { LocalOrg } from '../org';
import type { Rec } from '../store';
import type { Reply } from './reply';
import { asRecord, ok, parseJson } from './reply';

/** The user a request's `Authorization: Bearer|OAuth <token>` belongs to. */
export function authenticate(org: LocalOrg, req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header);
  const userId = m ? org.userForToken(m[1]!.trim()) : null;
  if (!userId) throw new SfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  return userId;
}

function tokenReply(org: LocalOrg, url: string, userId: string): Reply {
  return ok({
    access_token: org.issueToken(userId),
    instance_url: url,
    id: `${url}/id/${org.orgId}/${userId}`,
    token_type: 'Bearer',
    scope: 'api',
    issued_at: String(org.store.now()),
    signature: 'local-org'
  });
}

/** The JWT's `sub` (the username). The signature is not checked: this org trusts its callers. */
function jwtSubject(assertion: string): string | null {
  const payload = assertion.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : null;
  } catch {
    return null;
  }
}

export function token(org: LocalOrg, url: string, text: string, contentType: string | undefined): Reply {
  const params = contentType?.includes('json')
    ? new URLSearchParams(Object.entries(asRecord(parseJson(text))).map(([k, v]): [string, string] => [k, String(v)]))
    : new URLSearchParams(text);
  const grant = params.get('grant_type');
  const fail = (description: string) => ({
    status: 400,
    body: { error: 'invalid_grant', error_description: description }
  });
  switch (grant) {
    case 'client_credentials':
      // Any client id and secret run as the org's admin, the "Run As" user of the local org.
      if (!params.get('client_id'))
        return { status: 400, body: { error: 'invalid_client_id', error_description: 'client identifier invalid' } };
      return tokenReply(org, url, org.adminUserId);
    case 'refresh_token':
      if (!params.get('refresh_token')) return fail('expired access/refresh token');
      return tokenReply(org, url, org.adminUserId);
    case 'urn:ietf:params:oauth:grant-type:jwt-bearer': {
      const sub = jwtSubject(params.get('assertion') ?? '');
      const userId = sub ? org.userByUsername(sub) : null;
      if (!userId) return fail(`user hasn't approved this consumer`);
      return tokenReply(org, url, userId);
    }
    default:
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' }
      };
  }
}

export function userinfo(org: LocalOrg, url: string, userId: string): Rec {
  const user = org.store.table('User').get(userId) ?? {};
  return {
    sub: `${url}/id/${org.orgId}/${userId}`,
    user_id: userId,
    organization_id: org.orgId,
    preferred_username: user.Username,
    nickname: user.Alias,
    name: user.Name,
    email: user.Email,
    email_verified: true,
    given_name: user.FirstName,
    family_name: user.LastName,
    active: user.IsActive,
    user_type: 'STANDARD',
    urls: {
      rest: `${url}/services/data/v{version}/`,
      sobjects: `${url}/services/data/v{version}/sobjects/`
    }
  };
}

export function identity(org: LocalOrg, url: string, userId: string): Rec {
  const user = org.store.table('User').get(userId) ?? {};
  return {
    id: `${url}/id/${org.orgId}/${userId}`,
    user_id: userId,
    organization_id: org.orgId,
    username: user.Username,
    display_name: user.Name,
    email: user.Email,
    active: user.IsActive,
    urls: { rest: `${url}/services/data/v{version}/` }
  };
}
