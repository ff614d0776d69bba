/**
 * One Aircall company as the Public API shows it: numbers (lines), users (agents), calls and
 * webhooks. Objects have the fields of Aircall's API reference (the Call, Number, User and
 * Webhook objects; ../../shared/reference/aircall.md §3, §5, §6); a demo company is generated
 * from a seed so a run is repeatable.
 */
import { randomUUID } from 'node:crypto';
import type { InsightCard } from './cards';

export type Json = Record<string, unknown>;

export interface AircallNumber extends Json {
  id: number;
  digits: string;
  e164_digits: string;
  name: string;
  country: string;
  time_zone: string;
  open: boolean;
}

export interface AircallUser extends Json {
  id: number;
  name: string;
  email: string;
  available: boolean;
}

export interface AircallCall extends Json {
  id: number;
  direction: 'inbound' | 'outbound';
  status: 'initial' | 'answered' | 'done';
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  raw_digits: string;
}

export interface AircallWebhook extends Json {
  webhook_id: string;
  custom_name: string;
  url: string;
  active: boolean;
  events: string[];
  token: string;
  created_at: string;
}

/** A small deterministic random source (mulberry32), so a seeded company is the same every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Aircall AI's endpoints of a call (`GET /v1/calls/:id/<endpoint>`). */
export const AI_ENDPOINTS = ['transcription', 'summary', 'topics', 'sentiments', 'action_items'] as const;
export type AiEndpoint = (typeof AI_ENDPOINTS)[number];

/**
 * The webhook event that announces each kind of Aircall AI (developer.aircall.io/docs/ai-assist
 * names the five events), and what the event's `data` is. No capture of these events is public:
 * the local Aircall sends, as `data`, the object the endpoint returns inside its wrapper (the
 * summary, the topic, the sentiment, the transcription; the action items' answer as it is). That
 * is an assumption, UNVERIFIED, written down in the README.
 */
export const AI_EVENTS: Readonly<Record<AiEndpoint, { event: string; data: (body: Json) => unknown }>> = {
  transcription: { event: 'transcription.created', data: (b) => b.transcription },
  summary: { event: 'summary.created', data: (b) => b.summary },
  topics: { event: 'topics.created', data: (b) => b.topic },
  sentiments: { event: 'sentiment.created', data: (b) => b.sentiment },
  action_items: { event: 'action_item.created', data: (b) => b }
};

export class Company {
  readonly numbers: AircallNumber[] = [];
  readonly users: AircallUser[] = [];
  /** Sorted by started_at, then id. */
  readonly calls: AircallCall[] = [];
  readonly webhooks = new Map<string, AircallWebhook>();
  /** The insight cards posted on each call, in order (cards.ts). */
  readonly cards = new Map<number, InsightCard[]>();
  /** What Aircall AI made of each call, by endpoint (server.ts serves it). */
  readonly ai = new Map<number, Partial<Record<AiEndpoint, Json>>>();
  private nextCallId = 1_000_000;

  constructor(
    readonly apiId: string,
    readonly apiToken: string
  ) {}

  addNumber(n: Json & { digits: string; e164_digits: string; name: string; id?: number }): AircallNumber {
    const number = { ...n, id: n.id ?? 40_000 + this.numbers.length + 1 } as AircallNumber;
    this.numbers.push(number);
    return number;
  }

  addUser(u: Json & { name: string; email: string; id?: number }): AircallUser {
    const user = { ...u, id: u.id ?? 90_000 + this.users.length + 1 } as AircallUser;
    this.users.push(user);
    return user;
  }

  /** Adds a call (an id is given when absent) and keeps the list in started_at order. */
  addCall(call: Json & { started_at: number; id?: number }): AircallCall {
    const full = { ...call, id: call.id ?? this.nextCallId++ } as AircallCall;
    let i = this.calls.length;
    while (i > 0 && this.calls[i - 1]!.started_at > full.started_at) i -= 1;
    this.calls.splice(i, 0, full);
    return full;
  }

  call(id: number): AircallCall | undefined {
    return this.calls.find((c) => c.id === id);
  }

