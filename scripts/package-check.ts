/**
 * The offline structure check of the org package. `npm test` runs the checks that need no
 * other tool (`npm run package:check`); CI adds the conversion (`npm run package:convert`):
 * - (conversion) the `sf` CLI converts force-app to Metadata API format and generates its
 *   manifest (the same parsing `sf project deploy start` does before it contacts an org); sf
 *   is not a dependency of this repository (scripts/sf-cli.ts says why);
 * - the references that no offline tool checks resolve: every Apex class has its meta file
 *   and a test class, every LWC bundle its js and meta, the tab its page, the page its
 *   component, the permission sets their classes, fields, tab and custom permission;
 * - nothing from __tests__ is packaged.
 * The `sf` CLI cannot validate metadata without an org (it converts bad XML without a word),
 * which is why the references are checked here.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SF_CLI_MISSING, findSf, runSf } from './sf-cli';

const ROOT = join(__dirname, '..');
const SRC = join(ROOT, 'force-app', 'main', 'default');

function list(dir: string, suffix: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(suffix)) : [];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function tags(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1] as string);
}

/** The problems found in force-app's references; empty when the package holds together. */
export function referenceProblems(src = SRC): string[] {
  const problems: string[] = [];
  const classes = list(join(src, 'classes'), '.cls').map((f) => f.replace(/\.cls$/, ''));
  for (const name of classes) {
    const body = readFileSync(join(src, 'classes', `${name}.cls`), 'utf8');
    if (!existsSync(join(src, 'classes', `${name}.cls-meta.xml`)))
      problems.push(`classes/${name}.cls has no .cls-meta.xml`);
    const isTest = /^\s*(\/\*\*[\s\S]*?\*\/\s*)?@IsTest/i.test(body);
    if (!isTest && !classes.includes(`${name}Test`)) problems.push(`classes/${name}.cls has no test class ${name}Test`);
    if (!isTest && !/\bwith sharing\b/.test(body)) problems.push(`classes/${name}.cls is not declared with sharing`);
  }
  const bundles = existsSync(join(src, 'lwc')) ? readdirSync(join(src, 'lwc')) : [];
  for (const bundle of bundles) {
    for (const file of [`${bundle}.js`, `${bundle}.js-meta.xml`]) {
      if (!existsSync(join(src, 'lwc', bundle, file))) problems.push(`lwc/${bundle} has no ${file}`);
    }
  }
  const pages = list(join(src, 'flexipages'), '.flexipage-meta.xml').map((f) => f.replace('.flexipage-meta.xml', ''));
  for (const page of pages) {
    const xml = readFileSync(join(src, 'flexipages', `${page}.flexipage-meta.xml`), 'utf8');
    for (const component of tags(xml, 'componentName').filter((c) => c.startsWith('c:'))) {
      if (!bundles.includes(component.slice(2)))
        problems.push(`flexipages/${page} uses the missing component ${component}`);
    }
  }
  const tabs = list(join(src, 'tabs'), '.tab-meta.xml').map((f) => f.replace('.tab-meta.xml', ''));
  for (const tab of tabs) {
    const xml = readFileSync(join(src, 'tabs', `${tab}.tab-meta.xml`), 'utf8');
    for (const page of tags(xml, 'flexiPage')) {
      if (!pages.includes(page)) problems.push(`tabs/${tab} opens the missing page ${page}`);
    }
  }
  const permissions = list(join(src, 'customPermissions'), '.customPermission-meta.xml').map((f) =>
    f.replace('.customPermission-meta.xml', '')
  );
  const customFieldExists = (ref: string) => {
    const [object, field] = ref.split('.') as [string, string];
    if (!field.endsWith('__c')) return true; // standard fields live in the org, not here
    const owner = object === 'Task' || object === 'Event' ? 'Activity' : object;
    return existsSync(join(src, 'objects', owner, 'fields', `${field}.field-meta.xml`));
  };
  // External credentials and their principals; a named credential's and a permission set's references.
  const principals = list(join(src, 'externalCredentials'), '.externalCredential-meta.xml').flatMap((f) => {
    const xml = readFileSync(join(src, 'externalCredentials', f), 'utf8');
    const name = f.replace('.externalCredential-meta.xml', '');
    return [...xml.matchAll(/<externalCredentialParameters>([\s\S]*?)<\/externalCredentialParameters>/g)]
      .filter((m) => tags(m[1]!, 'parameterType')[0] === 'NamedPrincipal')
      .map((m) => `${name}-${tags(m[1]!, 'parameterName')[0] ?? ''}`);
  });
  const credentials = new Set(principals.map((p) => p.slice(0, p.lastIndexOf('-'))));
  for (const file of list(join(src, 'namedCredentials'), '.namedCredential-meta.xml')) {
    const xml = readFileSync(join(src, 'namedCredentials', file), 'utf8');
    for (const c of tags(xml, 'externalCredential'))
      if (!credentials.has(c)) problems.push(`namedCredentials/${file} uses the missing external credential ${c}`);
  }
  for (const file of list(join(src, 'permissionsets'), '.permissionset-meta.xml')) {
    const xml = readFileSync(join(src, 'permissionsets', file), 'utf8');
    for (const p of tags(xml, 'externalCredentialPrincipal'))
      if (!principals.includes(p)) problems.push(`${file} grants the missing external credential principal ${p}`);
    for (const c of tags(xml, 'apexClass'))
      if (!classes.includes(c)) problems.push(`${file} grants the missing class ${c}`);
    for (const f of tags(xml, 'field'))
      if (!customFieldExists(f)) problems.push(`${file} grants the missing field ${f}`);
    for (const t of tags(xml, 'tab')) if (!tabs.includes(t)) problems.push(`${file} shows the missing tab ${t}`);
    const custom = [...xml.matchAll(/<customPermissions>[\s\S]*?<name>([^<]*)<\/name>/g)].map((m) => m[1] as string);
    for (const p of custom)
      if (!permissions.includes(p)) problems.push(`${file} grants the missing custom permission ${p}`);
  }
  problems.push(...objectViewProblems(src, tabs));
  return problems;
}

