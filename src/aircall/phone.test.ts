import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { displayNumber, phoneSearchForms, samePhoneNumber, toE164 } from './phone';

describe('phone numbers', () => {
  it.each([
    ['+44 330 818 6690', null, '+443308186690'],
    ['+1 800-123-4567', null, '+18001234567'],
    ['(415) 555-1212', 'US', '+14155551212'],
    ['01 23 45 67 89', 'FR', '+33123456789'],
    ['0033 1 23 45 67 89', 'US', '+33123456789'],
    ['+1 415 555 1212 ext. 12', null, '+14155551212'],
    ['anonymous', 'FR', null],
    ['ANONYMOUS', null, null],
    ['', 'FR', null],
    ['555-1212', 'US', null],
    ['12345', 'FR', null]
  ])('toE164(%j, %j) is %j', (raw, country, expected) => {
    expect(toE164(raw, country)).toBe(expected);
  });

  it.each([
    ['(415) 555-1212', '+14155551212', ['FR']],
    ['0033 1 23 45 67 89', '+33123456789', []],
    ['+44 20 7946 0958', '+442079460958', []],
    ['01 23 45 67 89', '+33123456789', ['US']],
    ['+33 (0)1 23 45 67 89', '+33123456789', []],
    ['14155551212', '+14155551212', []]
  ])('confirms %j as %s', (stored, e164, hints) => {
    expect(samePhoneNumber(stored, e164, hints)).toBe(true);
  });

  it.each([
    ['555-1212', '+14155551212', 'fewer digits than a full national number'],
    ['5551212', '+14155551212', 'a suffix only'],
    ['(415) 555-1213', '+14155551212', 'another number'],
    ['+33 1 23 45 67 89', '+14155551212', 'another country'],
    [null, '+14155551212', 'an empty field']
  ])('does not confirm %j as %s (%s)', (stored, e164, _why) => {
    expect(samePhoneNumber(stored, e164)).toBe(false);
  });

  it('gives the national, international and trunk-prefixed search forms', () => {
    expect(phoneSearchForms('+33123456789')).toEqual(['123456789', '33123456789', '0123456789']);
    expect(phoneSearchForms('+14155551212')).toEqual(['4155551212', '14155551212']);
    expect(phoneSearchForms('not a number')).toEqual([]);
  });

  it.each([
    ['01 23 45 67 89', 'FR'],
    ['(415) 555-1212', 'US'],
    ['(613) 555-0100', 'CA'],
    ['01481 712345', 'GB'], // Guernsey, which shares +44 with the UK
    ['8 (727) 255-1234', 'KZ'], // Kazakhstan, which shares +7 with Russia
    ['+44 7700 900123', null]
  ])('displays %s (%s) as a number parsed from its E.164 would be', (raw, country) => {
    const e164 = toE164(raw, country);
    expect(e164).not.toBeNull();
    expect(displayNumber(e164, raw)).toBe(parsePhoneNumberFromString(e164!)!.formatInternational());
  });
});
