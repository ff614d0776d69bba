/**
 * The Apex controllers answered against a local org through jsforce, for the local
 * console: the same methods, inputs, outputs and messages as the Apex (all taken from
 * contract.ts). The console's user is the local org's admin, so canEdit and canSeeGuidance
 * are true, as they are for a Salesforce user with the Aircall_Admin permission set.
 */
import { AircallSfError, ERROR_CODES } from '../errors';
import type { Connection } from 'jsforce';
import { z } from 'zod';
import { SETTINGS_FIELDS, SETTINGS_OBJECT } from '../settings/schema';
import { soqlString } from './soql';
import type { AgentsView, CallPage, CallRow, Guidance, SettingsView } from './contract';
import {
  AGENTS_LIMIT,
  agentsViewSchema,
  quoteValue,
  CALL_ROW_FIELDS,
  CALLS_QUERY,
  GUIDANCE_STEPS,
  RECORD_CALLS_QUERY,
  RECORD_ONLY_MODE,
  recordDescription,
  MESSAGES,
  PAGE,
  formatMessage,
  callPageSchema,
  guidanceSchema,
  settingsViewSchema,
  settingsViewValues,
  validateSettingsInput
} from './contract';

/** What an AuraHandledException is to a component: a message for the user. */
export class ControllerError extends AircallSfError {
  constructor(message: string) {
    super(ERROR_CODES.CONTROLLER_REFUSED, message);
    this.name = 'ControllerError';
  }
}

// Apex parameters arrive as JSON; a missing Integer is null, as in Apex.
const idParam = z
  .string()
  .regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'not a Salesforce Id')
  .nullish();
const intParam = z.number().int().nullish();
const PARAMS = {
  'AircallSettingsController.getSettings': z.object({}).strict(),
  'AircallSettingsController.saveSettings': z.object({ values: z.record(z.string(), z.unknown()).nullish() }).strict(),
  'AircallAgentsController.getAgents': z.object({}).strict(),
  'AircallAgentsController.saveAgent': z
    .object({ salesforceUser: z.string().nullish(), aircallEmail: z.string().nullish() })
    .strict(),
  'AircallCallsController.getCalls': z.object({ recordId: idParam, pageSize: intParam, offset: intParam }).strict(),
  'AircallCallsController.getGuidance': z.object({ recordId: idParam }).strict(),
  'AircallServiceController.preview': z
    .object({ values: z.record(z.string(), z.unknown()).nullish(), days: intParam })
    .strict(),
  'AircallServiceController.getStatus': z.object({}).strict(),
  'AircallServiceController.startHealth': z.object({ country: z.string().nullish() }).strict(),
  'AircallServiceController.getHealth': z.object({}).strict()
} as const;

/**
 * What AircallServiceController reaches through its Named Credential: in the console, the
 * embedded service itself (server/panel-api.ts's functions, without the callout).
 */
export interface ServiceCalls {
  preview(draft: unknown, days: unknown): Promise<unknown>;
  status(): unknown;
  startHealth(country: string | null): unknown;
  health(): unknown;
}
export type MethodName = keyof typeof PARAMS;

type Row = Record<string, unknown>;

export class LocalControllers {
  private objects: Promise<Map<string, { name: string; label: string }>> | null = null;

  constructor(
    private readonly conn: Connection,
    private readonly orgId: string,
    private readonly service: ServiceCalls | null = null
  ) {}

  /** The embedded service, or what the Apex says when its callout fails. */
  private get calls(): ServiceCalls {
    if (!this.service) throw new ControllerError('The Aircall service cannot be reached from this console.');
    return this.service;
  }

  /** The object a record Id belongs to, from its key prefix (described once, then cached). */
  async objectOf(recordId: string): Promise<{ name: string; label: string } | undefined> {
    this.objects ??= this.conn.describeGlobal().then((global) => {
      const byPrefix = new Map<string, { name: string; label: string }>();
      for (const o of global.sobjects) if (o.keyPrefix) byPrefix.set(o.keyPrefix, { name: o.name, label: o.label });
      return byPrefix;
    });
    return (await this.objects).get(recordId.slice(0, 3));
  }

