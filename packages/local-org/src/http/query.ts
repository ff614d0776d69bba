/**
 * `/query` and `/queryAll` (SOQL, pages of up to 2,000 rows with `nextRecordsUrl`,
 * `Sforce-Query-Options: batchSize`, `columns=true` for the sf CLI) and
 * `/query/{locator}` for the next page.
 */
import { SfError } from '../errors';
import type { LocalOrg } from '../org';
import type { ObjectDef } from '../schema';
import type { Rec } from '../store';
import { text } from '../values';
import type { Ctx, Reply } from './reply';
import { ok } from './reply';

const PAGE_SIZE = 2000;

interface Cursor {
  readonly records: Rec[];
  readonly offset: number;
  readonly totalSize: number;
  readonly size: number;
}

export class QueryResource {
  private readonly cursors = new Map<string, Cursor>();
  private cursorSeq = 0;

  constructor(private readonly org: LocalOrg) {}

  handle(locator: string | undefined, params: URLSearchParams, ctx: Ctx, all: boolean): Reply {
    if (locator) return this.nextPage(locator);
    const soql = params.get('q');
    if (!soql) throw new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const access = this.org.accessOf(ctx.userId);
    const result = this.org.soql.run(soql, access ? { all, access } : { all });
    if (params.get('columns') === 'true') return ok(this.columns(result.ast as unknown as Rec, result.entity));
    if (result.count) return ok({ totalSize: result.totalSize, done: true, records: [] });
    const batch = /batchSize=(\d+)/.exec(String(ctx.headers['sforce-query-options'] ?? ''));
    const size = Math.min(PAGE_SIZE, Math.max(200, Number(batch?.[1] ?? PAGE_SIZE)));
    return ok(this.page({ records: result.records, offset: 0, totalSize: result.totalSize, size }, ctx.version));
  }

  private page(cursor: Cursor, version: string): Rec {
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
}
