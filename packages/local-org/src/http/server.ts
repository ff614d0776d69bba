/**
 * The local org's HTTP face: the subset of the Salesforce REST API the product uses, in
 * Salesforce's wire format (reference/sf-rest-wire.md), so jsforce and the sf CLI work
 * against it unchanged. Binds to 127.0.0.1 only. This file dispatches by URL; each
 * resource lives in its own module beside it (oauth, sobjects, query, search, collections,
 * composite, limits).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SfError, notFound } from '../errors';
import { injectFault, randomSource } from '../faults';
import type { LocalOrg } from '../org';
import { apexRest } from '../apex';
import { collections } from './collections';
import { batch, composite } from './composite';
import { limitInfoHeader, limits, meter } from './limits';
import { authenticate, identity, token, userinfo } from './oauth';
import { QueryResource } from './query';
import type { Ctx, Reply, Resources } from './reply';
import { errorReply, ok, parseJson } from './reply';
import { parameterizedSearch, search } from './search';
import { sobjects } from './sobjects';

/** Every version from 31.0 (Summer '14) to 66.0, as Salesforce serves them; sf reads users through v51.0. */
export const API_VERSIONS = Array.from({ length: 36 }, (_, i) => `${31 + i}.0`);
const JSON_TYPE = 'application/json;charset=UTF-8';
const MAX_BODY = 50 * 1024 * 1024;
const RESOURCES = ['sobjects', 'query', 'queryAll', 'search', 'parameterizedSearch', 'composite', 'limits'];

export class LocalOrgServer {
  private readonly random: () => number;
  private readonly queries: QueryResource;
  private readonly resources: Resources;
  private server: ReturnType<typeof createServer> | null = null;
  url = '';

  constructor(readonly org: LocalOrg) {
    this.random = randomSource(org.faults?.seed ?? 1);
    this.queries = new QueryResource(org);
    this.resources = { org, baseUrl: () => this.url, route: (...args) => this.route(...args) };
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.send(res, { status: 500, body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(error) }] });
      });
    });
    this.server.keepAliveTimeout = 5000;
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      // A port in use (EADDRINUSE) rejects, so the caller can choose another.
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port: bound } = this.server.address() as AddressInfo;
    this.url = `http://${host}:${bound}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private send(res: ServerResponse, reply: Reply): void {
    const headers: Record<string, string> = { 'Sforce-Limit-Info': limitInfoHeader(this.org), ...reply.headers };
    if (reply.status === 204 || reply.body === undefined) {
      res.writeHead(reply.status === 200 && reply.body === undefined ? 204 : reply.status, headers);
      res.end();
      return;
    }
    if (Buffer.isBuffer(reply.body)) {
      res.writeHead(reply.status, { ...headers, 'Content-Length': String(reply.body.length) });
      res.end(reply.body);
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...headers,
      'Content-Type': JSON_TYPE,
      'Content-Length': String(Buffer.byteLength(text))
    });
    res.end(text);
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new SfError(413, 'REQUEST_TOO_LARGE', 'Request body exceeds the limit.');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // sf saves the instance URL with a trailing slash and then requests //services/…
    const rawPath = (req.url ?? '/').replace(/^\/+/, '/').replace(/\/{2,}/g, '/');
    const url = new URL(rawPath, 'http://local');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    let reply: Reply;
    try {
      const text = await this.readBody(req);
      if (path === '/services/oauth2/token' && method === 'POST')
        reply = token(this.org, this.url, text, req.headers['content-type']);
      else if (path === '/services/data')
        reply = ok(API_VERSIONS.map((v) => ({ label: `Local ${v}`, url: `/services/data/v${v}`, version: v })));
      else {
        const userId = authenticate(this.org, req);
        if (path === '/services/oauth2/userinfo') reply = ok(userinfo(this.org, this.url, userId));
        else if (path.startsWith('/id/')) reply = ok(identity(this.org, this.url, userId));
        else if (path.startsWith('/services/apexrest/') || path === '/services/apexrest') {
          await injectFault(this.org.faults, this.random, method);
          meter(this.org, 'apexrest', text);
          // The path as sent, trailing slash kept: `/Name/` reaches a `/Name/*` mapping.
          const request = {
            method,
            path: url.pathname.slice('/services/apexrest'.length) || '/',
            params: url.searchParams,
            body: text
          };
          reply = apexRest(this.org, this.org.apexRest, request, userId);
        } else {
          const m = /^\/services\/data\/v(\d+\.\d)(?:\/(.*))?$/.exec(path);
          if (!m) throw notFound();
          const version = m[1]!;
          if (!API_VERSIONS.includes(version)) throw notFound();
          this.org.soql.apiVersion = version;
          const rest = m[2] ?? '';
          await injectFault(this.org.faults, this.random, method);
          meter(this.org, rest, text);
          reply = this.route(method, rest, url.searchParams, parseJson(text), {
            userId,
            version,
            headers: req.headers
          });
        }
      }
    } catch (error) {
      if (error instanceof SfError) reply = errorReply(error);
      else throw error;
    }
    this.send(res, reply);
  }

  /** One REST request below /services/data/vXX.X/, by its first path segment. */
  route(method: string, rest: string, query: URLSearchParams, body: unknown, ctx: Ctx): Reply {
    const parts = rest
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p));
    const [head, a, b] = parts;
    switch (head) {
      case undefined:
        // Resources by Version (dome_discoveryresource): each resource's URI, and the caller's
        // identity URL, absolute, as the documented example shows.
        return ok({
          ...Object.fromEntries(RESOURCES.map((r) => [r, `/services/data/v${ctx.version}/${r}`])),
          identity: `${this.url}/id/${this.org.orgId}/${ctx.userId}`
        });
      case 'limits':
        return limits(this.org);
      case 'query':
      case 'queryAll':
        return this.queries.handle(a, query, ctx, head === 'queryAll');
      case 'search':
        return search(this.org, query, ctx.userId);
      case 'parameterizedSearch':
        return parameterizedSearch(this.org, method, query, body, ctx.userId);
      case 'composite':
        if (a === 'sobjects') return collections(this.org, method, b, parts[3], query, body, ctx);
        if (a === 'batch' && method === 'POST') return batch(this.resources, body, ctx);
        if (a === undefined && method === 'POST') return composite(this.resources, body, ctx);
        throw notFound();
      case 'sobjects':
        return sobjects(this.org, method, parts.slice(1), query, body, ctx);
      default:
        throw notFound();
    }
  }
}
