/** `aircall-sf local-org`: the local org's own command line, with this package's force-app deployed. */
import { join } from 'node:path';
import { exitOf, expectServesAndStops } from '../helpers/local-org';

const bin = join(__dirname, '..', '..', 'bin', 'aircall-sf');

describe('aircall-sf local-org (the command)', () => {
  it('prints one JSON line when ready, serves, and exits cleanly on SIGTERM', async () => {
    await expectServesAndStops([bin, 'local-org', '--port', '0', '--seed', 'demo']);
  }, 20000);

  it('exits 2 and explains a bad flag', async () => {
    const { code, stderr } = await exitOf([bin, 'local-org', '--seed', 'lots']);
    expect(code).toBe(2);
    expect(stderr).toContain('--seed must be demo or none');
  }, 20000);
});
