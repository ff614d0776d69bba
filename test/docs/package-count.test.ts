/**
 * The README's count of what `npm install` brings to a checkout follows package-lock.json (#30):
 * the packages npm installs on this platform (links and other platforms' binaries left out).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface LockEntry {
  readonly link?: boolean;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
  readonly libc?: readonly string[];
}

/** Whether an os/cpu/libc list admits `value` ("!x" excludes x). */
const admits = (list: readonly string[] | undefined, value: string) =>
  !list || list.some((v) => v === value || (v.startsWith('!') && v.slice(1) !== value));

it('README states the number of packages a checkout installs, within 3 %', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const installed = Object.entries(lock.packages).filter(
    ([path, entry]) =>
      path.includes('node_modules/') &&
      !entry.link &&
      admits(entry.os, 'linux') &&
      admits(entry.cpu, 'x64') &&
      admits(entry.libc, 'glibc')
  ).length;
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const stated = Number(/about (\d+) packages, with no engine warning/.exec(readme)?.[1]);
  expect(Math.abs(stated - installed) / installed).toBeLessThanOrEqual(0.03);
});
