/**
 * One local org: schema (standard objects + force-app), records, SOQL/SOSL engines, tokens,
 * the API meter and fault injection. `server.ts` puts HTTP in front of it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ForceAppSource } from './schema';
import { buildSchema } from './schema';
import { CASE_STATUSES, OPPORTUNITY_STAGES, TASK_STATUSES } from './schema';
import { SoqlEngine } from './soql';
import { SearchEngine } from './sosl';
import type { Actor } from './store';
import { Store } from './store';
import type { FaultSpec } from './faults';
import type { SfError } from './errors';
import type { ApexRestHandler, RestMapping } from './apex';
import { restMappings } from './apex';
import type { PermissionSetDef, SharingModel } from './permissions';
import { Access, loadPermissionSets } from './permissions';

export interface LocalOrgOptions {
  readonly dataFile?: string;
  readonly searchLagSeconds?: number;
  readonly personAccounts?: boolean;
  /**
   * SFDX source folders (`force-app`, and an admin's own metadata) whose custom objects, fields
   * and Apex REST mappings are deployed; none when absent.
   */
  readonly forceApp?: ForceAppSource | readonly ForceAppSource[];
  /** Handlers for the deployed Apex REST mappings (apex.ts): the local org cannot run Apex. */
  readonly apexRest?: Readonly<Record<string, ApexRestHandler>>;
  readonly faults?: FaultSpec;
  /**
   * Org-wide sharing defaults for internal users, by object (permissions.ts): `Private`
   * objects show a `createUser` user with permission sets only the records it owns, unless
   * it has View All. Objects not named are Public Read/Write.
   */
  readonly sharing?: Readonly<Record<string, SharingModel>>;
  /** Daily API request allocation reported at /limits. */
  readonly apiLimit?: number;
  readonly now?: () => number;
}

export const ADMIN_USERNAME = 'admin@local-org.invalid';

export class LocalOrg {
  readonly store: Store;
  readonly soql: SoqlEngine;
  readonly search: SearchEngine;
  readonly orgId: string;
  readonly adminUserId: string;
  readonly apiLimit: number;
  readonly faults: FaultSpec | undefined;
  /** urlMapping → the deployed class that declares it. */
  readonly restMappings: Map<string, RestMapping>;
  readonly apexRest: ReadonlyMap<string, ApexRestHandler>;
  readonly orgWideDefaults: ReadonlyMap<string, SharingModel>;
  /** The permission sets deployed with the SFDX folders, by name. */
  readonly permissionSets: ReadonlyMap<string, PermissionSetDef>;
  private readonly secret: string;
  apiUsed: number;

  constructor(options: LocalOrgOptions = {}) {
    const forceApps: ForceAppSource[] = options.forceApp === undefined ? [] : [options.forceApp].flat();
    const schema = buildSchema({ personAccounts: options.personAccounts ?? false, forceApps });
    this.restMappings = restMappings(forceApps);
    this.permissionSets = loadPermissionSets(forceApps);
    this.apexRest = new Map(Object.entries(options.apexRest ?? {}));
    this.orgWideDefaults = new Map(Object.entries(options.sharing ?? {}));
    this.store = new Store(schema, {
      ...(options.dataFile ? { dataFile: options.dataFile } : {}),
      searchLagMs: (options.searchLagSeconds ?? 0) * 1000,
      ...(options.now ? { now: options.now } : {})
    });
    this.soql = new SoqlEngine(this.store);
    this.search = new SearchEngine(this.store, this.soql);
    this.apiLimit = options.apiLimit ?? 100_000;
    this.faults = options.faults;
    if (!this.store.meta.get('orgId')) this.bootstrap();
    this.orgId = this.store.meta.get('orgId')!;
    this.adminUserId = this.store.meta.get('adminUserId')!;
    this.secret = this.store.meta.get('secret')!;
    this.apiUsed = Number(this.store.meta.get('apiUsed') ?? 0);
  }

  get admin(): Actor {
    return { userId: this.adminUserId };
  }

  close(): void {
    this.store.setMeta('apiUsed', String(this.apiUsed));
    this.store.close();
  }