/**
 * The call record's views (L1): a layout, a list view and a report type name fields of their
 * object, and a custom object tab names its object; a field missing from force-app would fail
 * the deploy, and nothing offline says so.
 */
function objectViewProblems(src: string, tabs: readonly string[]): string[] {
  const problems: string[] = [];
  const objectExists = (object: string) => !object.endsWith('__c') || existsSync(join(src, 'objects', object));
  const fieldExists = (object: string, field: string) =>
    !field.endsWith('__c') || existsSync(join(src, 'objects', object, 'fields', `${field}.field-meta.xml`));
  for (const file of list(join(src, 'layouts'), '.layout-meta.xml')) {
    const object = file.slice(0, file.indexOf('-'));
    const xml = readFileSync(join(src, 'layouts', file), 'utf8');
    if (!objectExists(object)) problems.push(`layouts/${file} lays out the missing object ${object}`);
    for (const f of tags(xml, 'field'))
      if (!fieldExists(object, f)) problems.push(`layouts/${file} shows the missing field ${object}.${f}`);
  }
  const objects = existsSync(join(src, 'objects')) ? readdirSync(join(src, 'objects')) : [];
  for (const object of objects) {
    for (const file of list(join(src, 'objects', object, 'listViews'), '.listView-meta.xml')) {
      const xml = readFileSync(join(src, 'objects', object, 'listViews', file), 'utf8');
      for (const c of tags(xml, 'columns'))
        if (!fieldExists(object, c)) problems.push(`objects/${object}/listViews/${file} shows the missing field ${c}`);
    }
  }
  for (const file of list(join(src, 'reportTypes'), '.reportType-meta.xml')) {
    const xml = readFileSync(join(src, 'reportTypes', file), 'utf8');
    for (const base of tags(xml, 'baseObject'))
      if (!objectExists(base)) problems.push(`reportTypes/${file} reports on the missing object ${base}`);
    for (const m of xml.matchAll(/<columns>([\s\S]*?)<\/columns>/g)) {
      const [field] = tags(m[1]!, 'field');
      const [table] = tags(m[1]!, 'table');
      if (field && table && !fieldExists(table, field))
        problems.push(`reportTypes/${file} shows the missing field ${table}.${field}`);
    }
  }
  for (const tab of tabs) {
    const xml = readFileSync(join(src, 'tabs', `${tab}.tab-meta.xml`), 'utf8');
    if (tags(xml, 'customObject')[0] === 'true' && !objectExists(tab))
      problems.push(`tabs/${tab} opens the missing object ${tab}`);
  }
  return problems;
}

