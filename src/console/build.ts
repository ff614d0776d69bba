/**
 * Builds the local console: the real LWC bundles of force-app, compiled with LWC OSS and
 * the open-source Lightning base components, plus the console's own shell, into
 * dist/console. Salesforce-only modules (Apex, toasts) are replaced by shims that call the
 * console's endpoints. A build is skipped when its inputs have not changed (build.json holds
 * their hash), so `npm start` builds only when stale.
 *
 * Needs the dev dependencies (lwc, @lwc/rollup-plugin, rollup, lightning-base-components);
 * they are loaded lazily so the service itself never imports them.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type * as Rollup from 'rollup';
import { ROOT as PACKAGE_ROOT } from '../paths';

const ROOT = PACKAGE_ROOT;
export const CONSOLE_DIST = join(ROOT, 'dist', 'console');
/** How long a build takes, said the same way by its log line, the "being built" page and the README. */
export const BUILD_ESTIMATE = 'about 20 s';
const FORCE_APP_LWC = join(ROOT, 'force-app', 'main', 'default', 'lwc');
const CONSOLE_SRC = join(ROOT, 'src', 'console');
const MODULES = join(CONSOLE_SRC, 'modules');
const CLIENT = join(CONSOLE_SRC, 'client');
export const SLDS_ASSETS = join(ROOT, 'node_modules', '@salesforce-ux', 'design-system', 'assets');

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '__tests__' ? [] : files(path);
    return [path];
  });
}

/** The hash of everything the bundle is made of: sources, this build script, tool versions. */
export function inputsHash(): string {
  const hash = createHash('sha256');
  for (const path of [
    ...files(FORCE_APP_LWC),
    ...files(MODULES),
    ...files(CLIENT),
    join(CONSOLE_SRC, 'build.ts')
  ].sort()) {
    hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
  }
  for (const pkg of ['lwc', '@lwc/rollup-plugin', 'lightning-base-components', 'rollup']) {
    try {
      hash.update(
        `${pkg}@${(JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version}`
      );
    } catch {
      hash.update(`${pkg}@missing`);
    }
  }
  return hash.digest('hex');
}

export function isStale(outDir = CONSOLE_DIST, hash = inputsHash()): boolean {
  try {
    const built = JSON.parse(readFileSync(join(outDir, 'build.json'), 'utf8')) as { hash?: string };
    return built.hash !== hash || !existsSync(join(outDir, 'app.js'));
  } catch {
    return true;
  }
}

// ---- shims for the Salesforce-only modules the bundles import ----------------------------

const SHIM = '\0aircall-shim:';

function shimSource(id: string): string | null {
  const apex = /^@salesforce\/apex\/(\w+\.\w+)$/.exec(id);
  if (apex) {
    // One function serves imperative calls and @wire: the engine uses fn.adapter when present.
    return `const name = ${JSON.stringify(apex[1])};
function apex(params) { return window.__aircallApex(name, params || {}); }
apex.adapter = class {
  constructor(callback) { this.callback = callback; }
  connect() { this.callback({ data: undefined, error: undefined }); }
  update(config) {
    apex(config).then((data) => this.callback({ data, error: undefined }), (error) => this.callback({ data: undefined, error }));
  }
  disconnect() {}
};
export default apex;`;
  }
  if (id === 'lightning/platformShowToastEvent') {
    return `export class ShowToastEvent extends CustomEvent {
  constructor(detail) { super('lightning__showtoast', { detail, bubbles: true, composed: true }); }
}`;
  }
  return null;
}

interface ResolvePluginContext {
  resolve(id: string, importer: string | undefined, options: { skipSelf: boolean }): Promise<{ id: string } | null>;
}

function salesforceShims() {
  return {
    name: 'aircall-salesforce-shims',
    async resolveId(this: ResolvePluginContext, id: string, importer: string | undefined) {
      if (!id.startsWith('@salesforce/') && !id.startsWith('lightning/platform')) return null;
      // A real module (e.g. the label stubs lightning-base-components ships) wins over a shim.
      const real = await this.resolve(id, importer, { skipSelf: true });
      if (real) return real;
      return shimSource(id) === null ? null : SHIM + id;
    },
    load(id: string) {
      return id.startsWith(SHIM) ? shimSource(id.slice(SHIM.length)) : null;
    }
  };
}

