/**
 * Apex REST (`/services/apexrest/…`), as far as an emulator can go: Apex does not run here.
 *
 * What follows the documentation ("RestResource Annotation", apex_classes_annotation_rest_resource):
 * - a URL is served only when a deployed class declares `@RestResource(urlMapping='…')` for it;
 *   the mapping is relative to /services/apexrest/, case-sensitive, an exact match wins, else the
 *   longest matching wildcard pattern, else 404;
 * - the caller authenticates as for the REST API, and the request counts as one API request.
 *
 * What cannot follow it: the class's code. The behaviour behind a mapping is a handler the
 * caller registers for it (the `apexRest` option), written against ApexContext (SOQL, SOSL and
 * describe as the calling user). A mapped URL without a handler answers 501, a local-org-only
 * answer (docs/local-org.md lists it as a known difference). An exception a handler throws
 * answers 500 APEX_ERROR. Neither that status and code nor the text is documented for Apex REST:
 * they are the local org's choice, listed in docs/local-org.md.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SfError } from './errors';
import type { LocalOrg } from './org';
import type { ForceAppSource } from './schema';
import { forceAppDir } from './schema';
import { parseSosl } from './sosl';
import type { Rec } from './store';

export interface ApexDescribe {
  readonly name: string;
  /**
   * Every field of the object, as describe in an Apex class returns them whatever the user's
   * access, with `accessible` as DescribeFieldResult.isAccessible() answers for the calling
   * user ("Understanding Describe Information Permissions", apex_dynamic_permissions).
   */
  readonly fields: readonly { readonly name: string; readonly type: string; readonly accessible: boolean }[];
}

/**
 * What a handler may do in the org, as the user the request's token belongs to. `query` and
 * `search` run in user mode (WITH USER_MODE, AccessLevel.USER_MODE): the user's object
 * permissions, field-level security and sharing apply, and what they refuse throws as it
 * would in Apex ("Set an Access Mode for Database Operations", apex_classes_enforce_usermode).
 * `querySystem` is WITH SYSTEM_MODE in a `without sharing` class: nothing of the user's
 * access applies.
 */
export interface ApexContext {
  readonly userId: string;
  readonly orgId: string;
  /** Rows of a SOQL query in user mode (all of them: Apex has no 2,000-row page). */
  query(soql: string): Rec[];
  /** Rows of a SOQL query in system mode without sharing. */
  querySystem(soql: string): Rec[];
  /** Rows of a SOSL search in user mode, every RETURNING object in one list, each with attributes.type. */
  search(sosl: string): Rec[];
  /** The object's fields with their types (`phone`, `string`…), or null when the org has no such object. */
  describe(sobject: string): ApexDescribe | null;
}

export interface ApexRestRequest {
  readonly method: string;
  /** The part after /services/apexrest, starting with '/'. */
  readonly path: string;
  readonly params: URLSearchParams;
  /** The raw body, as Apex's RestRequest.requestBody holds it: the class parses it. */
  readonly body: string;
}

export interface ApexRestResponse {
  readonly status: number;
  readonly body?: unknown;
}

export type ApexRestHandler = (request: ApexRestRequest, ctx: ApexContext) => ApexRestResponse;

export interface RestMapping {
  readonly className: string;
  /** The HTTP methods the class annotates (@HttpGet, @HttpPost…). */
  readonly methods: readonly string[];
}

/** The urlMapping of every deployed class annotated @RestResource, from the force-app folders. */
export function restMappings(forceApps: readonly ForceAppSource[]): Map<string, RestMapping> {
  const out = new Map<string, RestMapping>();
  let namespace: string | undefined;
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (name.endsWith('.cls')) {
        const source = readFileSync(path, 'utf8');
        const m = /@RestResource\s*\(\s*urlMapping\s*=\s*'([^']+)'\s*\)/i.exec(source);
        const methods = [...source.matchAll(/@Http(Get|Post|Put|Patch|Delete)\b/gi)].map((h) => h[1]!.toUpperCase());
        // A namespaced package's mappings are below /<ns>/ (apex_classes_annotation_rest_resource).
        if (m)
          out.set(`${namespace ? `/${namespace}` : ''}${m[1]!}`, { className: name.replace(/\.cls$/, ''), methods });
      }
    }
  };
  for (const source of forceApps) {
    const dir = forceAppDir(source);
    namespace = dir.namespace;
    if (existsSync(dir.path)) visit(dir.path);
  }
  return out;
}

