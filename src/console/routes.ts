/**
 * The local console's HTTP side, registered on the service only when it runs on the
 * embedded local org: the built console at `/`, the SLDS assets, the two Apex controllers
 * answered locally, the records to pick from, the calls and messages the service processed,
 * and "send a sample call" through the real webhook endpoint.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Connection } from 'jsforce';
import { z } from 'zod';
import type { Inbox, InboxItem } from '../inbox/inbox';
import { ControllerError, LocalControllers } from '../org-api/local';
import type { ServiceCalls } from '../org-api/local';
import { BUILD_ESTIMATE, SLDS_ASSETS } from './build';
import { ringingEnvelope, sampleEnvelope, sampleRequestSchema } from './sample';

export interface ConsoleDeps {
  readonly conn: Connection;
  readonly orgId: string;
  readonly inbox: Inbox;
  readonly webhookToken: string;
  /** The service's own base URL (known once it listens). */
  readonly baseUrl: () => string;
  readonly distDir: string;
  /** Whether the console is being built, or why it could not be. */
  readonly status?: () => { building: boolean; error: string | null };
  /** How long a sample call may take to be logged before the answer says it still waits. */
  readonly sampleWaitMs?: number;
  /** The demo's local Aircall: a sample call rings there first, so its insight card can be shown. */
  readonly aircall?: SampleAircall;
  /** The embedded service's answers to the settings panel (preview, API share, health). */
  readonly service?: ServiceCalls;
}

/** What the console needs of the demo's Aircall (cli/embedded.ts): to know a call, and its cards. */
export interface SampleAircall {
  know(call: Record<string, unknown>): void;
  cards(id: number): readonly (readonly Record<string, unknown>[])[];
  /** Makes Aircall AI for an answered call and sends its five events to the webhook, as Aircall would. */
  ai(call: Record<string, unknown>): Promise<number>;
}

/** How long after a sample call is logged its Aircall AI comes (minutes with Aircall; seconds in the demo). */
export const SAMPLE_AI_DELAY_MS = 3000;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.png': 'image/png'
};

type Row = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' ? v : '');
const nested = (row: Row, rel: string, field: string) => text((row[rel] as Row | null | undefined)?.[field]);

