/** Salesforce's JSON value formats: dates "2024-01-15", datetimes "2024-01-15T10:30:00.000+0000". */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function sfDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Epoch ms for a stored datetime or date value. */
export function toMs(value: unknown): number {
  if (typeof value !== 'string') return NaN;
  return Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

export const digitsOf = (value: string): string => value.replace(/\D/g, '');

/** A request value as text: strings and numbers as they are, anything else the fallback. */
export function text(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fallback;
}

/**
 * A field's value as a client reads it: a blob (base64) field is the URL of its content, read
 * with a GET (sObject Blob Retrieve, resources_sobject_blob_retrieve), never inline.
 */
export function readValue(
  field: { readonly name: string; readonly type: string } | undefined,
  rec: Readonly<Record<string, unknown>>,
  object: string,
  version: string
): unknown {
  if (!field) return null;
  const value = rec[field.name] ?? null;
  return field.type === 'base64' && value !== null
    ? `/services/data/v${version}/sobjects/${object}/${String(rec.Id)}/${field.name}`
    : value;
}
