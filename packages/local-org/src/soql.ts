/**
 * SOQL over the local org's records. Parsed with @jetstreamapp/soql-parser-js, evaluated
 * here. What is not supported fails with Salesforce's error codes (MALFORMED_QUERY,
 * INVALID_FIELD, INVALID_TYPE), never with a silently wrong answer.
 */
import { parseQuery } from '@jetstreamapp/soql-parser-js';
import { SfError } from './errors';
import { canonicalId } from './ids';
import type { FieldDef, ObjectDef } from './schema';
import type { Rec, Store } from './store';
import type { Access } from './permissions';
import { readValue, text, toMs } from './values';

type Ast = ReturnType<typeof parseQuery>;
interface AnyNode {
  [key: string]: unknown;
}

export interface QueryResult {
  totalSize: number;
  records: Rec[];
  /** Present for COUNT() queries. */
  count?: boolean;
  entity: ObjectDef;
  ast: Ast;
}

const malformed = (soql: string, message: string) =>
  new SfError(400, 'MALFORMED_QUERY', `\n${soql}\n^\nERROR at Row:1:Column:1\n${message}`);
/**
 * ContentDocumentLink's implementation restrictions, as the API answers them (MALFORMED_QUERY;
 * the texts are real answers captured in public tools' logs, the rule is the object reference's
 * "turn on the Query All Files permission to query without a filter on id, LinkedEntityId, and
 * documentID fields", not modelled here): a filter by Id, ContentDocumentId or LinkedEntityId
 * with = or IN, and a filter on any other field only beside LinkedEntityId =. The local org
 * reads "a filter" as a condition every row must meet: one under OR or NOT does not count.
 */
function checkLinkFilter(where: AnyNode | undefined): void {
  const conditions: AnyNode[] = [];
  let branching = false;
  for (let node = where; node; node = node.right as AnyNode | undefined) {
    const op = text(node.operator).toUpperCase();
    if (op === 'OR' || (node.left === null && op === 'NOT')) branching = true;
    if (node.left) conditions.push(node.left as AnyNode);
  }
  const ids = new Set(['id', 'contentdocumentid', 'linkedentityid']);
  const byId = (c: AnyNode, names: Set<string>, ops: string[]) =>
    names.has(text(c.field).toLowerCase()) && ops.includes(text(c.operator).toUpperCase());
  if (branching || !conditions.some((c) => byId(c, ids, ['=', 'IN'])))
    throw new SfError(
      400,
      'MALFORMED_QUERY',
      "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator."
    );
  const otherFields = conditions.some((c) => !ids.has(text(c.field).toLowerCase()));
  if (otherFields && !conditions.some((c) => byId(c, new Set(['linkedentityid']), ['='])))
    throw new SfError(
      400,
      'MALFORMED_QUERY',
      'Implementation restriction: filtering on non-id fields is only permitted when filtering by ContentDocumentLink.LinkedEntityId using the equals operator.'
    );
}

const invalidField = (soql: string, column: string, entity: string) => {
  const at = Math.max(0, soql.toLowerCase().indexOf(column.toLowerCase()));
  return new SfError(
    400,
    'INVALID_FIELD',
    `\n${soql}\n${' '.repeat(at)}^\nERROR at Row:1:Column:${at + 1}\nNo such column '${column}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`
  );
};