/** Per object: the fields read (list and page alike), how a row is shown, the page's main fields. */
interface ConsoleObject {
  readonly label: string;
  readonly select: readonly string[];
  readonly fields: readonly (readonly [string, string])[];
  readonly row: (r: Row) => { name: string; phone: string; detail: string };
}
const OBJECTS: Record<string, ConsoleObject> = {
  Contact: {
    label: 'Contact',
    select: ['Name', 'Phone', 'MobilePhone', 'Email', 'Account.Name'],
    fields: [
      ['Phone', 'Phone'],
      ['MobilePhone', 'Mobile'],
      ['Email', 'Email'],
      ['Account.Name', 'Account']
    ],
    row: (r) => ({
      name: text(r.Name),
      phone: text(r.Phone) || text(r.MobilePhone),
      detail: nested(r, 'Account', 'Name') || text(r.Email)
    })
  },
  Lead: {
    label: 'Lead',
    select: ['Name', 'Phone', 'MobilePhone', 'Email', 'Company'],
    fields: [
      ['Phone', 'Phone'],
      ['MobilePhone', 'Mobile'],
      ['Email', 'Email'],
      ['Company', 'Company']
    ],
    row: (r) => ({ name: text(r.Name), phone: text(r.Phone) || text(r.MobilePhone), detail: text(r.Company) })
  },
  Account: {
    label: 'Account',
    select: ['Name', 'Phone', 'Industry'],
    fields: [
      ['Phone', 'Phone'],
      ['Industry', 'Industry']
    ],
    row: (r) => ({ name: text(r.Name), phone: text(r.Phone), detail: text(r.Industry) })
  },
  Case: {
    label: 'Case',
    select: ['CaseNumber', 'Subject', 'Status', 'SuppliedPhone', 'Contact.Name', 'Contact.Phone'],
    fields: [
      ['CaseNumber', 'Case number'],
      ['Status', 'Status'],
      ['Contact.Name', 'Contact'],
      ['Contact.Phone', 'Phone']
    ],
    row: (r) => ({
      name: `${text(r.CaseNumber)} ${text(r.Subject)}`.trim(),
      phone: text(r.SuppliedPhone) || nested(r, 'Contact', 'Phone'),
      detail: `${text(r.Status)}${nested(r, 'Contact', 'Name') ? ` · ${nested(r, 'Contact', 'Name')}` : ''}`
    })
  },
  // L1: the Aircall Call record, with what Aircall AI said of the call.
  Aircall_Call__c: {
    label: 'Aircall Call',
    select: [
      'Name',
      'External_Number__c',
      'Outcome__c',
      'Started_At__c',
      'Agents__c',
      'Contact__r.Name',
      'Lead__r.Name',
      'Account__r.Name',
      'Tags__c',
      'Summary__c',
      'Topics__c',
      'Sentiment__c',
      'Action_Items__c',
      'Transcript__c'
    ],
    fields: [
      ['Outcome__c', 'Outcome'],
      ['Started_At__c', 'Started'],
      ['Agents__c', 'Agents'],
      ['Contact__r.Name', 'Contact'],
      ['Lead__r.Name', 'Lead'],
      ['Account__r.Name', 'Account'],
      ['Tags__c', 'Tags'],
      ['Summary__c', 'AI summary'],
      ['Topics__c', 'AI topics'],
      ['Sentiment__c', 'AI sentiment'],
      ['Action_Items__c', 'AI action items'],
      ['Transcript__c', 'AI transcript']
    ],
    row: (r) => ({
      name: text(r.Name),
      phone: text(r.External_Number__c),
      detail: text(r.Summary__c) || text(r.Outcome__c)
    })
  }
};

const selectOf = (sobject: string, object: ConsoleObject) => `SELECT Id, ${object.select.join(', ')} FROM ${sobject}`;

const recordIdSchema = z.string().regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'not a Salesforce Id');

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string' || body.trim() === '') return {};
  return JSON.parse(body) as unknown;
}

function sendFile(reply: FastifyReply, path: string) {
  return reply
    .type(TYPES[extname(path)] ?? 'application/octet-stream')
    .header('Cache-Control', 'no-cache')
    .send(readFileSync(path));
}

function fieldValue(row: Row, path: string): string {
  const [first, second] = path.split('.') as [string, string | undefined];
  return second ? nested(row, first, second) : text(row[first]);
}

