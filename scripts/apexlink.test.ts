import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apexIssues, findJava } from './apexlink';

const ROOT = join(__dirname, '..');

// The gate itself (`npm run check:apex`, in npm test) runs on force-app; these show it can fail.
describe('ApexLink gate', () => {
  let workspace: string;
  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'apexlink-'));
    cpSync(join(ROOT, 'sfdx-project.json'), join(workspace, 'sfdx-project.json'));
    cpSync(join(ROOT, 'force-app'), join(workspace, 'force-app'), { recursive: true });
  });
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  it('reports what the org compiler would refuse: a member of the wrong class, an unknown method', () => {
    const classes = join(workspace, 'force-app', 'main', 'default', 'classes');
    writeFileSync(
      join(classes, 'AircallBroken.cls'),
      [
        'public with sharing class AircallBroken {',
        '    public static Integer pages() {',
        '        return AircallSnapshotResource.OBJECT_LIMIT;',
        '    }',
        '    public static void search() {',
        '        AircallPhoneSearch.nowhere();',
        '    }',
        '}',
        ''
      ].join('\n')
    );
    writeFileSync(
      join(classes, 'AircallBroken.cls-meta.xml'),
      '<?xml version="1.0" encoding="UTF-8"?>\n<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata"><apiVersion>66.0</apiVersion><status>Active</status></ApexClass>\n'
    );
    const issues = apexIssues(workspace);
    expect(issues.map((i) => [i.file, i.line])).toEqual(
      expect.arrayContaining([
        ['force-app/main/default/classes/AircallBroken.cls', 3],
        ['force-app/main/default/classes/AircallBroken.cls', 6]
      ])
    );
    expect(issues.find((i) => i.line === 3)!.message).toContain("'OBJECT_LIMIT' on 'AircallSnapshotResource'");
  }, 60_000);

  it('runs last in npm test, so a machine without Java 21 runs every other check and test first', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const steps = pkg.scripts.test!.split(' && ');
    expect(steps.at(-1)).toBe('npm run check:apex');
    expect(steps.indexOf('npm run test:unit')).toBe(steps.length - 2);
  });

  it('refuses a Java older than 21, saying which it found', () => {
    // A stand-in `java` that answers -version as Java 17 does.
    const java17 = join(workspace, 'java17');
    writeFileSync(java17, '#!/bin/sh\necho \'openjdk version "17.0.15" 2025-04-15\' >&2\n', { mode: 0o755 });
    expect(() => findJava({ APEXLINK_JAVA: java17 })).toThrow(
      `APEXLINK_JAVA=${java17} is Java 17; ApexLink needs 21+.`
    );
  });
});