  /** Runs one method by its Apex name (Class.method) with the component's parameters. */
  async invoke(name: string, params: unknown): Promise<unknown> {
    if (!(name in PARAMS)) throw new ControllerError(`No @AuraEnabled method ${name}.`);
    const method = name as MethodName;
    const parsed = PARAMS[method].safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ControllerError(`Invalid parameter ${issue.path.join('.') || '(body)'} for ${name}: ${issue.message}.`);
    }
    const p = parsed.data as Record<string, unknown>;
    switch (method) {
      case 'AircallSettingsController.getSettings':
        return this.getSettings();
      case 'AircallSettingsController.saveSettings':
        return this.saveSettings(p.values as Record<string, unknown> | null | undefined);
      case 'AircallAgentsController.getAgents':
        return this.getAgents();
      case 'AircallAgentsController.saveAgent':
        return this.saveAgent(
          (p.salesforceUser as string | null | undefined) ?? null,
          (p.aircallEmail as string | null | undefined) ?? null
        );
      case 'AircallCallsController.getCalls':
        return this.getCalls(
          (p.recordId as string | null | undefined) ?? null,
          p.pageSize as number | null,
          p.offset as number | null
        );
      case 'AircallCallsController.getGuidance':
        return this.getGuidance((p.recordId as string | null | undefined) ?? null);
      case 'AircallServiceController.preview':
        return this.serviceCall(() => this.calls.preview(p.values ?? {}, p.days ?? 7));
      case 'AircallServiceController.getStatus':
        return this.serviceCall(() => this.calls.status());
      case 'AircallServiceController.startHealth':
        return this.serviceCall(() => this.calls.startHealth((p.country as string | null | undefined) ?? null));
      case 'AircallServiceController.getHealth':
        return this.serviceCall(() => this.calls.health());
    }
  }

  /** As the Apex passes the service's refusal on: a message for the user. */
  private async serviceCall(run: () => unknown): Promise<unknown> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof AircallSfError) throw new ControllerError(`${String(error.code)}: ${error.message}`);
      throw error;
    }
  }

  private async storedRow(): Promise<Row | null> {
    const fields = SETTINGS_FIELDS.map((f) => f.apiName).join(', ');
    const result = await this.conn.query<Row>(
      `SELECT Id, ${fields} FROM ${SETTINGS_OBJECT} WHERE SetupOwnerId = '${this.orgId}' LIMIT 1`
    );
    return result.records[0] ?? null;
  }

  async getSettings(): Promise<SettingsView> {
    return view(await this.storedRow());
  }

  async saveSettings(values: Record<string, unknown> | null | undefined): Promise<SettingsView> {
    const row = await this.storedRow();
    const stored: Record<string, string | boolean> = {};
    for (const field of SETTINGS_FIELDS) {
      const v = row?.[field.apiName];
      if (typeof v === 'string' || typeof v === 'boolean') stored[field.apiName] = v;
    }
    const result = validateSettingsInput(values ?? {}, stored);
    if (!result.ok) throw new ControllerError(result.messages.join(' '));
    const sobject = this.conn.sobject(SETTINGS_OBJECT);
    if (row) await sobject.update({ Id: row.Id as string, ...result.row });
    else await sobject.create({ SetupOwnerId: this.orgId, ...result.row });
    // As the Apex does: the view of the row just written, without reading it again.
    return view(result.row);
  }

  async getAgents(): Promise<AgentsView> {
    const rows = await this.conn.query<Row>(
      `SELECT Id, Name, Email, Aircall_Email__c FROM User WHERE Aircall_Email__c != null ORDER BY Name, Id LIMIT ${AGENTS_LIMIT}`
    );
    const agents = rows.records.map((r) => ({
      userId: String(r.Id),
      name: typeof r.Name === 'string' ? r.Name : null,
      email: typeof r.Email === 'string' ? r.Email : null,
      aircallEmail: String(r.Aircall_Email__c)
    }));
    return agentsViewSchema.parse({ agents, canEdit: true });
  }

  async saveAgent(salesforceUser: string | null, aircallEmail: string | null): Promise<AgentsView> {
    const key = (salesforceUser ?? '').trim();
    if (!key) throw new ControllerError(MESSAGES.agentUserRequired);
    const email = (aircallEmail ?? '').trim().toLowerCase();
    // As the Apex's EMAIL_PATTERN: a shape check of the agent's Aircall login.
    if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      throw new ControllerError(formatMessage(MESSAGES.agentEmailInvalid, quoteValue(email)));
    const userId = await this.findUser(key);
    if (email) {
      // As the Apex's refuseTakenEmail: one Aircall email, one Salesforce user (R12).
      const taken = (
        await this.conn.query<Row>(
          `SELECT Id, Name FROM User WHERE Aircall_Email__c = ${soqlString(email)} AND Id != ${soqlString(userId)} LIMIT 1`
        )
      ).records[0];
      if (taken)
        throw new ControllerError(
          formatMessage(MESSAGES.agentEmailTaken, quoteValue(email), quoteValue(String(taken.Name)))
        );
    }
    await this.conn.sobject('User').update({ Id: userId, Aircall_Email__c: email || null });
    return this.getAgents();
  }

  /** As the Apex's findUser: the user with this Id, else the active user with this username, else the only active one with this email. */
  private async findUser(key: string): Promise<string> {
    // The panel's Remove sends the user's Id.
    if (/^005[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/.test(key)) {
      const byId = await this.conn.query<Row>(`SELECT Id FROM User WHERE Id = ${soqlString(key)} LIMIT 1`);
      if (byId.records[0]) return String(byId.records[0].Id);
    }
    const users = (
      await this.conn.query<Row>(
        `SELECT Id, Username, Email FROM User WHERE IsActive = true AND (Username = ${soqlString(key)} OR Email = ${soqlString(key)}) ORDER BY Id LIMIT 50`
      )
    ).records;
    const byUsername = users.find((u) => String(u.Username).toLowerCase() === key.toLowerCase());
    if (byUsername) return String(byUsername.Id);
    if (users.length === 0) throw new ControllerError(formatMessage(MESSAGES.agentUserNotFound, quoteValue(key)));
    if (users.length > 1) throw new ControllerError(formatMessage(MESSAGES.agentUserAmbiguous, quoteValue(key)));
    return String(users[0]!.Id);
  }

  async getCalls(recordId: string | null, pageSize: number | null, offset: number | null): Promise<CallPage> {
    if (!recordId) throw new ControllerError(MESSAGES.recordRequired);
    const size = pageSize ?? PAGE.defaultSize;
    const start = offset ?? 0;
    if (size < 1 || size > PAGE.maxSize)
      throw new ControllerError(formatMessage(MESSAGES.pageSize, String(PAGE.maxSize)));
    if (start < 0 || start > PAGE.maxOffset)
      throw new ControllerError(formatMessage(MESSAGES.offset, String(PAGE.maxOffset)));
    // As the Apex: with only call records logged (L1) there are no Tasks to list.
    const recordOnly = (await this.storedRow())?.Log_Mode__c === RECORD_ONLY_MODE;
    const query = recordOnly ? RECORD_CALLS_QUERY : CALLS_QUERY;
    // The Id was checked by the parameter schema, so binding it by text cannot inject.
    const soql = `${query.replace(/:recordId/g, `'${recordId}'`)} LIMIT ${size + 1} OFFSET ${start}`;
    const rows = (await this.conn.query<Row>(soql)).records;
    const calls = rows.slice(0, size).map(recordOnly ? toRecordRow : toCallRow);
    return callPageSchema.parse({ calls, hasMore: rows.length > size, nextOffset: start + calls.length });
  }

  async getGuidance(recordId: string | null): Promise<Guidance> {
    const objectLabel = recordId ? ((await this.objectOf(recordId))?.label ?? '') : '';
    return guidanceSchema.parse({ canSeeGuidance: true, objectLabel, steps: [...GUIDANCE_STEPS] });
  }
}

