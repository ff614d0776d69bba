/** docs/errors.md lists exactly the codes the product has, and each is one the code raises (#30). */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../src/errors';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

it('docs/errors.md names the codes of src/errors.ts, no more and no fewer', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const listed = [...doc.matchAll(/^\| `([A-Z_]+)` +\|/gm)].map((m) => m[1]);
  expect([...listed].sort()).toEqual(Object.values(ERROR_CODES).sort());
});

it('every code is raised or answered somewhere in src/', () => {
  const code = sources(join(ROOT, 'src'))
    .filter((f) => !f.endsWith(join('src', 'errors.ts')))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const unused = Object.keys(ERROR_CODES).filter((c) => !code.includes(`ERROR_CODES.${c}`));
  expect(unused).toEqual([]);
});
