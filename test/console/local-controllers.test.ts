/**
 * The console's answers to the Apex methods, against a local org over jsforce: the same
 * inputs, results and messages as AircallSettingsControllerTest.cls and
 * AircallCallsControllerTest.cls expect from the Apex.
 */
import { ControllerError, LocalControllers } from '../../src/org-api/local';
import { Connection } from 'jsforce';
import { CALLS_QUERY, RECORD_CALLS_QUERY } from '../../src/org-api/contract';
import type { AgentsView, CallPage, SettingsView } from '../../src/org-api/contract';
import type { TestOrg } from '../helpers/local-org';
import { setOrgSettings, testOrg } from '../helpers/local-org';

let org: TestOrg;
let controllers: LocalControllers;
let contactId: string;

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ControllerError);
    return (error as Error).message;
  }
  throw new Error('expected a ControllerError');
}

beforeAll(async () => {
  org = await testOrg({ seed: 'none' });
  controllers = new LocalControllers(org.conn, org.org.orgId);
  contactId = ((await org.conn.sobject('Contact').create({ LastName: 'Martin' })) as { id: string }).id;
  const tasks = Array.from({ length: 12 }, (_, i) => ({
    WhoId: contactId,
    Subject: `Call ${i}`,
    Status: 'Completed',
    ActivityDate: `2026-01-${String(i + 1).padStart(2, '0')}`,
    TaskSubtype: 'Call',
    CallType: 'Inbound',
    CallDurationInSeconds: 60 + i,
    Aircall_Id__c: `call:${i}`,
    Aircall_Type__c: 'inbound_answered',
    Aircall_Wait_Seconds__c: 7,
    Aircall_Trace__c: 'R1: inbound answered call: the workflow says Completed'
  }));
  await org.conn.sobject('Task').create([...tasks, { WhoId: contactId, Subject: 'Not from Aircall' }], {
    allOrNone: true
  });
});
afterAll(async () => {
  await org.close();
});

describe('AircallSettingsController, answered locally', () => {
  it('reads the defaults when the org has no row, and saves over the stored values', async () => {
    const first = (await controllers.invoke('AircallSettingsController.getSettings', {})) as SettingsView;
    expect(first).toMatchObject({ canEdit: true, problems: [] });
    expect(first.values.Missed_Call__c).toBe('InProgress');

    const saved = (await controllers.invoke('AircallSettingsController.saveSettings', {
      values: { Unknown_Number__c: 'Lead', Related_Record__c: 'Case', Create_Case__c: true }
    })) as SettingsView;
    expect(saved.values).toMatchObject({
      Unknown_Number__c: 'Lead',
      Create_Case__c: true,
      Missed_Call__c: 'InProgress'
    });
    const again = (await controllers.invoke('AircallSettingsController.saveSettings', {
      values: { Missed_Call__c: 'Completed' }
    })) as SettingsView;
    expect(again.values).toMatchObject({ Unknown_Number__c: 'Lead', Missed_Call__c: 'Completed' });
  });

  it('refuses invalid values with the Apex messages and saves nothing', async () => {
    expect(
      await messageOf(
        controllers.invoke('AircallSettingsController.saveSettings', { values: { Unknown_Number__c: 'Opportunity' } })
      )
    ).toBe(
      'Aircall_Settings__c.Unknown_Number__c has the invalid value "Opportunity"; allowed values: Contact, Lead, Account, None.'
    );
    expect(
      await messageOf(
        controllers.invoke('AircallSettingsController.saveSettings', {
          values: { Related_Record__c: 'Opportunity' }
        })
      )
    ).toBe('Aircall_Settings__c.Create_Case__c can be checked only when Related_Record__c is Case (R9).');
    expect(await messageOf(controllers.invoke('AircallSettingsController.saveSettings', { values: {} }))).toBe(
      'Nothing to save: send the settings to change, by API name.'
    );
    const view = (await controllers.invoke('AircallSettingsController.getSettings', {})) as SettingsView;
    expect(view.values.Related_Record__c).toBe('Case');
  });

  it('reports invalid stored values as problems', async () => {
    await setOrgSettings(org, { Voicemail__c: 'Later' });
    const view = (await controllers.invoke('AircallSettingsController.getSettings', {})) as SettingsView;
    expect(view.problems).toEqual([
      'Aircall_Settings__c.Voicemail__c has the invalid value "Later"; allowed values: Completed, InProgress, DoNothing.'
    ]);
    await setOrgSettings(org, { Voicemail__c: 'InProgress' });
  });
});