interface RollupWarning {
  code?: string;
  plugin?: string;
  id?: string;
  message: string;
}

export interface BuildResult {
  readonly built: boolean;
  readonly outDir: string;
  readonly seconds: number;
  readonly bytes: number;
}

/** Builds the console into outDir unless it is up to date (or `force`). */
export async function buildConsole(
  options: { force?: boolean; outDir?: string; log?: (line: string) => void } = {}
): Promise<BuildResult> {
  const outDir = options.outDir ?? CONSOLE_DIST;
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const hash = inputsHash();
  if (!options.force && !isStale(outDir, hash)) {
    return { built: false, outDir, seconds: 0, bytes: statSync(join(outDir, 'app.js')).size };
  }
  log(`Building the local console (LWC bundles of force-app with LWC OSS), ${BUILD_ESTIMATE}…`);
  /* eslint-disable @typescript-eslint/no-require-imports -- dev tools, loaded only to build */
  const { rollup } = require('rollup') as typeof Rollup;
  const lwc = (require('@lwc/rollup-plugin') as { default: (o: object) => object }).default;
  const replace = (require('@rollup/plugin-replace') as { default: (o: object) => object }).default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const bundles = readdirSync(FORCE_APP_LWC).filter((b) => existsSync(join(FORCE_APP_LWC, b, `${b}.js`)));
  const warnings: string[] = [];
  const bundle = await rollup({
    input: join(CLIENT, 'main.js'),
    plugins: [
      salesforceShims(),
      replace({ preventAssignment: true, 'process.env.NODE_ENV': '"production"', 'import.meta.env.SSR': 'false' }),
      lwc({
        modules: [
          // force-app bundles sit flat (no namespace folder), so each is mapped to c/<name>.
          ...bundles.map((b) => ({ name: `c/${b}`, path: join(FORCE_APP_LWC, b, `${b}.js`) })),
          { dir: MODULES },
          { npm: 'lightning-base-components' }
        ],
        enableDynamicComponents: true, // lightning-datatable's sorting modal
        enableSyntheticElementInternals: true // lightning-combobox under synthetic shadow
      })
    ] as never,
    onwarn(warning: RollupWarning) {
      // lightning-base-components is compiled as-is: its circular imports and compiler notices are not ours.
      if (warning.code === 'CIRCULAR_DEPENDENCY') return;
      if (warning.id?.includes('lightning-base-components')) return;
      warnings.push(warning.message);
    }
  });
  // Written beside, then swapped in: a server (or a second build) never sees half a console.
  const staging = `${outDir}.building-${process.pid}`;
  mkdirSync(dirname(outDir), { recursive: true });
  // Leftovers of builds stopped halfway (a serve stopped during its build); a build younger
  // than ten minutes may still be running in another process, so it is left alone.
  for (const name of readdirSync(dirname(outDir))) {
    const path = join(dirname(outDir), name);
    if (name.startsWith(`${basename(outDir)}.building-`) && Date.now() - statSync(path).mtimeMs > 600_000) {
      rmSync(path, { recursive: true, force: true });
    }
  }
  mkdirSync(staging, { recursive: true });
  await bundle.write({ file: join(staging, 'app.js'), format: 'esm', inlineDynamicImports: true });
  await bundle.close();
  copyFileSync(join(CLIENT, 'index.html'), join(staging, 'index.html'));
  writeFileSync(join(staging, 'build.json'), `${JSON.stringify({ hash, builtAt: new Date().toISOString() })}\n`);
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  for (const w of warnings) log(`  warning: ${w}`);
  const seconds = (Date.now() - started) / 1000;
  const bytes = statSync(join(outDir, 'app.js')).size;
  log(`Local console built in ${seconds.toFixed(1)} s (${(bytes / 1e6).toFixed(1)} MB) in ${relative(ROOT, outDir)}`);
  return { built: true, outDir, seconds, bytes };
}
