/**
 * The Apex quality gate of `npm test`: PMD's Recommended rules for Apex, run through
 * Salesforce Code Analyzer's engine API (the `sf code-analyzer` plugin cannot be installed
 * offline). Needs Java 11 or later on PATH. Exits 1 on any violation not explained in
 * code-analyzer.yml or by an @SuppressWarnings with its reason next to it.
 */
import { join, relative } from 'node:path';
import { CodeAnalyzer, CodeAnalyzerConfig } from '@salesforce/code-analyzer-core';
import * as pmd from '@salesforce/code-analyzer-pmd-engine';

const ROOT = join(__dirname, '..');

async function main(): Promise<void> {
  const started = Date.now();
  const analyzer = new CodeAnalyzer(CodeAnalyzerConfig.fromFile(join(ROOT, 'code-analyzer.yml')));
  await analyzer.addEnginePlugin(pmd.createEnginePlugin());
  const workspace = await analyzer.createWorkspace([join(ROOT, 'force-app')]);
  const rules = await analyzer.selectRules(['pmd:Recommended:Apex'], { workspace });
  const results = await analyzer.run(rules, { workspace });
  const violations = results.getViolations();
  for (const v of violations) {
    const at = v.getCodeLocations()[v.getPrimaryLocationIndex()];
    const file = at?.getFile() ? relative(ROOT, at.getFile() as string) : '?';
    process.stderr.write(`${file}:${at?.getStartLine() ?? '?'} ${v.getRule().getName()}: ${v.getMessage()}\n`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `PMD Recommended (Apex): ${rules.getCount()} rules, ${violations.length} violation(s), ${seconds} s\n`
  );
  if (violations.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`PMD gate could not run: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