export function registerConsole(app: FastifyInstance, deps: ConsoleDeps): void {
  const controllers = new LocalControllers(deps.conn, deps.orgId, deps.service ?? null);

  app.get('/', (_req, reply) => {
    const index = join(deps.distDir, 'index.html');
    const status = deps.status?.() ?? { building: false, error: null };
    if (status.building) {
      // A page that reloads itself until the console is there (the browser shows it at once).
      return reply
        .code(503)
        .header('Retry-After', '5')
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">' +
            `<title>Aircall local console</title></head><body><p>The local console is being built (${BUILD_ESTIMATE} the first time). ` +
            'This page reloads by itself.</p></body></html>'
        );
    }
    if (!existsSync(index)) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          `The local console is not built${status.error ? ` (${status.error})` : ''}: run \`npm run build:console\` in a checkout, then reload.`
        );
    }
    return sendFile(reply, index);
  });
  app.get('/console/app.js', (_req, reply) => sendFile(reply, join(deps.distDir, 'app.js')));
  app.get('/console/slds/*', (req, reply) => {
    const rest = (req.params as { '*': string })['*'];
    const path = normalize(join(SLDS_ASSETS, rest));
    // Only files under the SLDS assets folder, never ../ out of it.
    if (!path.startsWith(SLDS_ASSETS + sep) || !existsSync(path)) return reply.code(404).send({ message: 'Not found' });
    return sendFile(reply, path);
  });

  app.post('/console/api/apex/:name', async (req, reply) => {
    const { name } = req.params as { name: string };
    try {
      return await controllers.invoke(name, parseBody(req.body));
    } catch (error) {
      if (error instanceof ControllerError) return reply.code(400).send({ code: error.code, message: error.message });
      if (error instanceof SyntaxError)
        return reply.code(400).send({ message: `The body is not JSON: ${error.message}` });
      req.log.error({ err: error, method: name }, 'console Apex method failed');
      return reply.code(500).send({ message: `The local org could not answer ${name}: ${(error as Error).message}` });
    }
  });

  app.get('/console/api/records', async (req, reply) => {
    const type = (req.query as { type?: string }).type ?? 'Contact';
    const object = OBJECTS[type];
    if (!object)
      return reply.code(400).send({ message: `Unknown type ${type}; use ${Object.keys(OBJECTS).join(', ')}.` });
    const result = await deps.conn.query<Row>(`${selectOf(type, object)} ORDER BY LastModifiedDate DESC LIMIT 50`);
    return { records: result.records.map((r) => ({ id: text(r.Id), ...object.row(r) })) };
  });

  app.get('/console/api/records/:id', async (req, reply) => {
    const id = recordIdSchema.safeParse((req.params as { id: string }).id);
    if (!id.success) return reply.code(400).send({ message: 'Give an 15- or 18-character record Id.' });
    const sobject = (await controllers.objectOf(id.data))?.name;
    const object = sobject ? OBJECTS[sobject] : undefined;
    if (!sobject || !object)
      return reply
        .code(404)
        .send({ message: `No Contact, Lead, Account, Case or Aircall Call has the Id ${id.data}.` });
    const result = await deps.conn.query<Row>(`${selectOf(sobject, object)} WHERE Id = '${id.data}'`);
    const row = result.records[0];
    if (!row) return reply.code(404).send({ message: `The ${sobject} ${id.data} does not exist (any more).` });
    const shown = object.row(row);
    return {
      id: text(row.Id),
      sobject,
      sobjectLabel: object.label,
      name: shown.name,
      phone: shown.phone,
      fields: object.fields.map(([path, label]) => ({ label, value: fieldValue(row, path) }))
    };
  });

  app.get('/console/api/calls', async () => ({ calls: (await deps.inbox.recent(RECENT_LIMIT)).map(recentView) }));

  app.post('/console/api/sample-call', async (req, reply) => {
    let request;
    try {
      request = sampleRequestSchema.parse(parseBody(req.body));
    } catch (error) {
      const message =
        error instanceof z.ZodError
          ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
          : (error as Error).message;
      return reply.code(400).send({ message: `Invalid sample request: ${message}` });
    }
    const { key, envelope } = sampleEnvelope(deps.webhookToken, request);
    const post = (body: unknown) =>
      fetch(`${deps.baseUrl()}/webhooks/aircall`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body)
      });
    const data = envelope.data as Record<string, unknown>;
    const callId = envelope.resource === 'call' ? Number(data.id) : null;
    // A call rings first, as with Aircall: call.created, whose insight card the agent would see.
    let card: readonly Record<string, unknown>[] | null = null;
    if (callId !== null && deps.aircall) {
      deps.aircall.know(data);
      await (await post(ringingEnvelope(envelope))).arrayBuffer();
      // It rings until its card is up (or a few seconds: cards may be off), then it ends.
      for (let i = 0; !card && i < 30; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        card = deps.aircall.cards(callId)[0] ?? null;
      }
    }
    const response = await post(envelope);
    const answer = (await response.json()) as { status?: string; error?: string };
    if (response.status !== 200 || answer.status !== 'accepted') {
      return reply
        .code(502)
        .send({ message: `The webhook endpoint answered ${response.status}: ${answer.error ?? answer.status}` });
    }
    const deadline = Date.now() + (deps.sampleWaitMs ?? 15_000);
    let item = await deps.inbox.item(key);
    while (item?.state === 'pending' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      item = await deps.inbox.item(key);
    }
    const state = item?.state ?? 'pending';
    const placement = item?.placement ?? null;
    // An answered call gets Aircall AI a little later, through the webhook, as with Aircall.
    const aircall = deps.aircall;
    const aiComing = state === 'logged' && callId !== null && data.answered_at !== null && aircall !== undefined;
    if (aiComing) {
      setTimeout(() => {
        aircall
          .ai(data)
          .catch((error: unknown) => req.log.warn({ err: error }, 'the sample call’s Aircall AI was not sent'));
      }, SAMPLE_AI_DELAY_MS).unref();
    }
    const on = placement
      ? ` on the ${placement.kind === 'PersonAccount' ? 'person account' : placement.kind} ${placement.id}`
      : '';
    const summaries: Record<string, string> = {
      logged: `Logged as Task ${item?.taskId ?? '(unknown)'}${on} (Aircall_Id__c ${key}).${aiComing ? ' Aircall AI’s summary follows in a few seconds: refresh the calls to see it.' : ''}`,
      skipped: `Not logged (${item?.lastError ?? 'the rules skipped it'}). See why in the Recent calls tab, or with \`bin/aircall-sf explain ${key}\`.`,
      dead: `Failed: ${item?.lastError ?? 'unknown error'}. See \`aircall-sf dead-letters\`.`,
      pending: `Accepted; still waiting to be logged (${item?.lastError ?? 'the worker has not finished'}).`
    };
    return {
      key,
      state,
      card,
      taskId: item?.taskId ?? null,
      // The record it was logged on (maybe one the rules just created), for the console to link.
      recordId: state === 'logged' ? (placement?.id ?? null) : null,
      summary: summaries[state]
    };
  });
}