describe('the agent mapping (R12), answered locally', () => {
  it('maps an agent by username or email, lists it, and removes it with a blank email', async () => {
    const user = await org.conn.sobject('User').create({
      Username: 'ravi.patel@acme.example.sf',
      Email: 'ravi@acme.example',
      LastName: 'Patel',
      IsActive: true
    });
    const saved = (await controllers.invoke('AircallAgentsController.saveAgent', {
      salesforceUser: 'ravi.patel@acme.example.sf',
      aircallEmail: ' Ravi.Patel@Aircall-Login.example '
    })) as AgentsView;
    expect(saved).toEqual({
      canEdit: true,
      agents: [
        { userId: user.id, name: 'Patel', email: 'ravi@acme.example', aircallEmail: 'ravi.patel@aircall-login.example' }
      ]
    });
    expect(await controllers.invoke('AircallAgentsController.getAgents', {})).toEqual(saved);
    const byEmail = (await controllers.invoke('AircallAgentsController.saveAgent', {
      salesforceUser: 'ravi@acme.example',
      aircallEmail: 'ravi@aircall-login.example'
    })) as AgentsView;
    expect(byEmail.agents.map((a) => a.aircallEmail)).toEqual(['ravi@aircall-login.example']);
    const removed = (await controllers.invoke('AircallAgentsController.saveAgent', {
      salesforceUser: user.id,
      aircallEmail: ''
    })) as AgentsView;
    expect(removed.agents).toEqual([]);
  });

  it('refuses a missing or unknown user and an invalid email with the Apex messages', async () => {
    const save = (salesforceUser: string, aircallEmail: string) =>
      messageOf(controllers.invoke('AircallAgentsController.saveAgent', { salesforceUser, aircallEmail }));
    expect(await save(' ', 'a@b.example')).toBe('Give the username or the email of the Salesforce user.');
    expect(await save('nobody@nowhere.example', 'a@b.example')).toBe(
      'No active Salesforce user has the username or email "nobody@nowhere.example".'
    );
    expect(await save('ravi@acme.example', 'not an email')).toBe(
      'The Aircall email "not an email" is not an email address: give the email the agent signs in to Aircall with.'
    );
    await org.conn.sobject('User').create([
      { Username: 'twin.one@acme.example.sf', Email: 'twin@acme.example', LastName: 'One', IsActive: true },
      { Username: 'twin.two@acme.example.sf', Email: 'twin@acme.example', LastName: 'Two', IsActive: true }
    ]);
    expect(await save('twin@acme.example', 'a@b.example')).toBe(
      'Several active Salesforce users have the email "twin@acme.example": give the username instead.'
    );
  });

  it('refuses an Aircall email already mapped to another user, naming that user (R12)', async () => {
    const save = (salesforceUser: string, aircallEmail: string) =>
      controllers.invoke('AircallAgentsController.saveAgent', { salesforceUser, aircallEmail });
    await org.conn.sobject('User').create([
      { Username: 'ann.first@acme.example.sf', Email: 'ann@acme.example', LastName: 'First', IsActive: true },
      { Username: 'bob.second@acme.example.sf', Email: 'bob@acme.example', LastName: 'Second', IsActive: true }
    ]);
    await save('ann.first@acme.example.sf', 'shared@aircall-login.example');
    expect(await messageOf(save('bob.second@acme.example.sf', 'shared@aircall-login.example'))).toBe(
      'The Aircall email "shared@aircall-login.example" is already mapped to "First": an agent\'s calls can go to one Salesforce user only. Remove that mapping first.'
    );
    // The same email saved again on its own user is no conflict.
    await expect(save('ann.first@acme.example.sf', 'shared@aircall-login.example')).resolves.toBeDefined();
  });
});