  /** The rows every org has: itself, an admin (the integration user), statuses and record types. */
  private bootstrap(): void {
    const store = this.store;
    const system = { userId: '005000000000000AAA' };
    store.transaction(() => {
      const orgId = store.insert(
        'Organization',
        {
          Name: 'Local Org',
          InstanceName: 'LOCAL',
          IsSandbox: false,
          OrganizationType: 'Developer Edition',
          TimeZoneSidKey: 'Europe/Paris'
        },
        system,
        { system: true }
      );
      const adminId = store.insert(
        'User',
        {
          Username: ADMIN_USERNAME,
          Email: 'admin@example.com',
          FirstName: 'Local',
          LastName: 'Admin',
          Alias: 'ladmin',
          IsActive: true
        },
        system,
        { system: true }
      );
      const fix = (object: string, id: string) => {
        const rec = store.table(object).get(id)!;
        store.table(object).set(id, { ...rec, CreatedById: adminId, LastModifiedById: adminId });
      };
      fix('Organization', orgId);
      fix('User', adminId);
      const admin = { userId: adminId };
      const statuses = (object: string, rows: readonly { value: string; closed: boolean; isDefault?: boolean }[]) =>
        rows.forEach((r, n) =>
          store.insert(
            object,
            {
              ApiName: r.value,
              MasterLabel: r.value,
              IsClosed: r.closed,
              IsDefault: r.isDefault ?? false,
              SortOrder: n + 1
            },
            admin,
            { system: true }
          )
        );
      statuses('TaskStatus', TASK_STATUSES);
      statuses('CaseStatus', CASE_STATUSES);
      OPPORTUNITY_STAGES.forEach((s, i) =>
        store.insert(
          'OpportunityStage',
          {
            ApiName: s.value,
            MasterLabel: s.value,
            IsClosed: s.closed,
            IsWon: s.won,
            IsActive: true,
            DefaultProbability: s.probability,
            IsDefault: false,
            SortOrder: i + 1
          },
          admin,
          { system: true }
        )
      );
      store.insert(
        'RecordType',
        {
          Name: 'Business Account',
          DeveloperName: 'Business_Account',
          SobjectType: 'Account',
          IsPersonType: false,
          IsActive: true
        },
        admin,
        { system: true }
      );
      if (store.schema.personAccounts) {
        store.insert(
          'RecordType',
          {
            Name: 'Person Account',
            DeveloperName: 'PersonAccount',
            SobjectType: 'Account',
            IsPersonType: true,
            IsActive: true
          },
          admin,
          { system: true }
        );
      }
      store.setMeta('orgId', orgId);
      store.setMeta('adminUserId', adminId);
      store.setMeta('secret', randomBytes(24).toString('hex'));
    });
  }

  // ---- tokens ------------------------------------------------------------------------

  /**
   * Tokens are signed, not stored: every token this org issued stays valid, also after a
   * restart with the same data file (jsforce loops on a 401 after a refresh).
   */
  issueToken(userId: string): string {
    const nonce = randomBytes(8).toString('hex');
    const mac = createHmac('sha256', this.secret).update(`${nonce}.${userId}`).digest('hex').slice(0, 32);
    return `${this.orgId.slice(0, 15)}!AQ${nonce}.${userId}.${mac}`;
  }

  userForToken(token: string): string | null {
    const m = /^(00D\w{12})!AQ([0-9a-f]{16})\.(\w{18})\.([0-9a-f]{32})$/.exec(token);
    if (!m || m[1] !== this.orgId.slice(0, 15)) return null;
    const mac = createHmac('sha256', this.secret).update(`${m[2]}.${m[3]}`).digest('hex').slice(0, 32);
    return mac === m[4] ? m[3]! : null;
  }

  userByUsername(username: string): string | null {
    return this.store.findByUnique('User', 'Username', username)[0] ?? null;
  }

  /**
   * Every request refused under a documented platform rule (the rule's name, what was
   * refused), so a client's test suite can assert it sent none (test/helpers of the product).
   */
  readonly refusals: { rule: string; detail: string }[] = [];

  /** Records a refusal under a documented rule and returns the error to throw. */
  refuse(rule: string, error: SfError): SfError {
    this.refusals.push({ rule, detail: error.message });
    return error;
  }

  /**
   * Whether the user holds "View All Data": the admin does (a System Administrator); users
   * created with createUser do when asked or when one of their permission sets grants it.
   */
  hasViewAllData(userId: string): boolean {
    return userId === this.adminUserId || this.viewAllData.has(userId) || this.access.get(userId)?.viewAllData === true;
  }

  private readonly viewAllData = new Set<string>();
  private readonly access = new Map<string, Access>();

  /**
   * The object and field access of a user created with permission sets (permissions.ts);
   * undefined for the admin and for users created without them, who may do everything.
   */
  accessOf(userId: string): Access | undefined {
    return this.access.get(userId);
  }

  /** The actor a request of this user acts as: its id and, when it has permission sets, its access. */
  actor(userId: string): Actor {
    const access = this.access.get(userId);
    return access ? { userId, access } : { userId };
  }

  /**
   * A user of this org (an integration user, say), with a token to act as it. With
   * `permissionSets` (names of deployed ones), it may do only what they grant.
   */
  createUser(
    fields: { Username: string; Email: string; LastName: string; FirstName?: string },
    options: { viewAllData?: boolean; permissionSets?: readonly string[] } = {}
  ): { userId: string; accessToken: string } {
    const sets = (options.permissionSets ?? []).map((name) => {
      const set = this.permissionSets.get(name);
      if (!set)
        throw new Error(`No permission set ${name} is deployed (${[...this.permissionSets.keys()].join(', ')})`);
      return set;
    });
    const userId = this.store.transaction(() =>
      this.store.insert('User', { Alias: fields.LastName.slice(0, 8), IsActive: true, ...fields }, this.admin, {
        system: true
      })
    );
    if (options.viewAllData) this.viewAllData.add(userId);
    if (options.permissionSets) {
      const isCustomSetting = (object: string) => this.store.schema.object(object)?.customSetting === true;
      const sharing = {
        userId,
        orgWideDefaults: this.orgWideDefaults,
        byId: (id: unknown) => this.store.byId(id)
      };
      this.access.set(userId, new Access(sets, (rule, error) => this.refuse(rule, error), isCustomSetting, sharing));
    }
    return { userId, accessToken: this.issueToken(userId) };
  }

  countApiRequests(n: number): void {
    this.apiUsed += n;
    if (this.store.persistent && this.apiUsed % 50 === 0) this.store.setMeta('apiUsed', String(this.apiUsed));
  }
}