/** How many processed calls and messages the console lists. */
const RECENT_LIMIT = 50;

const CALL_TYPES: Record<string, string> = {
  inbound_answered: 'Inbound, answered',
  outbound_answered: 'Outbound, answered',
  outbound_unanswered: 'Outbound, unanswered',
  missed: 'Missed',
  voicemail: 'Voicemail'
};

/** One row of the console's list of recent calls: what it was, what happened, and why. */
function recentView(item: InboxItem) {
  const c = item.classified;
  const what =
    c === null
      ? 'Unreadable'
      : c.kind === 'call'
        ? `${CALL_TYPES[c.type] ?? c.type} call`
        : `${c.direction === 'inbound' ? 'Inbound' : 'Outbound'} ${c.channel === 'sms' ? 'SMS' : c.channel}`;
  const reason = item.lastError ?? '';
  const lines = item.trace ? item.trace.split('\n') : [];
  // The trace's last line says why in words ("SKIP: NO_NUMBER: The caller is anonymous…").
  const because = lines.find((l) => l.startsWith(`SKIP: ${reason}: `))?.slice(`SKIP: ${reason}: `.length) ?? reason;
  const outcome = {
    logged: `Logged as Task ${item.taskId ?? ''}`.trim(),
    skipped: `Not logged: ${because}`,
    dead: `Failed: ${reason}`,
    pending: reason ? `Waiting: ${reason}` : 'Waiting to be logged'
  }[item.state];
  return {
    key: item.key,
    what,
    number: c?.otherParty.display ?? item.phone ?? '',
    state: item.state,
    outcome,
    reason: item.state === 'skipped' ? reason : null,
    taskId: item.taskId,
    recordId: item.placement?.id ?? null,
    // When the call started (or the message was sent), as Aircall says; else when it was received.
    at: new Date(c === null ? item.changedAt : c.kind === 'call' ? c.startedAt : c.sentAt).toISOString(),
    trace: lines
  };
}
