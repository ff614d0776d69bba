import { loadConfig } from './config';

describe('loadConfig', () => {
  it('blames the flag the user gave when an org has no credentials', () => {
    expect(() => loadConfig({}, { org: 'https://acme.my.salesforce.com' })).toThrow(/^--org is set but no credentials/);
    expect(() => loadConfig({ SF_INSTANCE_URL: 'https://acme.my.salesforce.com' })).toThrow(
      /^SF_INSTANCE_URL is set but no credentials/
    );
  });

  it('reads the company lines in international form, and refuses a national one', () => {
    expect(loadConfig({ AIRCALL_COMPANY_NUMBERS: '+33 1 76 00 00 00, +1 (415) 555-0100' }).companyNumbers).toEqual([
      '+33176000000',
      '+14155550100'
    ]);
    expect(() => loadConfig({ AIRCALL_COMPANY_NUMBERS: '01 76 00 00 00' })).toThrow(/international form/);
  });

  it('bounds the org request timeout', () => {
    expect(loadConfig({}).requestTimeoutMs).toBe(30_000);
    expect(() => loadConfig({ SF_REQUEST_TIMEOUT_MS: '5' })).toThrow(/SF_REQUEST_TIMEOUT_MS/);
  });

  it('takes the batch latency budget, within bounds', () => {
    expect(loadConfig({}).batchWindowMs).toBe(10_000);
    expect(loadConfig({ AIRCALL_SF_BATCH_WINDOW_MS: '0' }).batchWindowMs).toBe(0);
    expect(() => loadConfig({ AIRCALL_SF_BATCH_WINDOW_MS: '2.5' })).toThrow(/AIRCALL_SF_BATCH_WINDOW_MS/);
    expect(() => loadConfig({ AIRCALL_SF_BATCH_WINDOW_MS: '90000' })).toThrow(/AIRCALL_SF_BATCH_WINDOW_MS/);
  });

  it('reads AIRCALL_AI (auto by default) with an API key, and refuses another value', () => {
    const key = { AIRCALL_API_ID: 'id', AIRCALL_API_TOKEN: 'token' };
    expect(loadConfig(key).aircallApi?.ai).toBe('auto');
    expect(loadConfig({ ...key, AIRCALL_AI: 'off' }).aircallApi?.ai).toBe('off');
    expect(() => loadConfig({ ...key, AIRCALL_AI: 'yes' })).toThrow(/AIRCALL_AI must be auto/);
  });
});
