/**
 * Generates, under force-app, the Aircall_Settings__c custom-setting metadata from the one
 * settings schema (src/settings/schema.ts), and the Apex class AircallSchema and the LWC
 * module aircallSchema from it and the org-API description (src/org-api/contract.ts), so the
 * org, the components and the service cannot disagree on a name, a value, a default or a
 * message. `--check` fails when the committed files are stale.
 */
import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as prettier from 'prettier';
import { SETTINGS_FIELDS, SETTINGS_OBJECT } from '../src/settings/schema';
import type { SettingsField } from '../src/settings/schema';
import { apexClassMeta, apexSchemaClass, lwcSchemaModule, lwcServiceMeta } from './generators/org-api';
import { permissionSetXml, permissionSets } from './generators/permission-sets';
import {
  CALL_RECORD_LAYOUT,
  CALL_RECORD_REPORT_TYPE,
  callRecordFieldXml,
  callRecordLayoutXml,
  callRecordListViewXml,
  callRecordObjectXml,
  callRecordReportTypeXml,
  callRecordTabXml,
  taskLookupXml
} from './generators/call-record';
import { CALL_RECORD_FIELDS, CALL_RECORD_OBJECT, TASK_CALL_RECORD_FIELD } from '../src/call-record/schema';

const ROOT = join(__dirname, '..');
const DEFAULT_DIR = join(ROOT, 'force-app', 'main', 'default');
const OBJECT_DIR = join(DEFAULT_DIR, 'objects', SETTINGS_OBJECT);
const API_VERSION = (JSON.parse(readFileSync(join(ROOT, 'sfdx-project.json'), 'utf8')) as { sourceApiVersion: string })
  .sourceApiVersion;
const HEADER = '<?xml version="1.0" encoding="UTF-8"?>';
const NS = 'http://soap.sforce.com/2006/04/metadata';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function element(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function fieldXml(field: SettingsField): string {
  const parts = [element('fullName', field.apiName)];
  if (field.kind === 'checkbox') {
    parts.push(element('defaultValue', field.default));
  } else {
    // A Text field's default is a formula: a quoted string literal.
    parts.push(element('defaultValue', `"${field.default}"`));
  }
  const allowed = field.kind === 'choice' ? ` Allowed values: ${field.values.map((v) => v.value).join(', ')}.` : '';
  parts.push(element('description', `${field.rule}. ${field.help}${allowed} Generated from src/settings/schema.ts.`));
  if (field.kind === 'choice') parts.push(element('externalId', false));
  parts.push(element('label', field.label));
  if (field.kind === 'choice') {
    parts.push(
      element('length', field.length),
      element('required', false),
      element('type', 'Text'),
      element('unique', false)
    );
  } else {
    parts.push(element('type', 'Checkbox'));
  }
  return `${HEADER}\n<CustomField xmlns="${NS}">\n${parts.join('\n')}\n</CustomField>\n`;
}

function objectXml(): string {
  return `${HEADER}\n<CustomObject xmlns="${NS}">\n${[
    element('customSettingsType', 'Hierarchy'),
    element(
      'description',
      'Aircall call logging settings (R1 to R14). The service reads the org-default row. Edit them in the Aircall Settings tab.'
    ),
    element('enableFeeds', false),
    element('label', 'Aircall Settings'),
    element('visibility', 'Public')
  ].join('\n')}\n</CustomObject>\n`;
}

export async function renderMetadata(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const add = async (path: string, text: string) => {
    const config = (await prettier.resolveConfig(path)) ?? {};
    files.set(path, await prettier.format(text, { ...config, filepath: path }));
  };
  await add(join(OBJECT_DIR, `${SETTINGS_OBJECT}.object-meta.xml`), objectXml());
  for (const field of SETTINGS_FIELDS) {
    await add(join(OBJECT_DIR, 'fields', `${field.apiName}.field-meta.xml`), fieldXml(field));
  }
  // The call record (L1), before the permission sets that grant its fields.
  const recordDir = join(DEFAULT_DIR, 'objects', CALL_RECORD_OBJECT);
  await add(join(recordDir, `${CALL_RECORD_OBJECT}.object-meta.xml`), callRecordObjectXml());
  for (const field of CALL_RECORD_FIELDS)
    await add(join(recordDir, 'fields', `${field.apiName}.field-meta.xml`), callRecordFieldXml(field));
  await add(join(recordDir, 'listViews', 'All.listView-meta.xml'), callRecordListViewXml());
  await add(
    join(DEFAULT_DIR, 'objects', 'Activity', 'fields', `${TASK_CALL_RECORD_FIELD}.field-meta.xml`),
    taskLookupXml()
  );
  await add(join(DEFAULT_DIR, 'layouts', `${CALL_RECORD_LAYOUT}.layout-meta.xml`), callRecordLayoutXml());
  await add(
    join(DEFAULT_DIR, 'reportTypes', `${CALL_RECORD_REPORT_TYPE}.reportType-meta.xml`),
    callRecordReportTypeXml()
  );
  await add(join(DEFAULT_DIR, 'tabs', `${CALL_RECORD_OBJECT}.tab-meta.xml`), callRecordTabXml());
  const classes = join(DEFAULT_DIR, 'classes');
  await add(join(classes, 'AircallSchema.cls'), apexSchemaClass());
  await add(join(classes, 'AircallSchema.cls-meta.xml'), apexClassMeta(API_VERSION));
  const lwc = join(DEFAULT_DIR, 'lwc', 'aircallSchema');
  await add(join(lwc, 'aircallSchema.js'), lwcSchemaModule());
  await add(join(lwc, 'aircallSchema.js-meta.xml'), lwcServiceMeta(API_VERSION));
  for (const spec of permissionSets(DEFAULT_DIR)) {
    await add(join(DEFAULT_DIR, 'permissionsets', `${spec.name}.permissionset-meta.xml`), permissionSetXml(spec));
  }
  return files;
}

/** The generated files that differ from what is on disk. */
export async function staleFiles(): Promise<string[]> {
  const stale: string[] = [];
  for (const [path, content] of await renderMetadata()) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) stale.push(relative(ROOT, path));
  }
  return stale;
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) {
    const stale = await staleFiles();
    if (stale.length > 0) {
      process.stderr.write(
        `Generated metadata is stale (run \`npm run metadata\`):\n${stale.map((s) => `  ${s}`).join('\n')}\n`
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write('Generated metadata is up to date.\n');
    return;
  }
  for (const [path, content] of await renderMetadata()) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    process.stdout.write(`wrote ${relative(ROOT, path)}\n`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
