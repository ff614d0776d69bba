import { testRunCoverage } from './test-org';

describe('test:org reads the coverage sf reports', () => {
  it('takes summary.testRunCoverage as a number', () => {
    expect(testRunCoverage({ summary: { testRunCoverage: '88%', orgWideCoverage: '75%' } })).toBe(88);
    expect(testRunCoverage({ summary: { testRunCoverage: '91.5%' } })).toBe(91.5);
  });
  it('says nothing when the figure is absent or not a percentage, so the run fails instead of passing', () => {
    expect(testRunCoverage({ summary: {} })).toBeUndefined();
    expect(testRunCoverage({ summary: { testRunCoverage: 'n/a' } })).toBeUndefined();
    expect(testRunCoverage(undefined)).toBeUndefined();
  });
});
