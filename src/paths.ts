/** Where the package's own files are, from src/ or from a compiled copy under dist/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(start, '..');
  }
}

/** The package's root: package.json, force-app/, dist/. */
export const ROOT = findRoot(__dirname);
/** The org package's SFDX source: what the embedded local org deploys. */
export const FORCE_APP = join(ROOT, 'force-app');
