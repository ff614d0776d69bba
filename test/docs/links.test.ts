/**
 * The documentation's links and the paths it names resolve inside the repository: a reader of a
 * clone (or of the package's README) has nothing of what lies beside the project here (#30).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'packages')).map((p) => `packages/${p}/README.md`)
].filter((f) => existsSync(join(ROOT, f)));

/** Markdown links to local files, and backticked relative paths that climb out (`../…`). */
function targets(text: string): string[] {
  const links = [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
  const climbing = [...text.matchAll(/`((?:\.\.\/)+[^`\s]+)`/g)].map((m) => m[1]!);
  return [...links, ...climbing];
}

describe.each(DOCS)('%s', (file) => {
  it('links only to files inside the repository that exist', () => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const bad = targets(text).filter((target) => {
      const path = resolve(dirname(join(ROOT, file)), target);
      return relative(ROOT, path).startsWith('..') || !existsSync(path);
    });
    expect(bad).toEqual([]);
  });
});
