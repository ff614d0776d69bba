/**
 * The local org's HTTP face: the subset of the Salesforce REST API the product uses, in
 * Salesforce's wire format (reference/sf-rest-wire.md), so jsforce and the sf CLI work
 * against it unchanged. Binds to 127.0.0.1 only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from './values';
import { SfError, notFound } from './errors';
import { canonicalId } from './ids';
import { randomSource } from './faults';
import type { LocalOrg } from './org';
import type { ObjectDef } from './schema';
import { SETUP_OBJECTS } from './schema';
import { parseSosl } from './sosl';
import type { Rec } from './store';

/** Every version from 31.0 (Summer '14) to 66.0, as Salesforce serves them; sf reads users through v51.0. */
export const API_VERSIONS = Array.from({ length: 36 }, (_, i) => `${31 + i}.0`);
const JSON_TYPE = 'application/json;charset=UTF-8';
const MAX_BODY = 50 * 1024 * 1024;
const PAGE_SIZE = 2000;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  userId: string;
  version: string;
  headers: IncomingMessage['headers'];
}

const ok = (body: unknown, status = 200): Reply => ({ status, body });
const errorReply = (e: SfError): Reply => ({
  status: e.status,
  body: e.status === 300 ? e.fields.map((id) => `/services/data/sobjects/${id}`) : e.body()
});

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON.');
  }
}

function asRecord(value: unknown): Rec {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'Expected a JSON object as the request body.');
  }
  return value as Rec;
}

export class LocalOrgServer {
  private readonly cursors = new Map<string, { records: Rec[]; offset: number; totalSize: number; size: number }>();
  private cursorSeq = 0;
  private readonly random: () => number;
  private server: ReturnType<typeof createServer> | null = null;
  url = '';