function view(row: Readonly<Record<string, unknown>> | null): SettingsView {
  const { values, problems } = settingsViewValues(row);
  return settingsViewSchema.parse({ values, canEdit: true, problems });
}

/** A Task as the Apex CallRow carries it: Apex serialises Datetimes in UTC with a Z. */
function toCallRow(task: Row): CallRow {
  const row: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(CALL_ROW_FIELDS)) row[key] = task[field] ?? null;
  if (typeof row.createdDate === 'string') row.createdDate = new Date(row.createdDate).toISOString();
  const owner = task.Owner as { Name?: unknown } | null | undefined;
  row.ownerName = typeof owner?.Name === 'string' ? owner.Name : null;
  return row as CallRow;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const whole = (v: unknown): number | null => (typeof v === 'number' ? Math.trunc(v) : null);
const utc = (v: unknown): Date | null => (typeof v === 'string' ? new Date(v) : null);

/** An Aircall Call record as the Apex CallRow carries it (AircallCallsController.toRecordRow). */
function toRecordRow(record: Row): CallRow {
  const type = text(record.Type__c);
  const direction = text(record.Direction__c);
  const started = utc(record.Started_At__c);
  return {
    id: String(record.Id),
    aircallId: String(record.Aircall_Id__c),
    type,
    direction: direction ? `${direction.charAt(0).toUpperCase()}${direction.slice(1)}` : null,
    subject: text(record.Name),
    status: null,
    activityDate: started ? started.toISOString().slice(0, 10) : null,
    createdDate: utc(record.CreatedDate)?.toISOString() ?? null,
    durationSeconds: whole(record.Talk_Seconds__c),
    waitSeconds: whole(record.Wait_Seconds__c),
    ownerName: text(record.Agents__c),
    tags: text(record.Tags__c),
    description: recordDescription({
      name: text(record.Name),
      isMessage: type?.startsWith('message_') ?? false,
      body: text(record.Message_Body__c),
      comments: text(record.Comments__c),
      summary: text(record.Summary__c),
      topics: text(record.Topics__c),
      sentiment: text(record.Sentiment__c),
      actionItems: text(record.Action_Items__c)
    }),
    recordingUrl: text(record.Recording_Url__c),
    trace: text(record.Trace__c)
  };
}