  /**
   * Aircall AI's answer for one of a call's AI endpoints, as `GET /v1/calls/:id/<endpoint>`
   * returns it (`{summary: {...}}`, `{topic: {...}}`, `{call_id, action_items}`…).
   */
  addAi(callId: number, endpoint: AiEndpoint, body: Json): void {
    this.ai.set(callId, { ...this.ai.get(callId), [endpoint]: body });
  }

  /**
   * The webhook envelopes that announce a call's Aircall AI, one per kind it holds, in Aircall's
   * order (the transcription first: the others are made from it), for `webhook`'s token.
   */
  aiEnvelopes(callId: number, webhook: AircallWebhook, timestamp: number): Json[] {
    const held = this.ai.get(callId) ?? {};
    return AI_ENDPOINTS.filter((endpoint) => held[endpoint] !== undefined)
      .map((endpoint) => ({ endpoint, ...AI_EVENTS[endpoint] }))
      .filter(({ event }) => webhook.events.includes('*') || webhook.events.includes(event))
      .map(({ endpoint, event, data }, n) => ({
        resource: event.split('.')[0]!,
        event,
        timestamp: timestamp + n,
        token: webhook.token,
        data: data(held[endpoint]!) as Json
      }));
  }

  /** Keeps a card posted on a call. */
  addCard(callId: number, card: InsightCard): void {
    const list = this.cards.get(callId) ?? [];
    list.push(card);
    this.cards.set(callId, list);
  }

  /**
   * A webhook, as `POST /v1/webhooks` makes it: Aircall generates its token. `token` is for a
   * demo or a test that must know it beforehand (not something Aircall's API offers).
   */
  createWebhook(input: { url: string; custom_name?: string; events?: string[]; token?: string }): AircallWebhook {
    const webhook: AircallWebhook = {
      webhook_id: randomUUID(),
      custom_name: input.custom_name ?? 'Webhook',
      url: input.url,
      active: true,
      // Documented: without `events`, the webhook gets every event.
      events: input.events ?? ['*'],
      token: input.token ?? randomUUID().replace(/-/g, ''),
      created_at: new Date().toISOString()
    };
    this.webhooks.set(webhook.webhook_id, webhook);
    return webhook;
  }

  /** What Aircall does after repeated failed deliveries (aircall.md §1): the webhook is disabled. */
  disableWebhook(id: string): void {
    const webhook = this.webhooks.get(id);
    if (webhook) webhook.active = false;
  }
}

/**
 * A demo company: two lines, three agents and `calls` calls spread over [from, to) (unix s),
 * of the five kinds (answered either way, missed, voicemail, unanswered outbound), from a set
 * of external numbers, a few of them between the company's own two lines.
 */
