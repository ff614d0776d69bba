/**
 * What the settings panel asks the service (issue #33), through an Apex callout with the Named
 * Credential `Aircall_Service`: the secret lives in its External Credential and arrives as
 * `Authorization: Bearer …`, checked in constant time against AIRCALL_SF_PANEL_SECRET.
 *
 * - `POST /api/preview` `{draft, days}`: what the draft settings would have done (src/preview/).
 * - `GET /api/status`: the API share (A1).
 * - `POST /api/health` starts a phone-data health run (it reads the whole org: minutes for a
 *   large one, longer than a callout may wait); `GET /api/health` says how far it is, and the
 *   last report.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AircallSfError, ERROR_CODES } from '../errors';
import { tokenMatches } from './webhook';

export interface PanelApi {
  /** AIRCALL_SF_PANEL_SECRET; null: the routes answer 503 saying what to set. */
  readonly secret: string | null;
  preview(draft: unknown, days: unknown): Promise<unknown>;
  status(): unknown;
  /** `country`: how national formats are read (ISO 3166 alpha-2); null: the company's lines' country. */
  startHealth(country: string | null): unknown;
  health(): unknown;
}

/** The app keeps JSON bodies as text (the webhook reads them itself); null when not JSON. */
function jsonBody(raw: unknown): Record<string, unknown> | null {
  if (typeof raw !== 'string') return (raw ?? {}) as Record<string, unknown>;
  try {
    const parsed = JSON.parse(raw || '{}') as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function refuse(reply: FastifyReply, status: number, code: string, error: string) {
  return reply.code(status).send({ status: 'rejected', code, error });
}

export function registerPanelApi(app: FastifyInstance, api: PanelApi): void {
  const guard = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (!api.secret) {
      void refuse(
        reply,
        503,
        ERROR_CODES.PANEL_SECRET_MISSING,
        'The settings panel cannot reach this service: set AIRCALL_SF_PANEL_SECRET, and the same secret in the Aircall_Service external credential (README, "The panel and the service").'
      );
      return false;
    }
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!tokenMatches(given, [api.secret])) {
      void refuse(
        reply,
        401,
        ERROR_CODES.PANEL_SECRET_INVALID,
        "Send the Aircall_Service external credential's secret as a Bearer token: it must be AIRCALL_SF_PANEL_SECRET."
      );
      return false;
    }
    return true;
  };

  app.post('/api/preview', async (req, reply) => {
    if (!guard(req, reply)) return reply;
    const body = jsonBody(req.body) as { draft?: unknown; days?: unknown } | null;
    if (body === null) return refuse(reply, 400, ERROR_CODES.USAGE, 'The body is not JSON.');
    try {
      return await api.preview(body.draft, body.days);
    } catch (error) {
      if (error instanceof AircallSfError) {
        const refused = error as AircallSfError<string>;
        // A draft or request to fix is the caller's (400); the org failing the read is not (502).
        const mine = refused.code === ERROR_CODES.USAGE || refused.code === ERROR_CODES.SETTINGS_INVALID;
        return refuse(reply, mine ? 400 : 502, refused.code, refused.message);
      }
      throw error;
    }
  });
  app.get('/api/status', async (req, reply) => {
    if (!guard(req, reply)) return reply;
    return api.status();
  });
  app.post('/api/health', async (req, reply) => {
    if (!guard(req, reply)) return reply;
    const body = jsonBody(req.body) as { country?: unknown } | null;
    if (body === null) return refuse(reply, 400, ERROR_CODES.USAGE, 'The body is not JSON.');
    const country = typeof body.country === 'string' && body.country.trim() ? body.country.trim().toUpperCase() : null;
    if (country !== null && !/^[A-Z]{2}$/.test(country))
      return refuse(
        reply,
        400,
        ERROR_CODES.USAGE,
        `country must be a two-letter ISO 3166 code, such as FR or US (not ${JSON.stringify(body.country)}).`
      );
    try {
      return reply.code(202).send(api.startHealth(country));
    } catch (error) {
      if (error instanceof AircallSfError)
        return refuse(reply, 400, String((error as AircallSfError<string>).code), error.message);
      throw error;
    }
  });
  app.get('/api/health', async (req, reply) => {
    if (!guard(req, reply)) return reply;
    return api.health();
  });
}
