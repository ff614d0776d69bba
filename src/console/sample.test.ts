import { asAircallSends, sampleEnvelope, sampleRequestSchema } from './sample';

describe('the console sample sends numbers as Aircall does', () => {
  it.each([
    ['(415) 555-0142', '+1 415 555 0142'],
    ['06 12 34 56 78', '+33 6 12 34 56 78'],
    ['+44 330 818 6690', '+44 330 818 6690'],
    ['anonymous', 'anonymous']
  ])('%s is sent as %s', (typed, sent) => {
    expect(asAircallSends(typed)).toBe(sent);
    expect((sampleEnvelope('t', { phone: typed }).envelope.data as { raw_digits: string }).raw_digits).toBe(sent);
  });
});

describe('the console sample checks its number at once', () => {
  it.each(['', '   ', '+33 6', 'hello there', '555'])('refuses %j before anything is sent', (phone) => {
    expect(sampleRequestSchema.safeParse({ phone }).success).toBe(false);
  });
  it.each(['anonymous', 'Anonymous', '06 12 34 56 78', '(415) 555-0142'])('accepts %j', (phone) => {
    expect(sampleRequestSchema.safeParse({ phone }).success).toBe(true);
  });
});