describe('AircallCallsController, answered locally', () => {
  it('pages through the calls of a record, newest first, Aircall Tasks only', async () => {
    const first = (await controllers.invoke('AircallCallsController.getCalls', {
      recordId: contactId,
      pageSize: 10,
      offset: 0
    })) as CallPage;
    expect(first.calls).toHaveLength(10);
    expect(first).toMatchObject({ hasMore: true, nextOffset: 10 });
    expect(first.calls[0]).toMatchObject({
      aircallId: 'call:11',
      type: 'inbound_answered',
      direction: 'Inbound',
      activityDate: '2026-01-12',
      durationSeconds: 71,
      waitSeconds: 7
    });
    expect(typeof first.calls[0]!.ownerName).toBe('string');
    expect(first.calls[0]!.createdDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const second = (await controllers.invoke('AircallCallsController.getCalls', {
      recordId: contactId,
      pageSize: 10,
      offset: first.nextOffset
    })) as CallPage;
    expect(second.calls.map((c) => c.aircallId)).toEqual(['call:1', 'call:0']);
    expect(second).toMatchObject({ hasMore: false, nextOffset: 12 });
  });

  it('defaults the page and refuses bad bounds with the Apex messages', async () => {
    const page = (await controllers.invoke('AircallCallsController.getCalls', { recordId: contactId })) as CallPage;
    expect(page.calls).toHaveLength(10);
    const call = (params: object) => messageOf(controllers.invoke('AircallCallsController.getCalls', params));
    expect(await call({ recordId: contactId, pageSize: 51 })).toBe('The page size must be between 1 and 50.');
    expect(await call({ recordId: contactId, pageSize: 0 })).toBe('The page size must be between 1 and 50.');
    expect(await call({ recordId: contactId, offset: 2001 })).toBe(
      'The offset must be between 0 and 2000: narrow the list instead of paging further.'
    );
    expect(await call({ recordId: null })).toBe('Give the Id of the record whose Aircall calls to show.');
    expect(await call({ recordId: "003' OR Id != '" })).toMatch(/^Invalid parameter recordId/);
    expect(await call({ recordId: contactId, colour: 'red' })).toMatch(/^Invalid parameter/);
  });

  it('gives the guidance with the object label', async () => {
    expect(await controllers.invoke('AircallCallsController.getGuidance', { recordId: contactId })).toMatchObject({
      canSeeGuidance: true,
      objectLabel: 'Contact'
    });
  });

  it('knows no other method', async () => {
    expect(await messageOf(controllers.invoke('AircallCallsController.deleteAll', {}))).toBe(
      'No @AuraEnabled method AircallCallsController.deleteAll.'
    );
  });
});

/**
 * USER_MODE: the Apex runs each helper query as the user, so a field or object the user's
 * permission sets do not grant fails it on a real org ("Enforce User Mode for Database
 * Operations", apex_classes_enforce_usermode). The local org applies the package's permission
 * sets to a user created with them (object permissions, field-level security on custom fields:
 * packages/local-org/src/permissions.ts), so both queries run here as an agent would run them.
 */
describe("the helper's queries in user mode, as an Aircall_User agent", () => {
  const asUser = (permissionSets: string[], name: string) => {
    const user = org.org.createUser(
      { Username: `${name}@local-org.invalid`, Email: `${name}@example.com`, LastName: name },
      { permissionSets }
    );
    return new Connection({ instanceUrl: org.instanceUrl, accessToken: user.accessToken, version: org.conn.version });
  };
  const bound = (query: string) => `${query.replace(/:recordId/g, `'${contactId}'`)} LIMIT 51 OFFSET 0`;

  it('every field of the Task query and of the call record query is readable with Aircall_User', async () => {
    const agent = asUser(['Aircall_User'], 'helperagent');
    await expect(agent.query(bound(CALLS_QUERY))).resolves.toMatchObject({ totalSize: 12 });
    await expect(agent.query(bound(RECORD_CALLS_QUERY))).resolves.toMatchObject({ totalSize: 0 });
  });

  it('without the permission set, the call records are not there for the user', async () => {
    const outsider = asUser([], 'helperoutsider');
    await expect(outsider.query(bound(RECORD_CALLS_QUERY))).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
  });
});