function unquote(value: string): string {
  return value.replace(/^'|'$/g, '').replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

const DAY = 86_400_000;
function startOfDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** [from, to) in epoch ms for a date literal such as TODAY or LAST_N_DAYS:3 (UTC). */
function dateRange(literal: string, now: number): [number, number] {
  const today = startOfDay(now);
  const [name, nRaw] = literal.toUpperCase().split(':');
  const n = Number(nRaw ?? 0);
  switch (name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'LAST_N_DAYS':
      return [today - n * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (n + 1) * DAY];
    case 'LAST_WEEK':
    case 'THIS_WEEK': {
      const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
      return name === 'THIS_WEEK' ? [monday, monday + 7 * DAY] : [monday - 7 * DAY, monday];
    }
    default:
      throw new SfError(400, 'MALFORMED_QUERY', `unsupported date literal ${literal}`);
  }
}

export class SoqlEngine {
  constructor(private readonly store: Store) {}

  /** The access of the user whose query runs (run() sets it): objects and fields it may not read do not exist for it. */
  private access: Access | undefined;

  private entity(name: string, soql: string): ObjectDef {
    const def = this.store.schema.object(name);
    if (!def || (this.access && !this.access.canObject(def.name, 'read'))) {
      const error = new SfError(
        400,
        'INVALID_TYPE',
        `\n${soql}\n^\nERROR at Row:1:Column:1\nsObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`
      );
      throw def && this.access ? this.access.refuseRead(error) : error;
    }
    return def;
  }

  parse(soql: string): Ast {
    try {
      return parseQuery(soql);
    } catch (error) {
      throw malformed(soql, error instanceof Error ? error.message.split('\n')[0]! : 'unexpected token');
    }
  }

  /** Resolves a dotted path (Account.Owner.Name) from an object; throws INVALID_FIELD. */
  resolvePath(def: ObjectDef, path: string[], soql: string): { chain: FieldDef[]; field: FieldDef } {
    const chain: FieldDef[] = [];
    let current = def;
    for (let i = 0; i < path.length - 1; i += 1) {
      const rel = [...current.fields.values()].find(
        (f) => f.relationshipName?.toLowerCase() === path[i]!.toLowerCase()
      );
      if (!rel) throw invalidField(soql, path.slice(0, i + 1).join('.'), current.name);
      chain.push(rel);
      // Polymorphic relationships (Who, What, Owner) are resolved per record; check against the first type.
      const target = this.store.schema.object(rel.referenceTo?.[0] ?? '');
      if (!target) throw invalidField(soql, path.join('.'), current.name);
      if ((rel.referenceTo?.length ?? 0) > 1) {
        const last = path[path.length - 1]!.toLowerCase();
        if (i === path.length - 2 && ['id', 'name', 'type'].includes(last)) {
          return { chain, field: target.fields.get(last === 'type' ? 'id' : last)! };
        }
      }
      current = target;
    }
    const field = current.fields.get(path[path.length - 1]!.toLowerCase());
    if (!field) throw invalidField(soql, path.join('.'), current.name);
    // Field-level security: a field the user cannot read is no column at all for it.
    if (this.access && !this.access.canReadField(current.name, field.name)) {
      throw this.access.refuseRead(invalidField(soql, path.join('.'), current.name));
    }
    return { chain, field };
  }

  /** The value at a dotted path of a record, following references through the store. */
  valueAt(rec: Rec, def: ObjectDef, path: string[]): unknown {
    let current: Rec | undefined = rec;
    let currentDef = def;
    for (let i = 0; i < path.length - 1; i += 1) {
      const rel = [...currentDef.fields.values()].find(
        (f) => f.relationshipName?.toLowerCase() === path[i]!.toLowerCase()
      );
      const target: { object: ObjectDef; rec: Rec } | undefined =
        rel && current ? this.store.byId(current[rel.name]) : undefined;
      if (!target) return null;
      current = target.rec;
      currentDef = target.object;
    }
    const last = path[path.length - 1]!;
    if (last.toLowerCase() === 'type' && path.length > 1) return currentDef.name;
    const f = currentDef.fields.get(last.toLowerCase());
    return f && current ? (current[f.name] ?? null) : null;
  }

  run(soql: string, options: { all?: boolean; access?: Access; ids?: ReadonlySet<string> } = {}): QueryResult {
    const ast = this.parse(soql);
    this.access = options.access;
    try {
      return this.execute(ast, soql, options);
    } finally {
      this.access = undefined;
    }
  }

  execute(ast: Ast, soql: string, options: { all?: boolean; ids?: ReadonlySet<string> } = {}): QueryResult {
    const node = ast as unknown as AnyNode;
    if (!ast.sObject) throw malformed(soql, 'missing FROM');
    if (node.groupBy || node.having || node.withDataCategory)
      throw malformed(soql, 'GROUP BY, HAVING and WITH DATA CATEGORY are not supported by the local org');
    const def = this.entity(ast.sObject, soql);
    const fields = (ast.fields ?? []) as unknown as AnyNode[];
    const isCount =
      fields.length === 1 &&
      fields[0]!.type === 'FieldFunctionExpression' &&
      String(fields[0]!.functionName).toUpperCase() === 'COUNT' &&
      (fields[0]!.parameters as unknown[]).length === 0;
    // Validate the selected fields before touching data, as Salesforce does.
    for (const f of fields) {
      if (f.type === 'Field') this.resolvePath(def, [String(f.field)], soql);
      else if (f.type === 'FieldRelationship')
        this.resolvePath(def, [...(f.relationships as string[]), String(f.field)], soql);
      else if (f.type === 'FieldSubquery')
        this.childRelationship(def, (f.subquery as AnyNode).relationshipName as string, soql);
      else if (!isCount) throw malformed(soql, `${String(f.rawValue ?? f.type)} is not supported by the local org`);
    }
    if (def.name === 'ContentDocumentLink') checkLinkFilter(node.where as AnyNode | undefined);
    const predicate = node.where ? this.compileWhere(def, node.where as AnyNode, soql) : () => true;
    const narrowed = options.ids ?? (node.where ? this.indexedCandidates(def, node.where as AnyNode) : undefined);
    // queryAll also reads the Recycle Bin: deleted rows with IsDeleted = true (resources_queryall).
    const deleted = options.all ? this.store.deletedRecords(def.name) : [];
    const source = narrowed
      ? [
          ...[...narrowed].map((id) => this.store.table(def.name).get(id)).filter((r): r is Rec => r !== undefined),
          ...deleted.filter((r) => narrowed.has(String(r.Id)))
        ]
      : [...this.store.table(def.name).values(), ...deleted];
    // Sharing (user mode): records the user cannot see are not there for it.
    const access = this.access;
    let rows = source.filter((r) => (access ? access.canSee(def.name, r) : true) && predicate(r));
    if (isCount) return { totalSize: rows.length, records: [], count: true, entity: def, ast };
    rows = this.sort(def, rows, (node.orderBy as AnyNode[] | undefined) ?? [], soql);
    const offset = Number(node.offset ?? 0);
    const limit = node.limit === undefined ? undefined : Number(node.limit);
    rows = rows.slice(offset, limit === undefined ? undefined : offset + limit);
    return { totalSize: rows.length, records: rows.map((r) => this.project(def, r, fields, soql)), entity: def, ast };
  }

  /**
   * Ids that can match, from the Id and external-id indexes, when the WHERE is a plain chain
   * of ANDs (no OR, NOT or parentheses) with an equality or IN on such a field. The full
   * predicate is still applied to them, so this only saves the scan.
   */
  private indexedCandidates(def: ObjectDef, where: AnyNode): Set<string> | undefined {
    const conditions: AnyNode[] = [];
    for (let node: AnyNode | undefined = where; node; node = node.right as AnyNode | undefined) {
      const left = node.left as AnyNode | null;
      if (!left || left.openParen || left.closeParen) return undefined;
      if (node.operator !== undefined && text(node.operator).toUpperCase() !== 'AND') return undefined;
      conditions.push(left);
    }
    for (const cond of conditions) {
      const op = text(cond.operator).toUpperCase();
      const fieldName = text(cond.field);
      if ((op !== '=' && op !== 'IN') || fieldName.includes('.') || cond.literalType !== 'STRING') continue;
      const field = def.fields.get(fieldName.toLowerCase());
      if (!field || !(field.name === 'Id' || field.externalId || field.unique)) continue;
      const values = (Array.isArray(cond.value) ? cond.value : [cond.value]).map((v) => unquote(text(v)));
      const ids = new Set<string>();
      for (const value of values) {
        if (field.name === 'Id') {
          const id = canonicalId(value);
          if (id) ids.add(id);
        } else {
          for (const id of this.store.findByUnique(def.name, field.name, value)) ids.add(id);
        }
      }
      return ids;
    }
    return undefined;
  }

  private childRelationship(def: ObjectDef, name: string, soql: string) {
    const rel = def.children.find((c) => c.relationshipName.toLowerCase() === name.toLowerCase());
    if (!rel) {
      throw new SfError(
        400,
        'INVALID_TYPE',
        `\n${soql}\n^\nERROR at Row:1:Column:1\nDidn't understand relationship '${name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`
      );
    }
    return rel;
  }

  private attributes(def: ObjectDef, rec: Rec): Rec {
    return { type: def.name, url: `/services/data/v${this.apiVersion}/sobjects/${def.name}/${String(rec.Id)}` };
  }

  apiVersion = '66.0';

  private project(def: ObjectDef, rec: Rec, fields: AnyNode[], soql: string): Rec {
    const out: Rec = { attributes: this.attributes(def, rec) };
    for (const f of fields) {
      if (f.type === 'Field') {
        const fd = def.fields.get(String(f.field).toLowerCase())!;
        out[fd.name] = readValue(fd, rec, def.name, this.apiVersion);
      } else if (f.type === 'FieldRelationship') {
        this.projectRelationship(out, def, rec, [...(f.relationships as string[])], String(f.field));
      } else if (f.type === 'FieldSubquery') {
        const sub = f.subquery as AnyNode;
        const rel = this.childRelationship(def, String(sub.relationshipName), soql);
        const childDef = this.store.schema.object(rel.childSObject)!;
        const subAst = { ...sub, sObject: rel.childSObject } as unknown as Ast;
        const fk = rel.field;
        const where = sub.where ? this.compileWhere(childDef, sub.where as AnyNode, soql) : () => true;
        const access = this.access;
        let rows = [...this.store.table(childDef.name).values()].filter(
          (c) => c[fk] === rec.Id && (access ? access.canSee(childDef.name, c) : true) && where(c)
        );
        rows = this.sort(childDef, rows, (sub.orderBy as AnyNode[] | undefined) ?? [], soql);
        if (sub.limit !== undefined) rows = rows.slice(0, Number(sub.limit));
        const records = rows.map((r) => this.project(childDef, r, (subAst.fields ?? []) as unknown as AnyNode[], soql));
        out[rel.relationshipName] = records.length ? { totalSize: records.length, done: true, records } : null;
      }
    }
    return out;
  }

  private projectRelationship(out: Rec, def: ObjectDef, rec: Rec, rels: string[], field: string): void {
    let target: Rec = out;
    let current: Rec | undefined = rec;
    let currentDef = def;
    for (const relName of rels) {
      const rel = [...currentDef.fields.values()].find(
        (f) => f.relationshipName?.toLowerCase() === relName.toLowerCase()
      )!;
      const parent: { object: ObjectDef; rec: Rec } | undefined = current
        ? this.store.byId(current[rel.name])
        : undefined;
      const key = rel.relationshipName!;
      if (!parent) {
        if (!(key in target)) target[key] = null;
        return;
      }
      const existing = target[key] as Rec | null | undefined;
      const nested: Rec = existing ?? { attributes: this.attributes(parent.object, parent.rec) };
      target[key] = nested;
      target = nested;
      current = parent.rec;
      currentDef = parent.object;
    }
    const fd = currentDef.fields.get(field.toLowerCase());
    if (field.toLowerCase() === 'type') target.Type = currentDef.name;
    else if (fd) target[fd.name] = current?.[fd.name] ?? null;
    else target[field] = null;
  }

  private sort(def: ObjectDef, rows: Rec[], orderBy: AnyNode[], soql: string): Rec[] {
    if (orderBy.length === 0) return rows;
    const keys = orderBy.map((o) => {
      const path = String(o.field).split('.');
      const { field } = this.resolvePath(def, path, soql);
      const desc = text(o.order, 'ASC').toUpperCase() === 'DESC';
      const nullsLast = o.nulls ? text(o.nulls).toUpperCase() === 'LAST' : desc;
      return { path, field, desc, nullsLast };
    });
    return [...rows].sort((a, b) => {
      for (const k of keys) {
        const va = this.valueAt(a, def, k.path);
        const vb = this.valueAt(b, def, k.path);
        const an = va === null || va === undefined;
        const bn = vb === null || vb === undefined;
        if (an || bn) {
          if (an && bn) continue;
          return an === k.nullsLast ? 1 : -1;
        }
        const c = compare(va, vb, k.field);
        if (c !== 0) return k.desc ? -c : c;
      }
      return 0;
    });
  }

  // ---- WHERE -------------------------------------------------------------------------

  /** Flattens the parser's right-nested chain (with paren counts) into tokens, then parses them. */
  private compileWhere(def: ObjectDef, where: AnyNode, soql: string): (rec: Rec) => boolean {
    type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | { cond: AnyNode };
    const tokens: Token[] = [];
    const walk = (node: AnyNode | null | undefined): void => {
      if (!node) return;
      if (node.left === null && text(node.operator).toUpperCase() === 'NOT') {
        tokens.push('NOT');
        walk(node.right as AnyNode);
        return;
      }
      const left = node.left as AnyNode;
      for (let i = 0; i < Number(left.openParen ?? 0); i += 1) tokens.push('(');
      tokens.push({ cond: left });
      for (let i = 0; i < Number(left.closeParen ?? 0); i += 1) tokens.push(')');
      if (node.operator) tokens.push(text(node.operator).toUpperCase() as 'AND' | 'OR');
      walk(node.right as AnyNode);
    };
    walk(where);
    let pos = 0;
    type Pred = (rec: Rec) => boolean;
    const parseOr = (): Pred => {
      let left = parseAnd();
      while (tokens[pos] === 'OR') {
        pos += 1;
        const l = left;
        const r = parseAnd();
        left = (rec) => l(rec) || r(rec);
      }
      return left;
    };
    const parseAnd = (): Pred => {
      let left = parseNot();
      while (tokens[pos] === 'AND') {
        pos += 1;
        const l = left;
        const r = parseNot();
        left = (rec) => l(rec) && r(rec);
      }
      return left;
    };
    const parseNot = (): Pred => {
      if (tokens[pos] === 'NOT') {
        pos += 1;
        const inner = parseNot();
        return (rec) => !inner(rec);
      }
      if (tokens[pos] === '(') {
        pos += 1;
        const inner = parseOr();
        if (tokens[pos] !== ')') throw malformed(soql, 'unbalanced parentheses');
        pos += 1;
        return inner;
      }
      const token = tokens[pos];
      if (!token || typeof token === 'string') throw malformed(soql, 'unexpected token in WHERE');
      pos += 1;
      return this.condition(def, token.cond, soql);
    };
    const predicate = parseOr();
    if (pos !== tokens.length) throw malformed(soql, 'unexpected token in WHERE');
    return predicate;
  }

  private condition(def: ObjectDef, cond: AnyNode, soql: string): (rec: Rec) => boolean {
    if (!cond.field || cond.fn) throw malformed(soql, 'functions in WHERE are not supported by the local org');
    const path = text(cond.field).split('.');
    const { field } = this.resolvePath(def, path, soql);
    const op = String(cond.operator).toUpperCase();
    const get = (rec: Rec) => this.valueAt(rec, def, path);
    if (cond.literalType === 'SUBQUERY') {
      const sub = this.execute(cond.valueQuery as Ast, soql);
      const subField = ((cond.valueQuery as AnyNode).fields as AnyNode[])[0]!;
      const values = new Set(
        sub.records.map(
          (r) => r[Object.keys(r).find((k) => k.toLowerCase() === String(subField.field).toLowerCase()) ?? '']
        )
      );
      if (op === 'IN') return (rec) => values.has(get(rec));
      if (op === 'NOT IN') return (rec) => !values.has(get(rec));
      throw malformed(soql, `${op} with a subquery`);
    }
    const literalType = Array.isArray(cond.literalType) ? String(cond.literalType[0]) : String(cond.literalType);
    const raw = cond.value;
    const now = this.store.now();
    const literal = (v: string): unknown => {
      switch (literalType) {
        case 'STRING':
          return unquote(v);
        case 'BOOLEAN':
          return v.toUpperCase() === 'TRUE';
        case 'NULL':
          return null;
        case 'INTEGER':
        case 'DECIMAL':
          return Number(v);
        case 'DATE':
          return v;
        case 'DATETIME':
          return toMs(v);
        default:
          throw malformed(soql, `unsupported value ${v}`);
      }
    };
    if (literalType === 'DATE_LITERAL' || literalType === 'DATE_N_LITERAL') {
      const [from, to] = dateRange(String(raw), now);
      const ms = (rec: Rec) => {
        const v = get(rec);
        return typeof v === 'string' ? (field.type === 'date' ? Date.parse(`${v}T00:00:00Z`) : toMs(v)) : NaN;
      };
      const checks: Record<string, (m: number) => boolean> = {
        '=': (m) => m >= from && m < to,
        '!=': (m) => !(m >= from && m < to),
        '<': (m) => m < from,
        '<=': (m) => m < to,
        '>': (m) => m >= to,
        '>=': (m) => m >= from
      };
      const check = checks[op];
      if (!check) throw malformed(soql, `${op} with a date literal`);
      return (rec) => {
        const m = ms(rec);
        return !Number.isNaN(m) && check(m);
      };
    }
    const value = Array.isArray(raw) ? raw.map((v) => literal(String(v))) : literal(String(raw));
    const norm = (v: unknown): unknown => {
      if (v === null || v === undefined) return null;
      if (field.type === 'datetime' && typeof v === 'string') return toMs(v);
      if (typeof v === 'string' && (field.type === 'id' || field.type === 'reference')) return v.slice(0, 15);
      if (typeof v === 'string') return v.toLowerCase();
      return v;
    };
    const nv = Array.isArray(value) ? value.map(norm) : norm(value);
    switch (op) {
      case '=':
        return (rec) => norm(get(rec)) === nv;
      case '!=':
      case '<>':
        return (rec) => norm(get(rec)) !== nv;
      case '<':
      case '<=':
      case '>':
      case '>=':
        return (rec) => {
          const v = norm(get(rec));
          if (v === null || nv === null) return false;
          const c = compare(v, nv, field);
          return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
        };
      case 'IN':
      case 'NOT IN': {
        const set = new Set(Array.isArray(nv) ? nv : [nv]);
        return op === 'IN' ? (rec) => set.has(norm(get(rec))) : (rec) => !set.has(norm(get(rec)));
      }
      case 'LIKE': {
        const pattern = String(value)
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.');
        const re = new RegExp(`^${pattern}$`, 'is');
        return (rec) => {
          const v = get(rec);
          return typeof v === 'string' && re.test(v);
        };
      }
      default:
        throw malformed(soql, `operator ${op} is not supported by the local org`);
    }
  }
}

function compare(a: unknown, b: unknown, field: FieldDef): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (field.type === 'datetime') return toMs(a) - toMs(b);
  return String(a).localeCompare(String(b), 'en', { sensitivity: 'base' });
}