  constructor(readonly org: LocalOrg) {
    this.random = randomSource(org.faults?.seed ?? 1);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.send(res, { status: 500, body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(error) }] });
      });
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
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
    const headers: Record<string, string> = {
      'Sforce-Limit-Info': `api-usage=${this.org.apiUsed}/${this.org.apiLimit}`,
      ...reply.headers
    };
    if (reply.status === 204 || reply.body === undefined) {
      res.writeHead(reply.status === 200 && reply.body === undefined ? 204 : reply.status, headers);
      res.end();
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
      if (path === '/services/oauth2/token' && method === 'POST') reply = this.token(text, req.headers['content-type']);
      else if (path === '/services/data')
        reply = ok(API_VERSIONS.map((v) => ({ label: `Local ${v}`, url: `/services/data/v${v}`, version: v })));
      else {
        const userId = this.authenticate(req);
        if (path === '/services/oauth2/userinfo') reply = ok(this.userinfo(userId));
        else if (path.startsWith('/id/')) reply = ok(this.identity(userId));
        else {
          const m = /^\/services\/data\/v(\d+\.\d)(?:\/(.*))?$/.exec(path);
          if (!m) throw notFound();
          const version = m[1]!;
          if (!API_VERSIONS.includes(version)) throw notFound();
          this.org.soql.apiVersion = version;
          const rest = m[2] ?? '';
          await this.injectFault(method);
          const ctx: Ctx = { userId, version, headers: req.headers };
          const cost = rest === 'composite/batch' ? this.batchSize(text) : 1;
          if (this.org.apiUsed + cost > this.org.apiLimit) {
            throw new SfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
          }
          this.org.countApiRequests(cost);
          reply = this.route(method, rest, url.searchParams, parseJson(text), ctx);
        }
      }
    } catch (error) {
      if (error instanceof SfError) reply = errorReply(error);
      else throw error;
    }
    this.send(res, reply);
  }

  private batchSize(text: string): number {
    try {
      const body = JSON.parse(text) as { batchRequests?: unknown[] };
      return Math.max(1, body.batchRequests?.length ?? 1);
    } catch {
      return 1;
    }
  }

  private async injectFault(method: string): Promise<void> {
    const spec = this.org.faults;
    if (!spec || spec.rate <= 0 || this.random() >= spec.rate) return;
    const writes = method !== 'GET';
    const kinds = spec.kinds.filter((k) => k !== 'UNABLE_TO_LOCK_ROW' || writes);
    const kind = kinds[Math.floor(this.random() * kinds.length)];
    switch (kind) {
      case 'REQUEST_LIMIT_EXCEEDED':
        throw new SfError(403, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded. (injected fault)');
      case 'UNABLE_TO_LOCK_ROW':
        throw new SfError(
          400,
          'UNABLE_TO_LOCK_ROW',
          'unable to obtain exclusive access to this record or 1 records (injected fault)'
        );
      case '503':
        throw new SfError(503, 'SERVER_UNAVAILABLE', 'Service Unavailable (injected fault)');
      case 'INVALID_SESSION_ID':
        throw new SfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid (injected fault)');
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, spec.slowMs));
        return;
      default:
        return;
    }
  }

  // ---- OAuth ---------------------------------------------------------------------------

  private authenticate(req: IncomingMessage): string {
    const header = req.headers.authorization ?? '';
    const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header);
    const userId = m ? this.org.userForToken(m[1]!.trim()) : null;
    if (!userId) throw new SfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    return userId;
  }

  private tokenReply(userId: string, extra: Record<string, string> = {}): Reply {
    return ok({
      access_token: this.org.issueToken(userId),
      instance_url: this.url,
      id: `${this.url}/id/${this.org.orgId}/${userId}`,
      token_type: 'Bearer',
      scope: 'api',
      issued_at: String(this.org.store.now()),
      signature: 'local-org',
      ...extra
    });
  }

  private token(text: string, contentType: string | undefined): Reply {
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
        return this.tokenReply(this.org.adminUserId);
      case 'refresh_token':
        if (!params.get('refresh_token')) return fail('expired access/refresh token');
        return this.tokenReply(this.org.adminUserId);
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer': {
        const sub = this.jwtSubject(params.get('assertion') ?? '');
        const userId = sub ? this.org.userByUsername(sub) : null;
        if (!userId) return fail(`user hasn't approved this consumer`);
        return this.tokenReply(userId);
      }
      default:
        return {
          status: 400,
          body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' }
        };
    }
  }

  /** The JWT's `sub` (the username). The signature is not checked: this org trusts its callers. */
  private jwtSubject(assertion: string): string | null {
    const payload = assertion.split('.')[1];
    if (!payload) return null;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
      return typeof claims.sub === 'string' ? claims.sub : null;
    } catch {
      return null;
    }
  }

  private userinfo(userId: string): Rec {
    const user = this.org.store.table('User').get(userId) ?? {};
    return {
      sub: `${this.url}/id/${this.org.orgId}/${userId}`,
      user_id: userId,
      organization_id: this.org.orgId,
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
        rest: `${this.url}/services/data/v{version}/`,
        sobjects: `${this.url}/services/data/v{version}/sobjects/`
      }
    };
  }

  private identity(userId: string): Rec {
    const user = this.org.store.table('User').get(userId) ?? {};
    return {
      id: `${this.url}/id/${this.org.orgId}/${userId}`,
      user_id: userId,
      organization_id: this.org.orgId,
      username: user.Username,
      display_name: user.Name,
      email: user.Email,
      active: user.IsActive,
      urls: { rest: `${this.url}/services/data/v{version}/` }
    };
  }

  // ---- REST routes ----------------------------------------------------------------------

  route(method: string, rest: string, query: URLSearchParams, body: unknown, ctx: Ctx): Reply {
    const parts = rest
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p));
    const [head, a, b] = parts;
    const actor = { userId: ctx.userId };
    switch (head) {
      case undefined:
        return ok(
          Object.fromEntries(
            ['sobjects', 'query', 'queryAll', 'search', 'parameterizedSearch', 'composite', 'limits'].map((r) => [
              r,
              `/services/data/v${ctx.version}/${r}`
            ])
          )
        );
      case 'limits':
        return ok({ DailyApiRequests: { Max: this.org.apiLimit, Remaining: this.org.apiLimit - this.org.apiUsed } });
      case 'query':
      case 'queryAll':
        if (a) return this.nextPage(a);
        return this.query(query, ctx, head === 'queryAll');
      case 'search':
        return ok({ searchRecords: this.org.search.search(parseSosl(query.get('q') ?? '')) });
      case 'parameterizedSearch':
        return this.parameterizedSearch(method, query, body);
      case 'composite':
        if (a === 'sobjects') return this.collections(method, b, parts[3], query, body, ctx);
        if (a === 'batch' && method === 'POST') return this.batch(asRecord(body), ctx);
        if (a === undefined && method === 'POST') return this.composite(asRecord(body), ctx);
        throw notFound();
      case 'sobjects':
        return this.sobjects(method, parts.slice(1), query, body, actor, ctx);
      default:
        throw notFound();
    }
  }

  private objectOrThrow(name: string | undefined): ObjectDef {
    const def = name ? this.org.store.schema.object(name) : undefined;
    if (!def) throw notFound();
    return def;
  }

  private sobjects(
    method: string,
    parts: string[],
    query: URLSearchParams,
    body: unknown,
    actor: { userId: string },
    ctx: Ctx
  ): Reply {
    const store = this.org.store;
    if (parts.length === 0) {
      return ok({
        encoding: 'UTF-8',
        maxBatchSize: 200,
        sobjects: [...store.schema.objects.values()].map((o) => this.describeBrief(o, ctx))
      });
    }
    const def = this.objectOrThrow(parts[0]);
    if (parts.length === 1) {
      if (method === 'POST') {
        const id = store.insert(def.name, asRecord(body), actor);
        return {
          status: 201,
          body: { id, success: true, errors: [] },
          headers: { Location: `/services/data/v${ctx.version}/sobjects/${def.name}/${id}` }
        };
      }
      return ok({ objectDescribe: this.describeBrief(def, ctx), recentItems: [] });
    }
    if (parts[1] === 'describe' && parts.length === 2) return ok(this.describe(def, ctx));
    if (parts.length === 2) {
      const id = parts[1]!;
      if (method === 'GET') return ok(this.retrieve(def, id, query.get('fields'), ctx));
      if (method === 'PATCH') {
        store.update(def.name, id, asRecord(body), actor);
        return { status: 204 };
      }
      if (method === 'DELETE') {
        store.delete(def.name, id);
        return { status: 204 };
      }
      throw notFound();
    }
    // /sobjects/T/{externalIdField}/{value…}: the value may contain slashes (jsforce does not encode it).
    const fieldName = parts[1]!;
    const value = parts.slice(2).join('/');
    if (method === 'PATCH') {
      if (query.get('updateOnly') === 'true') {
        const ids = store.findByUnique(def.name, fieldName, value);
        if (ids.length === 0)
          throw new SfError(404, 'NOT_FOUND', 'Provided external ID field does not exist or is not accessible');
      }
      const result = store.upsert(def.name, fieldName, value, asRecord(body), actor);
      return {
        status: result.created ? 201 : 200,
        body: { id: result.id, success: true, errors: [], created: result.created }
      };
    }
    const field = store.schema.field(def, fieldName);
    if (!field?.externalId) throw notFound();
    const ids = store.findByUnique(def.name, field.name, value);
    if (ids.length > 1) throw new SfError(300, 'MULTIPLE_CHOICES', 'More than one record found', ids);
    if (!ids[0]) throw notFound();
    if (method === 'GET') return ok(this.retrieve(def, ids[0], query.get('fields'), ctx));
    if (method === 'DELETE') {
      store.delete(def.name, ids[0]);
      return { status: 204 };
    }
    throw notFound();
  }

  private retrieve(def: ObjectDef, rawId: string, fields: string | null, ctx: Ctx): Rec {
    const id = canonicalId(rawId);
    if (!id || !id.startsWith(def.keyPrefix)) {
      throw new SfError(400, 'MALFORMED_ID', `${def.label} ID: id value of incorrect type: ${rawId}`, ['Id']);
    }
    const rec = this.org.store.table(def.name).get(id);
    if (!rec) throw notFound();
    const names = fields
      ? fields.split(',').map((f) => {
          const fd = this.org.store.schema.field(def, f.trim());
          if (!fd)
            throw new SfError(400, 'INVALID_FIELD', `No such column '${f.trim()}' on sobject of type ${def.name}`);
          return fd.name;
        })
      : [...def.fields.values()].map((f) => f.name);
    const out: Rec = {
      attributes: { type: def.name, url: `/services/data/v${ctx.version}/sobjects/${def.name}/${id}` }
    };
    for (const name of names) out[name] = rec[name] ?? null;
    return out;
  }

  private describeBrief(def: ObjectDef, ctx: Ctx): Rec {
    const setup = SETUP_OBJECTS.has(def.name);
    return {
      name: def.name,
      label: def.label,
      labelPlural: `${def.label}s`,
      keyPrefix: def.keyPrefix,
      custom: def.custom,
      customSetting: def.customSetting,
      createable: !setup,
      updateable: !setup,
      deletable: !setup && def.name !== 'User',
      queryable: true,
      searchable: def.searchable,
      urls: {
        sobject: `/services/data/v${ctx.version}/sobjects/${def.name}`,
        describe: `/services/data/v${ctx.version}/sobjects/${def.name}/describe`
      }
    };
  }

  private describe(def: ObjectDef, ctx: Ctx): Rec {
    return {
      ...this.describeBrief(def, ctx),
      fields: [...def.fields.values()].map((f) => ({
        name: f.name,
        label: f.label,
        type: f.type,
        length: f.length ?? 0,
        nillable: f.nillable,
        createable: f.createable,
        updateable: f.updateable,
        custom: f.custom,
        externalId: f.externalId ?? false,
        unique: f.unique ?? false,
        calculated: f.derived ?? false,
        defaultedOnCreate: f.defaultValue !== undefined || f.type === 'boolean' || f.name === 'OwnerId',
        defaultValue: f.defaultValue ?? null,
        referenceTo: f.referenceTo ?? [],
        relationshipName: f.relationshipName ?? null,
        restrictedPicklist: f.restricted ?? false,
        picklistValues: (f.picklist ?? []).map((v) => ({
          value: v,
          label: v,
          active: true,
          defaultValue: v === f.defaultValue
        }))
      })),
      childRelationships: def.children.map((c) => ({
        relationshipName: c.relationshipName,
        childSObject: c.childSObject,
        field: c.field,
        cascadeDelete: false
      }))
    };
  }

  // ---- query -------------------------------------------------------------------------

  private query(params: URLSearchParams, ctx: Ctx, all: boolean): Reply {
    const soql = params.get('q');
    if (!soql) throw new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const result = this.org.soql.run(soql, { all });
    if (params.get('columns') === 'true') return ok(this.columns(result.ast as unknown as Rec, result.entity));
    if (result.count) return ok({ totalSize: result.totalSize, done: true, records: [] });
    const batch = /batchSize=(\d+)/.exec(String(ctx.headers['sforce-query-options'] ?? ''));
    const size = Math.min(PAGE_SIZE, Math.max(200, Number(batch?.[1] ?? PAGE_SIZE)));
    return ok(this.page({ records: result.records, offset: 0, totalSize: result.totalSize, size }, ctx.version));
  }

  private page(cursor: { records: Rec[]; offset: number; totalSize: number; size: number }, version: string): Rec {
    const records = cursor.records.slice(cursor.offset, cursor.offset + cursor.size);
    const next = cursor.offset + cursor.size;
    if (next >= cursor.records.length) return { totalSize: cursor.totalSize, done: true, records };
    this.cursorSeq += 1;
    const locator = `01g${String(this.cursorSeq).padStart(15, '0')}-${next}`;
    this.cursors.set(locator, { ...cursor, offset: next });
    return {
      totalSize: cursor.totalSize,
      done: false,
      nextRecordsUrl: `/services/data/v${version}/query/${locator}`,
      records
    };
  }

  private nextPage(locator: string): Reply {
    const cursor = this.cursors.get(locator);
    if (!cursor) throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    this.cursors.delete(locator);
    return ok(this.page(cursor, this.org.soql.apiVersion));
  }

  /** `columns=true`: what `sf data query` reads to lay out its table. */
  private columns(ast: Rec, def: ObjectDef): Rec {
    const columnOf = (f: Rec): Rec => {
      if (f.type === 'FieldSubquery') {
        const sub = f.subquery as Rec;
        return {
          aggregate: true,
          apexType: null,
          booleanType: false,
          columnName: sub.relationshipName,
          custom: false,
          displayName: sub.relationshipName,
          foreignKeyName: null,
          insertable: false,
          joinColumns: ((sub.fields as Rec[]) ?? []).map(columnOf),
          numberType: false,
          textType: false,
          updatable: false
        };
      }
      if (f.type === 'FieldRelationship') {
        const rels = f.relationships as string[];
        let column: Rec = { aggregate: false, columnName: f.field, displayName: f.field, joinColumns: [] };
        for (let i = rels.length - 1; i >= 0; i -= 1) {
          column = { aggregate: false, columnName: rels[i], displayName: rels[i], joinColumns: [column] };
        }
        return column;
      }
      const fd = this.org.store.schema.field(def, text(f.field, text(f.rawValue)));
      const name = fd?.name ?? text(f.rawValue, text(f.field, 'expr0'));
      return {
        aggregate: f.type === 'FieldFunctionExpression',
        apexType: null,
        booleanType: fd?.type === 'boolean',
        columnName: name,
        custom: fd?.custom ?? false,
        displayName: name,
        foreignKeyName: null,
        insertable: fd?.createable ?? false,
        joinColumns: [],
        numberType: fd?.type === 'int' || fd?.type === 'double',
        textType: fd?.type === 'string',
        updatable: fd?.updateable ?? false
      };
    };
    const fields = (ast.fields as Rec[]) ?? [];
    return {
      columnMetadata: fields.map(columnOf),
      entityName: def.name,
      groupBy: false,
      idSelected: fields.some((f) => String(f.field).toLowerCase() === 'id'),
      keyPrefix: def.keyPrefix
    };
  }

  private parameterizedSearch(method: string, params: URLSearchParams, body: unknown): Reply {
    let q: string;
    let scope = 'ALL';
    let objects: { name: string; fields: string; where?: string; limit?: number }[] = [];
    let overall: number | undefined;
    if (method === 'POST') {
      const b = asRecord(body);
      q = text(b.q);
      scope = text(b.in, 'ALL');
      overall = b.overallLimit === undefined ? undefined : Number(b.overallLimit);
      const defaults = Array.isArray(b.fields) ? (b.fields as string[]).join(',') : 'Id';
      objects = ((b.sobjects as Rec[] | undefined) ?? []).map((s) => ({
        name: String(s.name),
        fields: Array.isArray(s.fields) ? (s.fields as string[]).join(',') : defaults,
        ...(s.where ? { where: text(s.where) } : {}),
        ...(s.limit !== undefined ? { limit: Number(s.limit) } : {})
      }));
    } else {
      q = params.get('q') ?? '';
      scope = params.get('in') ?? 'ALL';
      overall = params.get('overallLimit') ? Number(params.get('overallLimit')) : undefined;
      const defaults = params.get('fields') ?? 'Id';
      objects = params.getAll('sobject').map((name) => ({
        name,
        fields: params.get(`${name}.fields`) ?? defaults,
        ...(params.get(`${name}.limit`) ? { limit: Number(params.get(`${name}.limit`)) } : {})
      }));
    }
    if (!q) throw new SfError(400, 'MALFORMED_SEARCH', 'Search term must be specified (q)');
    const escaped = q.replace(/[{}\\]/g, (c) => `\\${c}`);
    const returning = objects
      .map(
        (o) =>
          `${o.name}(${o.fields}${o.where ? ` WHERE ${o.where}` : ''}${o.limit !== undefined ? ` LIMIT ${o.limit}` : ''})`
      )
      .join(', ');
    const sosl = `FIND {${escaped}} IN ${scope.toUpperCase()} FIELDS${returning ? ` RETURNING ${returning}` : ''}${overall !== undefined ? ` LIMIT ${overall}` : ''}`;
    return ok({ searchRecords: this.org.search.search(parseSosl(sosl)) });
  }

  // ---- sObject Collections ---------------------------------------------------------------

  private collections(
    method: string,
    type: string | undefined,
    extField: string | undefined,
    params: URLSearchParams,
    body: unknown,
    ctx: Ctx
  ): Reply {
    const store = this.org.store;
    const actor = { userId: ctx.userId };
    if (method === 'DELETE') {
      const ids = (params.get('ids') ?? '').split(',').filter(Boolean);
      const allOrNone = params.get('allOrNone') === 'true';
      return ok(
        this.eachRecord(ids, allOrNone, (id) => {
          const found = store.byId(id);
          if (!found) throw new SfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
          store.delete(found.object.name, id);
          return { id: found.rec.Id as string };
        })
      );
    }
    const b = asRecord(body);
    if (method === 'POST' && type) {
      const def = this.objectOrThrow(type);
      const ids = (b.ids as string[] | undefined) ?? [];
      const fields = ((b.fields as string[] | undefined) ?? ['Id']).join(',');
      return ok(
        ids.map((id) => {
          try {
            return this.retrieve(def, id, fields, ctx);
          } catch {
            return null;
          }
        })
      );
    }
    const records = (b.records as Rec[] | undefined) ?? [];
    if (records.length > 200)
      throw new SfError(
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 200 records into this call'
      );
    const allOrNone = b.allOrNone === true;
    const typeOf = (r: Rec) => text((r.attributes as Rec | undefined)?.type, type ?? '');
    const strip = (r: Rec) => {
      const copy = { ...r };
      delete copy.attributes;
      delete copy.id;
      delete copy.Id;
      return copy;
    };
    if (method === 'POST') {
      return ok(
        this.eachRecord(records, allOrNone, (r) => ({
          id: store.insert(this.objectOrThrow(typeOf(r)).name, strip(r), actor)
        }))
      );
    }
    if (method === 'PATCH' && type && extField) {
      const def = this.objectOrThrow(type);
      return ok(
        this.eachRecord(records, allOrNone, (r) => {
          const value = Object.entries(r).find(([k]) => k.toLowerCase() === extField.toLowerCase())?.[1];
          if (value === undefined || value === null)
            throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${extField}]`, [extField]);
          const result = store.upsert(def.name, extField, text(value), strip(r), actor);
          return { id: result.id, created: result.created };
        })
      );
    }
    if (method === 'PATCH') {
      return ok(
        this.eachRecord(records, allOrNone, (r) => {
          const id = (r.id ?? r.Id) as string | undefined;
          const found = store.byId(id);
          if (!found) throw new SfError(400, 'MALFORMED_ID', `invalid record id`, ['Id']);
          store.update(found.object.name, id, strip(r), actor);
          return { id: found.rec.Id as string };
        })
      );
    }
    throw notFound();
  }

  /** Per-record results in input order; with allOrNone every record fails when one does. */
  private eachRecord<T>(items: T[], allOrNone: boolean, fn: (item: T) => { id: string; created?: boolean }): Rec[] {
    const store = this.org.store;
    const asError = (e: SfError) => ({ statusCode: e.errorCode, message: e.message, fields: [...e.fields] });
    const saved = (r: { id: string; created?: boolean }): Rec => ({
      id: r.id,
      success: true,
      errors: [],
      ...(r.created !== undefined ? { created: r.created } : {})
    });
    const results: Rec[] = [];
    if (!allOrNone) {
      for (const item of items) {
        try {
          const r = store.transaction(() => fn(item));
          results.push(saved(r));
        } catch (error) {
          if (!(error instanceof SfError)) throw error;
          results.push({ success: false, errors: [asError(error)] });
        }
      }
      return results;
    }
    const errors = new Map<number, SfError>();
    const rollback = new Error('rollback');
    try {
      store.transaction(() => {
        items.forEach((item, i) => {
          try {
            const r = store.savepoint(() => fn(item));
            results.push(saved(r));
          } catch (error) {
            if (!(error instanceof SfError)) throw error;
            errors.set(i, error);
            results.push({});
          }
        });
        if (errors.size > 0) throw rollback;
      });
    } catch (error) {
      if (error !== rollback) throw error;
    }
    if (errors.size === 0) return results;
    return items.map((_item, i) => {
      const e = errors.get(i);
      return {
        success: false,
        errors: [
          e
            ? asError(e)
            : {
                statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                message:
                  'Record rolled back because not all records were valid and the request was using AllOrNone header',
                fields: []
              }
        ]
      };
    });
  }

  // ---- composite ---------------------------------------------------------------------

  private composite(body: Rec, ctx: Ctx): Reply {
    const subrequests = body.compositeRequest;
    if (!Array.isArray(subrequests)) throw new SfError(400, 'JSON_PARSER_ERROR', 'compositeRequest is required');
    if (subrequests.length > 25)
      throw new SfError(400, 'INVALID_BATCH_REQUEST', 'Composite request may contain at most 25 subrequests');
    const allOrNone = body.allOrNone === true;
    const refs = new Map<string, unknown>();
    const responses: Rec[] = [];
    const failed = new Set<string>();
    let firstFailure = -1;
    const resolve = (value: unknown): unknown => {
      if (typeof value === 'string') {
        return value.replace(/@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g, (_m, ref: string, path: string) => {
          if (failed.has(ref) || !refs.has(ref))
            throw new SfError(
              400,
              'PROCESSING_HALTED',
              `Invalid reference specified. No value for ${ref}${path} found in ${ref}. Provided referenceId ('${ref}') is not valid.`
            );
          let current: unknown = refs.get(ref);
          for (const step of path.match(/[A-Za-z0-9_]+|\d+/g) ?? []) current = (current as Rec | undefined)?.[step];
          return String(current);
        });
      }
      if (Array.isArray(value)) return value.map(resolve);
      if (value && typeof value === 'object')
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
      return value;
    };
    const runOne = (sub: Rec): Reply => {
      const referenceId = text(sub.referenceId);
      if (!/^[A-Za-z0-9_]+$/.test(referenceId))
        throw new SfError(400, 'INVALID_INPUT', `The reference ID ${referenceId} is invalid.`);
      const method = text(sub.method, 'GET').toUpperCase();
      const target = String(resolve(text(sub.url)));
      const m = /^\/services\/data\/v(\d+\.\d)\/([^?]*)(?:\?(.*))?$/.exec(target.replace(/\/{2,}/g, '/'));
      if (!m) throw new SfError(400, 'INVALID_URL', `The URL ${target} is not valid`);
      return this.route(method, m[2]!, new URLSearchParams(m[3] ?? ''), resolve(sub.body), { ...ctx, version: m[1]! });
    };
    const record = (sub: Rec, reply: Reply) => {
      const referenceId = text(sub.referenceId);
      const success = reply.status < 300;
      if (success) refs.set(referenceId, reply.body ?? {});
      else failed.add(referenceId);
      responses.push({
        body: reply.body ?? null,
        httpHeaders: reply.headers ?? {},
        httpStatusCode: reply.status,
        referenceId
      });
      return success;
    };
    const attempt = (sub: Rec): Reply => {
      try {
        return runOne(sub);
      } catch (error) {
        if (error instanceof SfError) return errorReply(error);
        throw error;
      }
    };
    const store = this.org.store;
    if (allOrNone) {
      const rollback = new Error('rollback');
      try {
        store.transaction(() => {
          for (const sub of subrequests as Rec[]) {
            const reply = store.savepoint(() => attempt(sub));
            if (!record(sub, reply)) {
              firstFailure = responses.length - 1;
              throw rollback;
            }
          }
        });
      } catch (error) {
        if (error !== rollback) throw error;
      }
      if (firstFailure >= 0) {
        const halted = [
          {
            errorCode: 'PROCESSING_HALTED',
            message: 'The transaction was rolled back since another operation in the same transaction failed.'
          }
        ];
        const out = (subrequests as Rec[]).map((sub, i) =>
          i === firstFailure
            ? responses[i]!
            : { body: halted, httpHeaders: {}, httpStatusCode: 400, referenceId: text(sub.referenceId) }
        );
        return ok({ compositeResponse: out });
      }
      return ok({ compositeResponse: responses });
    }
    for (const sub of subrequests as Rec[])
      record(
        sub,
        store.transaction(() => attempt(sub))
      );
    return ok({ compositeResponse: responses });
  }

  private batch(body: Rec, ctx: Ctx): Reply {
    const requests = (body.batchRequests as Rec[] | undefined) ?? [];
    const haltOnError = body.haltOnError === true;
    let halted = false;
    let hasErrors = false;
    const results = requests.map((r) => {
      if (halted)
        return {
          statusCode: 412,
          result: [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }]
        };
      const m = /^\/?(?:services\/data\/)?v(\d+\.\d)\/([^?]*)(?:\?(.*))?$/.exec(text(r.url));
      let reply: Reply;
      try {
        if (!m) throw new SfError(400, 'INVALID_URL', 'invalid batch url');
        reply = this.org.store.transaction(() =>
          this.route(text(r.method, 'GET').toUpperCase(), m[2]!, new URLSearchParams(m[3] ?? ''), r.richInput, {
            ...ctx,
            version: m[1]!
          })
        );
      } catch (error) {
        if (!(error instanceof SfError)) throw error;
        reply = errorReply(error);
      }
      if (reply.status >= 400) {
        hasErrors = true;
        if (haltOnError) halted = true;
      }
      return { statusCode: reply.status, result: reply.body ?? null };
    });
    return ok({ hasErrors, results });
  }
}
