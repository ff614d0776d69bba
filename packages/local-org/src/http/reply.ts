/** What every resource handler returns, and the request facts it may read. */
import type { IncomingMessage } from 'node:http';
import { SfError } from '../errors';
import type { LocalOrg } from '../org';
import type { Rec } from '../store';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Ctx {
  readonly userId: string;
  readonly version: string;
  readonly headers: IncomingMessage['headers'];
}

/** Dispatches one REST request below /services/data/vXX.X/ (composite runs its subrequests through it). */
export type Route = (method: string, rest: string, query: URLSearchParams, body: unknown, ctx: Ctx) => Reply;

/** What a resource needs of the server: the org, its own base URL, and the router. */
export interface Resources {
  readonly org: LocalOrg;
  readonly baseUrl: () => string;
  readonly route: Route;
}

export const ok = (body: unknown, status = 200): Reply => ({ status, body });

export const errorReply = (e: SfError): Reply => ({
  status: e.status,
  body: e.status === 300 ? e.fields.map((id) => `/services/data/sobjects/${id}`) : e.body()
});

export function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON.');
  }
}

export function asRecord(value: unknown): Rec {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'Expected a JSON object as the request body.');
  }
  return value as Rec;
}
