/**
 * The layer rule of eslint.config.js (docs/architecture.md) catches a wrong import: each case
 * lints a real module of src/ with one import added, as a change would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..');
// The project's own flat config, passed as an object (ESLint would load the file with a dynamic
// import, which Jest's module system does not run).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS config file itself
const config = require('../eslint.config.js') as ESLint.Options['baseConfig'];
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, baseConfig: config });

async function rulesBroken(file: string, added: string): Promise<string[]> {
  const text = `${added}\n${readFileSync(join(ROOT, file), 'utf8')}`;
  const [result] = await eslint.lintText(text, { filePath: join(ROOT, file) });
  return result!.messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message);
}

describe('the layers hold (eslint.config.js)', () => {
  it('passes the modules as they are', async () => {
    expect(await rulesBroken('src/rules/engine.ts', '')).toEqual([]);
  }, 60_000);

  it.each([
    [
      'the rules engine',
      'src/rules/engine.ts',
      "import type { InboxItem } from '../inbox/inbox';\nexport type I = InboxItem;"
    ],
    [
      'aircall, below settings',
      'src/aircall/classify.ts',
      "import type { Settings } from '../settings/schema';\nexport type S = Settings;"
    ],
    [
      'the worker, below the server',
      'src/worker/worker.ts',
      "import { buildApp } from '../server/app';\nexport const b = buildApp;"
    ],
    ['the server, below the CLI', 'src/server/app.ts', "import { run } from '../cli/main';\nexport const r = run;"]
  ])(
    'refuses an upward import in %s',
    async (_label, file, added) => {
      expect(await rulesBroken(file, added)).toContain('import/no-restricted-paths');
    },
    60_000
  );

  it('refuses an emulator in production code, by import or by require', async () => {
    expect(
      await rulesBroken(
        'src/worker/worker.ts',
        "import { LocalOrg } from '@aircall-sf/local-org';\nexport const L = LocalOrg;"
      )
    ).toContain('@typescript-eslint/no-restricted-imports');
    expect(
      await rulesBroken(
        'src/server/app.ts',
        "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const L = require('@aircall-sf/local-org') as unknown;"
      )
    ).toContain('import/no-restricted-paths');
  }, 60_000);

  it('keeps the engine pure: no I/O, no clock', async () => {
    const broken = await rulesBroken(
      'src/rules/engine.ts',
      "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\nexport const now = Date.now();"
    );
    expect(broken).toEqual(expect.arrayContaining(['no-restricted-imports', 'no-restricted-properties']));
  }, 60_000);
});
