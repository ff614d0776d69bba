import { run } from './main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('aircall-sf CLI', () => {
  it('prints the version of package.json', async () => {
    const c = capture();
    expect(await run(['--version'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 on an unknown command and says so', async () => {
    const c = capture();
    expect(await run(['frobnicate'], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain('unknown command "frobnicate"');
  });

  it('exits 2 with usage when no command is given, 0 for --help', async () => {
    const c = capture();
    expect(await run([], c.io)).toBe(2);
    expect(c.out[0]).toContain('Usage: aircall-sf');
    expect(await run(['--help'], capture().io)).toBe(0);
  });
});