/** The mapping a path resolves to by the documented rules, or undefined (404). */
export function resolveMapping(mappings: Iterable<string>, path: string): string | undefined {
  const all = [...mappings];
  if (all.includes(path)) return path;
  const matches = all.filter((pattern) => {
    if (!pattern.includes('*')) return false;
    const regex = new RegExp(
      `^${pattern
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^]*')}$`
    );
    return regex.test(path);
  });
  return matches.sort((a, b) => b.length - a.length)[0];
}

/**
 * Per-transaction governor limits ("Execution Governors and Limits", apex_gov_limits): 100
 * SOQL queries and 20 SOSL searches in a synchronous transaction. Past them Apex throws
 * System.LimitException ("Too many SOQL queries: 101"), which code cannot catch: the request
 * ends as an unhandled exception. Heap, CPU time and rows are not modelled (docs/local-org.md).
 */
export const APEX_LIMITS = { soql: 100, sosl: 20 } as const;

/** What Apex throws past a governor limit: no handler may catch it (the stand-ins rethrow it). */
export class ApexLimitException extends Error {
  constructor(what: string, count: number) {
    super(`Too many ${what}: ${count}`);
    this.name = 'System.LimitException';
  }
}

export function apexContext(
  org: LocalOrg,
  userId: string,
  /** Set when a limit was exceeded: the request fails even if a handler caught the exception. */
  state: { limit: ApexLimitException | null } = { limit: null }
): ApexContext {
  const access = org.accessOf(userId);
  const asUser = access ? { access } : {};
  const used = { soql: 0, sosl: 0 };
  const count = (kind: 'soql' | 'sosl') => {
    used[kind] += 1;
    if (used[kind] > APEX_LIMITS[kind]) {
      state.limit = new ApexLimitException(kind === 'soql' ? 'SOQL queries' : 'SOSL queries', used[kind]);
      throw state.limit;
    }
  };
  return {
    userId,
    orgId: org.orgId,
    query: (soql) => (count('soql'), org.soql.run(soql, asUser).records),
    querySystem: (soql) => (count('soql'), org.soql.run(soql).records),
    // Up to 2,000 rows, as an Apex SOSL statement returns (Apex Developer Guide, "Dynamic SOSL").
    search: (sosl) => (count('sosl'), org.search.search(parseSosl(sosl), access)),
    describe: (sobject) => {
      const def = org.store.schema.object(sobject);
      if (!def) return null;
      return {
        name: def.name,
        fields: [...def.fields.values()].map((f) => ({
          name: f.name,
          type: f.type,
          accessible: !access || (access.canObject(def.name, 'read') && access.canReadField(def.name, f.name))
        }))
      };
    }
  };
}

export function apexRest(
  org: LocalOrg,
  handlers: ReadonlyMap<string, ApexRestHandler>,
  request: ApexRestRequest,
  userId: string
): { status: number; body?: unknown } {
  const mapping = resolveMapping(org.restMappings.keys(), request.path);
  if (!mapping) throw new SfError(404, 'NOT_FOUND', `Could not find a match for URL ${request.path}`);
  const declared = org.restMappings.get(mapping)!;
  // Which methods a mapping serves is documented (the @Http* annotations); the 405 status,
  // errorCode and text for another method are not: the local org's choice (docs/local-org.md).
  if (!declared.methods.includes(request.method))
    throw new SfError(
      405,
      'METHOD_NOT_ALLOWED',
      `HTTP Method '${request.method}' not allowed. Allowed are ${declared.methods.join(',')}`
    );
  const handler = handlers.get(mapping);
  if (!handler)
    throw new SfError(
      501,
      'NOT_IMPLEMENTED',
      `${declared.className} maps ${mapping}, but the local org cannot run Apex and no handler was registered for it (option apexRest).`
    );
  try {
    const state: { limit: ApexLimitException | null } = { limit: null };
    return org.store.transaction(() => {
      const reply = handler(request, apexContext(org, userId, state));
      // Uncatchable in Apex: a handler that caught it still ends the request (and rolls back).
      if (state.limit) throw state.limit;
      return reply;
    });
  } catch (error) {
    // A failed query inside Apex is an uncaught exception too, not the REST API's 400.
    const message =
      error instanceof SfError
        ? `${error.errorCode}: ${error.message}`
        : error instanceof ApexLimitException
          ? `${error.name}: ${error.message}`
          : error instanceof Error
            ? error.message
            : String(error);
    throw new SfError(500, 'APEX_ERROR', message);
  }
}