export function demoCompany(
  options: {
    calls?: number;
    from?: number;
    to?: number;
    seed?: number;
    apiId?: string;
    apiToken?: string;
    /** How many distinct external numbers call (default 5); more, from the UK's drama range. */
    externalNumbers?: number;
  } = {}
): Company {
  const company = new Company(options.apiId ?? 'local-api-id', options.apiToken ?? 'local-api-token');
  const rnd = random(options.seed ?? 7);
  const paris = company.addNumber({
    digits: '+33 1 76 00 00 00',
    e164_digits: '+33176000000',
    name: 'Paris support',
    country: 'FR',
    time_zone: 'Europe/Paris',
    open: true
  });
  const ny = company.addNumber({
    digits: '+1 646-555-0100',
    e164_digits: '+16465550100',
    name: 'New York sales',
    country: 'US',
    time_zone: 'America/New_York',
    open: true
  });
  const agents = [
    company.addUser({ name: 'Jane Doe', email: 'jane.doe@example.com', available: true }),
    company.addUser({ name: 'Ravi Patel', email: 'ravi.patel@example.com', available: true }),
    company.addUser({ name: 'Marie Curie', email: 'marie.curie@example.com', available: false })
  ];
  const base = ['+33 6 12 34 56 78', '+1 415-555-0142', '+44 7700 900123', '+49 30 901820', '+33 6 98 76 54 32'];
  const pool = Math.max(1, Math.min(1000, options.externalNumbers ?? base.length));
  // Beyond the five, numbers Ofcom reserves for drama (+44 7700 900000 to 900999): nobody's.
  const external =
    pool <= base.length
      ? base.slice(0, pool)
      : [
          ...base,
          ...Array.from(
            { length: pool - base.length },
            (_, i) => `+44 7700 900${String(i >= 123 ? i + 1 : i).padStart(3, '0')}`
          )
        ];
  const count = options.calls ?? 200;
  const to = options.to ?? Math.floor(Date.now() / 1000);
  const from = options.from ?? to - 30 * 86_400;
  for (let i = 0; i < count; i += 1) {
    const startedAt = from + Math.floor(((to - from) * (i + rnd())) / count);
    const line = rnd() < 0.6 ? paris : ny;
    const agent = agents[Math.floor(rnd() * agents.length)]!;
    const internal = rnd() < 0.03;
    const kind = Math.floor(rnd() * 5);
    const outbound = kind >= 3;
    const answered = kind === 0 || kind === 3;
    const duration = 20 + Math.floor(rnd() * 600);
    const lineObject = { ...line, direct_link: `https://api.aircall.io/v1/numbers/${line.id}` };
    const call = company.addCall({
      direction: outbound ? 'outbound' : 'inbound',
      status: 'done',
      started_at: startedAt,
      answered_at: answered ? startedAt + 8 : null,
      ended_at: startedAt + duration,
      duration,
      raw_digits: internal ? (line === paris ? ny : paris).digits : external[Math.floor(rnd() * external.length)]!,
      missed_call_reason: !outbound && !answered && kind === 1 ? 'no_available_agent' : null,
      voicemail: !outbound && kind === 2 ? `https://assets.aircall.io/voicemail/${i}` : null,
      recording: answered ? `https://assets.aircall.io/recording/${i}` : null,
      user: answered || outbound ? { id: agent.id, name: agent.name, email: agent.email } : null,
      number: lineObject,
      tags: [],
      comments: [],
      contact: null,
      archived: false
    });
    // Aircall AI on every third answered call, as a company with the AI plan would have it.
    if (answered && !internal && i % 3 === 0) demoAi(company, call.id, agent.name, i);
  }
  return company;
}

const DEMO_TOPICS = [
  ['pricing', 'renewal'],
  ['delivery', 'invoice'],
  ['onboarding', 'training'],
  ['outage', 'refund']
] as const;

/**
 * A call's Aircall AI in the documented shapes of its endpoints (public code quoting Aircall's
 * API reference: CassiaResearch/aircall-mcp-server `src/types/aircall.ts`), with demo content.
 */
export function demoAi(company: Company, callId: number, agentName: string, n: number): void {
  const topics = DEMO_TOPICS[n % DEMO_TOPICS.length]!;
  const created = new Date((company.call(callId)?.ended_at ?? 0) * 1000 + 120_000).toISOString();
  company.addAi(callId, 'transcription', {
    transcription: {
      id: 40_000 + n,
      call_id: callId,
      call_created_at: created,
      type: 'call',
      content: {
        language: 'en',
        utterances: [
          { start_time: 0.4, end_time: 2.9, text: `Hello, ${agentName} speaking.`, participant_type: 'internal' },
          {
            start_time: 3.2,
            end_time: 8.1,
            text: `I am calling about ${topics[0]} and ${topics[1]}.`,
            participant_type: 'external'
          }
        ]
      }
    }
  });
  company.addAi(callId, 'summary', {
    summary: {
      id: 41_000 + n,
      call_id: callId,
      created_at: created,
      content: `The caller asked about ${topics[0]} and ${topics[1]}; ${agentName} agreed to follow up.`
    }
  });
  company.addAi(callId, 'topics', {
    topic: { id: 42_000 + n, call_id: callId, created_at: created, content: [...topics] }
  });
  company.addAi(callId, 'sentiments', {
    sentiment: {
      id: 43_000 + n,
      call_id: callId,
      participants: [
        { phone_number: null, user_id: null, value: n % 2 ? 'NEUTRAL' : 'POSITIVE', type: 'external' },
        { phone_number: null, user_id: null, value: 'POSITIVE', type: 'internal' }
      ]
    }
  });
  company.addAi(callId, 'action_items', {
    call_id: callId,
    action_items: [
      {
        id: 44_000 + n,
        ai_generated: true,
        content: `Send the ${topics[0]} details`,
        created_at: created,
        created_by: null,
        updated_at: null,
        updated_by: null
      }
    ]
  });
}
