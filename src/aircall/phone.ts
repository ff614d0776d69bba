/**
 * Phone numbers are messy (design principle 5): Aircall sends display formats, orgs store
 * anything. Normalise to E.164 with libphonenumber, search broadly, then confirm each
 * candidate by comparing normalised numbers. A match always needs a full national number:
 * no suffix or partial-digit matching.
 */
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export const ANONYMOUS = 'anonymous';

function asCountry(code: string | null | undefined): CountryCode | undefined {
  const upper = code?.trim().toUpperCase();
  return upper && isSupportedCountry(upper) ? upper : undefined;
}

function parse(raw: string, defaultCountry: CountryCode | undefined): PhoneNumber | undefined {
  const parsed = parsePhoneNumberFromString(raw, defaultCountry ? { defaultCountry } : undefined);
  // isPossible() checks the length against the country's plan: fewer digits than a full
  // national number never pass, so "555-1212" cannot match "+1 415 555 1212".
  return parsed?.isPossible() ? parsed : undefined;
}

/** Variants of a stored value worth parsing: "0033 1 23…" is international even where 00 is not the IDD. */
function variants(raw: string): string[] {
  const trimmed = raw.trim();
  const out = [trimmed];
  const compact = trimmed.replace(/[\s().-]/g, '');
  if (/^00[1-9]/.test(compact)) out.push(`+${compact.slice(2)}`);
  return out;
}

/**
 * Parsing is the costliest step of matching (a batch compares every candidate's stored
 * values with its number): results are memoised, per input, up to MEMO_SIZE entries.
 */
const MEMO_SIZE = 50_000;
const e164Memo = new Map<string, string | null>();
const countryMemo = new Map<string, string | null>();
const displayMemo = new Map<string, string>();
/**
 * The last numbers toE164 parsed, by E.164: a webhook's caller is parsed for its E.164 and
 * then displayed, and formatting the parsed number spares a second parse (a tenth of the
 * time a webhook takes to read, for a number not seen before).
 */
const PARSED_SIZE = 1000;
const parsedMemo = new Map<string, PhoneNumber>();

/** Keeps `value` in a memo of at most `size` entries (emptied when full: the cheapest bound). */
function keep<T>(map: Map<string, T>, key: string, value: T, size = MEMO_SIZE): T {
  if (map.size >= size) map.clear();
  map.set(key, value);
  return value;
}

function memo<T>(map: Map<string, T>, key: string, compute: () => T): T {
  const known = map.get(key);
  if (known !== undefined || map.has(key)) return known as T;
  return keep(map, key, compute());
}

/**
 * E.164 for a number as Aircall or an org stores it, with `defaultCountry` (ISO-2) for
 * national formats; null for "anonymous", empty, or anything that is not a full number.
 */
export function toE164(raw: string | null | undefined, defaultCountry?: string | null): string | null {
  if (typeof raw !== 'string' || !raw || raw.trim().toLowerCase() === ANONYMOUS) return null;
  return memo(e164Memo, `${defaultCountry ?? ''}|${raw}`, () => {
    const country = asCountry(defaultCountry);
    for (const candidate of variants(raw)) {
      const parsed = parse(candidate, country);
      if (parsed) return keep(parsedMemo, parsed.number, parsed, PARSED_SIZE).number;
    }
    return null;
  });
}

/** The country an E.164 number belongs to (ISO-2), when libphonenumber can tell. */
export function countryOf(e164: string): string | null {
  return memo(countryMemo, e164, () => parsePhoneNumberFromString(e164)?.country ?? null);
}

/**
 * The digit strings to search an org's phone fields with for one E.164 number: the national
 * significant number ("4155551212"), the full international digits ("14155551212") and the
 * national dialling form with its trunk prefix ("0123456789" for a French number). Every
 * candidate found must still be confirmed with samePhoneNumber.
 */
export function phoneSearchForms(e164: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return [];
  const nsn = parsed.nationalNumber;
  const forms = [nsn, `${parsed.countryCallingCode}${nsn}`];
  const nationalDigits = parsed.formatNational().replace(/\D/g, '');
  if (nationalDigits.length >= nsn.length) forms.push(nationalDigits);
  return [...new Set(forms)];
}

/**
 * Whether a value stored in an org (any format) is the same number as `e164`. National
 * formats are read in the caller's own country first, then in each hint country (e.g. the
 * Aircall line's country): "(415) 555-1212" is +14155551212 for a US caller.
 */
export function samePhoneNumber(
  stored: string | null | undefined,
  e164: string,
  hintCountries: readonly (string | null | undefined)[] = []
): boolean {
  if (!stored) return false;
  const countries = [countryOf(e164), ...hintCountries];
  const tried = new Set<string>();
  for (const country of countries) {
    const key = country ?? '';
    if (tried.has(key)) continue;
    tried.add(key);
    if (toE164(stored, country) === e164) return true;
  }
  return false;
}

/** A display form for subjects and names: international format, or the raw value. */
export function displayNumber(e164: string | null, raw: string): string {
  if (!e164) return raw.trim();
  return memo(
    displayMemo,
    e164,
    () => (parsedMemo.get(e164) ?? parsePhoneNumberFromString(e164))?.formatInternational() ?? e164
  );
}
