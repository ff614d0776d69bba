/**
 * Aircall payloads, validated at the boundary (reference: shared/reference/aircall.md).
 *
 * Tolerant where Aircall is loose: unknown fields are kept, enums the product does not
 * branch on are open strings, and timestamps come as unix seconds, milliseconds or ISO
 * strings. Strict where the product relies on a value: ids, direction, the call's times
 * and the other party's number.
 */
import { z } from 'zod';
import { AircallSfError, ERROR_CODES } from '../errors';

/** Unix seconds below this are seconds; above are milliseconds (1e11 s is the year 5138). */
const MS_THRESHOLD = 1e11;

/** A point in time as epoch milliseconds, from unix seconds, unix ms or an ISO string. */
export const timestamp = z.union([z.number(), z.string()]).transform((input, ctx) => {
  const num = typeof input === 'number' ? input : /^\d+(\.\d+)?$/.test(input.trim()) ? Number(input) : NaN;
  if (Number.isFinite(num)) {
    if (num < 0) {
      ctx.addIssue({ code: 'custom', message: `timestamp ${input} is negative` });
      return z.NEVER;
    }
    return Math.round(num < MS_THRESHOLD ? num * 1000 : num);
  }
  const parsed = typeof input === 'string' ? Date.parse(input) : NaN;
  if (Number.isNaN(parsed)) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(input)} is not unix seconds, milliseconds or an ISO date`
    });
    return z.NEVER;
  }
  return parsed;
});

/** Aircall ids are integers in calls and strings in messages; the product keeps them as strings. */
const id = z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]).transform((v) => String(v));
const optionalString = z.string().nullish();

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
  open: z.boolean().nullish(),
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
  phone_numbers: z.array(labelled).nullish(),
  emails: z.array(labelled).nullish()
});
export type AircallContact = z.infer<typeof aircallContact>;

const tag = z.looseObject({ id: id.optional(), name: z.string() });
const comment = z.looseObject({
  id: id.optional(),
  content: z.string(),
  posted_at: timestamp.nullish(),
  posted_by: aircallUser.nullish()
});

export const aircallCall = z.looseObject({
  id: id,
  direct_link: optionalString,
  direction: z.enum(['inbound', 'outbound']),
  status: optionalString,
  missed_call_reason: optionalString,
  started_at: timestamp,
  answered_at: timestamp.nullish(),
  ended_at: timestamp.nullish(),
  duration: z.number().int().nonnegative().nullish(),
  raw_digits: z.string().min(1),
  user: aircallUser.nullish(),
  contact: aircallContact.nullish(),
  number: aircallNumber.nullish(),
  recording: optionalString,
  voicemail: optionalString,
  asset: optionalString,
  comments: z.array(comment).nullish(),
  tags: z.array(tag).nullish(),
  transferred_to: aircallUser.nullish(),
  transferred_by: aircallUser.nullish()
});
export type AircallCall = z.infer<typeof aircallCall>;

export const aircallMessage = z.looseObject({
  id: id,
  direct_link: optionalString,
  direction: z.enum(['inbound', 'outbound']),
  body: optionalString,
  status: optionalString,
  channel: optionalString,
  external_number: optionalString,
  raw_digits: optionalString,
  created_at: timestamp,
  sent_at: timestamp.nullish(),
  updated_at: timestamp.nullish(),
  number: aircallNumber.nullish(),
  user: aircallUser.nullish(),
  contact: aircallContact.nullish(),
  media_details: z.array(z.looseObject({ file_name: optionalString, file_type: optionalString })).nullish(),
  media_url: z.array(z.string()).nullish()
});
export type AircallMessage = z.infer<typeof aircallMessage>;

export const webhookEnvelope = z.looseObject({
  resource: z.string().min(1),
  event: z.string().regex(/^[a-z_]+\.[a-z_.0-9]+$/, 'expected "<resource>.<event>", e.g. "call.ended"'),
  timestamp: timestamp,
  token: z.string(),
  data: z.record(z.string(), z.unknown())
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
