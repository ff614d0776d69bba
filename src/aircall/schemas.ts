/**
 * Aircall payloads, validated at the boundary (reference: shared/reference/aircall.md).
 *
 * Tolerant where Aircall is loose: unknown fields are kept, enums the product does not
 * branch on are open strings, timestamps come as unix seconds, milliseconds or ISO strings,
 * and a nested object the product cannot read (Aircall's documented `"user": {}`) is taken
 * as absent. Strict only where the product cannot do without a value: a call's id,
 * direction and start. What fails here is still stored (aircall/read.ts): the boundary
 * never refuses an authenticated event.
 */
import { z } from 'zod';
import { AircallSfError, ERROR_CODES } from '../errors';

/** Unix seconds below this are seconds; above are milliseconds (1e11 s is the year 5138). */
const MS_THRESHOLD = 1e11;

/** Times outside these years are not a call's: a value there is a bad payload, never a date to print. */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

/** A point in time as epoch milliseconds, from unix seconds, unix ms or an ISO string. */
export const timestamp = z.union([z.number(), z.string()]).transform((input, ctx) => {
  const num = typeof input === 'number' ? input : /^\d+(\.\d+)?$/.test(input.trim()) ? Number(input) : NaN;
  let ms: number;
  if (Number.isFinite(num)) {
    if (num < 0) {
      ctx.addIssue({ code: 'custom', message: `timestamp ${input} is negative` });
      return z.NEVER;
    }
    ms = Math.round(num < MS_THRESHOLD ? num * 1000 : num);
  } else {
    ms = typeof input === 'string' ? Date.parse(input) : NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(input).slice(0, 40)} is not unix seconds, milliseconds or an ISO date`
      });
      return z.NEVER;
    }
  }
  if (ms < EARLIEST || ms >= LATEST) {
    ctx.addIssue({ code: 'custom', message: `timestamp ${String(input).slice(0, 40)} is not between 2000 and 2100` });
    return z.NEVER;
  }
  return ms;
});

/** Read when it can be, absent (null) when it cannot: for what the product can do without. */
const lenient = <T extends z.ZodType>(schema: T) => schema.nullish().catch(null);
/** A list whose unreadable entries are dropped (see `entries`). */
const lenientList = <T extends z.ZodType>(schema: T) => z.array(schema.nullable().catch(null)).nullish().catch(null);

/** The readable entries of a lenient list. */
export function entries<T>(list: readonly (T | null)[] | null | undefined): T[] {
  return (list ?? []).filter((e): e is T => e !== null);
}

/** Aircall ids are integers in calls and strings in messages; the product keeps them as strings. */
/**
 * Aircall ids are integers in calls and strings in messages (`abcdSM…`); the product keeps
 * them as strings. Anything else (a lone surrogate, a path) could not key an item safely.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const id = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(ID_PATTERN)])
  .transform((v) => String(v));
const optionalString = z.string().nullish().catch(null);

export const aircallUser = z.looseObject({
  id: id,
  name: optionalString,
  email: optionalString
});
export type AircallUser = z.infer<typeof aircallUser>;

export const aircallNumber = z.looseObject({
  id: id.optional(),
  name: optionalString,
  digits: optionalString,
  e164_digits: optionalString,
  country: optionalString,
  time_zone: optionalString,
  open: z.boolean().nullish().catch(null),
  availability_status: optionalString
});
export type AircallNumber = z.infer<typeof aircallNumber>;

const labelled = z.looseObject({ value: z.string(), label: optionalString });

export const aircallContact = z.looseObject({
  id: id.optional(),
  first_name: optionalString,
  last_name: optionalString,
  company_name: optionalString,
  information: optionalString,
  phone_numbers: lenientList(labelled),
  emails: lenientList(labelled)
});
export type AircallContact = z.infer<typeof aircallContact>;

const tag = z.looseObject({ id: id.optional(), name: z.string() });
const comment = z.looseObject({
  id: id.optional(),
  content: z.string(),
  posted_at: lenient(timestamp),
  posted_by: lenient(aircallUser)
});

const team = z.looseObject({ id: id.optional(), name: optionalString });

export const aircallCall = z.looseObject({
  id: id,
  direct_link: optionalString,
  direction: z.enum(['inbound', 'outbound']),
  status: optionalString,
  missed_call_reason: optionalString,
  started_at: timestamp,
  answered_at: lenient(timestamp),
  ended_at: timestamp.nullish(),
  duration: lenient(z.number().int().nonnegative()),
  /** The other party; absent or unreadable means no number to match (NO_NUMBER). */
  raw_digits: optionalString,
  user: lenient(aircallUser),
  contact: lenient(aircallContact),
  number: lenient(aircallNumber),
  teams: lenientList(team),
  recording: optionalString,
  recording_short_url: optionalString,
  voicemail: optionalString,
  voicemail_short_url: optionalString,
  asset: optionalString,
  comments: lenientList(comment),
  tags: lenientList(tag),
  transferred_to: lenient(aircallUser),
  transferred_by: lenient(aircallUser),
  /** Smartflows numbers, with fetch_call_timeline=true (reference/aircall.md §2): the options chosen. */
  ivr_options_selected: lenientList(
    z.looseObject({ title: optionalString, key: optionalString, branch: optionalString })
  )
});
export type AircallCall = z.infer<typeof aircallCall>;

export const aircallMessage = z.looseObject({
  id: id,
  direct_link: optionalString,
  /** Absent in a documented example: then the event tells (message.received is inbound). */
  direction: lenient(z.enum(['inbound', 'outbound'])),
  body: optionalString,
  status: optionalString,
  channel: optionalString,
  external_number: optionalString,
  raw_digits: optionalString,
  /** Null in a documented example: then sent_at, updated_at or the envelope's timestamp. */
  created_at: lenient(timestamp),
  sent_at: lenient(timestamp),
  updated_at: lenient(timestamp),
  number: lenient(aircallNumber),
  user: lenient(aircallUser),
  contact: lenient(aircallContact),
  media_details: lenientList(
    z.looseObject({ file_name: optionalString, file_type: optionalString, presigned_url: optionalString })
  ),
  media_url: lenientList(z.string())
});
export type AircallMessage = z.infer<typeof aircallMessage>;

const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
/**
 * A JSON object, kept as it came: `z.record` would copy every key of the payload (a tenth of
 * reading a webhook) only for the copy to be stored; the call or message schema reads it next.
 */
const jsonObject = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  error: (issue) => `Invalid input: expected an object, received ${kindOf(issue.input)}`
});

/**
 * The envelope: what every Aircall webhook has. Only its shape is required (an object with
 * `resource`, `event` and `data`); a body without it is not an Aircall event. The timestamp
 * is read when it can be; the token was checked before.
 */
export const webhookEnvelope = z.looseObject({
  resource: z.string(),
  event: z.string().min(1),
  timestamp: lenient(timestamp),
  data: jsonObject
});
export type WebhookEnvelope = z.infer<typeof webhookEnvelope>;

/** The call events the product acts on: the final call and what updates it later. */
export const CALL_EVENTS = [
  'call.ended',
  'call.voicemail_left',
  'call.comm_assets_generated',
  'call.tagged',
  'call.untagged',
  'call.commented'
] as const;
export const MESSAGE_EVENTS = ['message.sent', 'message.received'] as const;
export type UsedEvent = (typeof CALL_EVENTS)[number] | (typeof MESSAGE_EVENTS)[number];

export function isUsedEvent(event: string): event is UsedEvent {
  return (CALL_EVENTS as readonly string[]).includes(event) || (MESSAGE_EVENTS as readonly string[]).includes(event);
}

function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}

function parseWith<T extends z.ZodType>(schema: T, input: unknown, prefix: string, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const message = describeIssues(result.error, prefix);
  throw new AircallSfError(ERROR_CODES.PAYLOAD_INVALID, `Invalid ${what}: ${message}`, {
    issues: result.error.issues.map((i) => ({
      path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
      message: i.message
    }))
  });
}

export const parseEnvelope = (input: unknown): WebhookEnvelope =>
  parseWith(webhookEnvelope, input, '', 'Aircall webhook envelope');
export const parseCall = (data: unknown): AircallCall => parseWith(aircallCall, data, 'data', 'Aircall call');
export const parseMessage = (data: unknown): AircallMessage =>
  parseWith(aircallMessage, data, 'data', 'Aircall message');
