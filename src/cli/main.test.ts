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

  it('aligns every command and option in one column', async () => {
    const c = capture();
    await run(['--help'], c.io);
    const rows = c.out[0]!.split('\n').filter((l) => /^  \S/.test(l));
    const columns = new Set(rows.map((l) => /^  .+? {2,}/.exec(l)![0].length));
    expect(rows.length).toBeGreaterThan(10);
    expect(columns.size).toBe(1);
  });

  it('says which option it does not know, without Node’s advice about positionals', async () => {
    const c = capture();
    expect(await run(['replay', '--bogus'], c.io)).toBe(2);
    const message = c.err.join('\n');
    expect(message).toContain('Unknown option --bogus');
    expect(message).not.toContain('positional');
  });

  it('prints an error once at a terminal, with the code docs/errors.md lists; piped, the JSON line last', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const at = (interactive: boolean) => ({
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      interactive
    });
    expect(await run(['replay', '/nonexistent/events.json'], at(true))).toBe(1);
    expect(err).toEqual([expect.stringMatching(/^aircall-sf replay: INPUT_FILE_INVALID: Cannot read \/nonexistent/)]);
    expect(out).toEqual([]);
    expect(await run(['replay', '/nonexistent/events.json'], at(false))).toBe(1);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ error: { code: 'INPUT_FILE_INVALID' } });
  });

  it('shows an option with a default as optional in the usage', async () => {
    const c = capture();
    await run(['backfill', '--help'], c.io);
    expect(c.out[0]).toMatch(/backfill --from DATE \[--to DATE\]/);
  });
});
