import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metadataLimitProblems, referenceProblems } from './package-check';

const DEFAULT = join(__dirname, '..', 'force-app', 'main', 'default');

describe('package reference check', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aircall-sf-refs-'));
    cpSync(DEFAULT, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing wrong in force-app', () => {
    expect(referenceProblems(DEFAULT)).toEqual([]);
  });

  it('reports a class without meta file or test class, and one without sharing', () => {
    unlinkSync(join(dir, 'classes', 'AircallErrors.cls-meta.xml'));
    unlinkSync(join(dir, 'classes', 'AircallErrorsTest.cls'));
    writeFileSync(join(dir, 'classes', 'Loose.cls'), 'public class Loose {}\n');
    writeFileSync(join(dir, 'classes', 'Loose.cls-meta.xml'), '');
    writeFileSync(join(dir, 'classes', 'LooseTest.cls'), '@IsTest\nprivate class LooseTest {}\n');
    writeFileSync(join(dir, 'classes', 'LooseTest.cls-meta.xml'), '');
    expect(referenceProblems(dir)).toEqual([
      'classes/AircallErrors.cls has no .cls-meta.xml',
      'classes/AircallErrors.cls has no test class AircallErrorsTest',
      'classes/Loose.cls is not declared with sharing'
    ]);
  });

  it('reports dangling references of the page, the tab and the permission sets', () => {
    rmSync(join(dir, 'lwc', 'aircallSettingsPanel'), { recursive: true });
    const tab = join(dir, 'tabs', 'Aircall_Settings.tab-meta.xml');
    writeFileSync(tab, readFileSync(tab, 'utf8').replace('<flexiPage>Aircall_Settings<', '<flexiPage>Other<'));
    unlinkSync(join(dir, 'objects', 'Activity', 'fields', 'Aircall_Type__c.field-meta.xml'));
    const problems = referenceProblems(dir);
    expect(problems).toContain('flexipages/Aircall_Settings uses the missing component c:aircallSettingsPanel');
    expect(problems).toContain('tabs/Aircall_Settings opens the missing page Other');
    expect(problems).toContain(
      'Aircall_Integration.permissionset-meta.xml grants the missing field Task.Aircall_Type__c'
    );
  });

  it("reports a field the call record's layout, list view or report type shows and the package lacks", () => {
    unlinkSync(join(dir, 'objects', 'Aircall_Call__c', 'fields', 'Topics__c.field-meta.xml'));
    unlinkSync(join(dir, 'objects', 'Aircall_Call__c', 'fields', 'Agents__c.field-meta.xml'));
    const problems = referenceProblems(dir);
    expect(problems).toContain(
      'layouts/Aircall_Call__c-Aircall Call Layout.layout-meta.xml shows the missing field Aircall_Call__c.Topics__c'
    );
    expect(problems).toContain(
      'objects/Aircall_Call__c/listViews/All.listView-meta.xml shows the missing field Agents__c'
    );
    expect(problems).toContain(
      'reportTypes/Aircall_Calls.reportType-meta.xml shows the missing field Aircall_Call__c.Topics__c'
    );
    rmSync(join(dir, 'objects', 'Aircall_Call__c'), { recursive: true });
    expect(referenceProblems(dir)).toContain('tabs/Aircall_Call__c opens the missing object Aircall_Call__c');
  });

  it('reports a principal or an external credential that the callouts need and the package lacks', () => {
    const credential = join(dir, 'externalCredentials', 'Aircall_Service.externalCredential-meta.xml');
    writeFileSync(
      credential,
      readFileSync(credential, 'utf8').replace(
        '<parameterName>Service</parameterName>',
        '<parameterName>Other</parameterName>'
      )
    );
    expect(referenceProblems(dir)).toEqual([
      'Aircall_Admin.permissionset-meta.xml grants the missing external credential principal Aircall_Service-Service'
    ]);
    unlinkSync(credential);
    expect(referenceProblems(dir)).toContain(
      'namedCredentials/Aircall_Service.namedCredential-meta.xml uses the missing external credential Aircall_Service'
    );
  });

  it('holds to the documented label and API name limits, and reports a label over 40 characters', () => {
    expect(metadataLimitProblems(DEFAULT)).toEqual([]);
    const field = join(dir, 'objects', 'Aircall_Settings__c', 'fields', 'Log_Messages__c.field-meta.xml');
    writeFileSync(
      field,
      readFileSync(field, 'utf8').replace(
        /<label>[^<]*<\/label>/,
        '<label>Log SMS and messages and WhatsApp too, please</label>'
      )
    );
    expect(metadataLimitProblems(dir)).toEqual([
      'objects/Aircall_Settings__c/fields/Log_Messages__c.field-meta.xml: label "Log SMS and messages and WhatsApp too, please" has 45 characters; Salesforce allows 40'
    ]);
  });
});