/**
 * Limits Salesforce documents for the metadata shipped, which no offline tool checks: custom
 * object and field labels and API names at most 40 characters (Salesforce Help, Knowledge
 * Article 000381913: "The current character limit for creating field names and labels is
 * 40 characters"; an API name's `__c` suffix is not counted). A package over them does not
 * deploy. Other limits (help text, descriptions) are not checked: no source here states them.
 */
export function metadataLimitProblems(src = SRC): string[] {
  const problems: string[] = [];
  const objects = join(src, 'objects');
  if (!existsSync(objects)) return problems;
  for (const object of readdirSync(objects)) {
    const files = [
      join(objects, object, `${object}.object-meta.xml`),
      ...list(join(objects, object, 'fields'), '.field-meta.xml').map((f) => join(objects, object, 'fields', f))
    ].filter((f) => existsSync(f));
    for (const file of files) {
      const xml = readFileSync(file, 'utf8');
      const where = relative(src, file);
      const label = tags(xml, 'label')[0];
      if (label !== undefined && label.length > 40)
        problems.push(`${where}: label "${label}" has ${label.length} characters; Salesforce allows 40`);
      const apiName = (tags(xml, 'fullName')[0] ?? file.split('/').pop()!.split('.')[0]!).replace(/__c$/, '');
      if (apiName.length > 40)
        problems.push(`${where}: API name ${apiName} has ${apiName.length} characters; Salesforce allows 40`);
    }
  }
  return problems;
}

/** What sf's conversion finds: files that would be deployed but must not be, and the manifest. */
function convert(problems: string[]): string {
  const sf = findSf();
  if (sf === undefined) throw new Error(SF_CLI_MISSING);
  const scratch = mkdtempSync(join(tmpdir(), 'aircall-sf-package-'));
  try {
    const mdapi = join(scratch, 'mdapi');
    const options = { cwd: ROOT, home: scratch };
    runSf(sf, ['project', 'convert', 'source', '--root-dir', 'force-app', '--output-dir', mdapi], options);
    runSf(
      sf,
      ['project', 'generate', 'manifest', '--source-dir', 'force-app', '--name', 'package', '--output-dir', scratch],
      options
    );
    const manifest = readFileSync(join(scratch, 'package.xml'), 'utf8');
    const packaged = walk(mdapi).map((p) => relative(mdapi, p));
    for (const path of packaged.filter((p) => p.includes('__tests__'))) problems.push(`${path} would be deployed`);
    const types = [...manifest.matchAll(/<types>([\s\S]*?)<\/types>/g)].map((m) => {
      const name = tags(m[1] as string, 'name')[0] as string;
      return `${name} ${tags(m[1] as string, 'members').length}`;
    });
    return `converts (${packaged.length} files): ${types.join(', ')}`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function main(withConversion: boolean): void {
  const problems = [...referenceProblems(), ...metadataLimitProblems()];
  const converted = withConversion ? convert(problems) : undefined;
  if (problems.length === 0) {
    process.stdout.write(
      `Package holds together${converted ? ` and ${converted}` : ' (the sf conversion: npm run package:convert)'}\n`
    );
    return;
  }
  process.stderr.write(`The org package has problems:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exitCode = 1;
}

if (require.main === module) {
  try {
    main(process.argv.includes('--convert'));
  } catch (error: unknown) {
    const stderr = (error as { stderr?: Buffer | string }).stderr?.toString() ?? '';
    process.stderr.write(
      `The package could not be converted: ${error instanceof Error ? error.message : String(error)}\n${stderr}`
    );
    process.exitCode = 1;
  }
}
