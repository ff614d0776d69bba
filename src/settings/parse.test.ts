import { SettingsError } from './errors';
import { defaultSettings, parseSettings, parseSettingsOrThrow, settingsToRow } from './parse';
import { SETTINGS_FIELDS } from './schema';

describe('settings (contract §1)', () => {
  it('uses every default of the contract when the org has no row', () => {
    expect(defaultSettings()).toEqual({
      callWorkflow: {
        outbound_answered: 'Completed',
        outbound_unanswered: 'Completed',
        inbound_answered: 'Completed',
        missed: 'InProgress',
        voicemail: 'InProgress'
      },
      logWhenClosed: true,
      unknownNumber: 'None',
      relatedRecord: 'None',
      createCase: false,
      logMessages: true,
      logMode: 'TaskAndRecord',
      followUpTasks: 'None',
      insightCards: true,
      apiShare: 'None'
    });
  });

  it('reads a full row and round-trips through settingsToRow', () => {
    const row = {
      Outbound_Answered__c: 'InProgress',
      Outbound_Unanswered__c: 'DoNothing',
      Inbound_Answered__c: 'Completed',
      Missed_Call__c: 'DoNothing',
      Voicemail__c: 'Completed',
      Log_When_Closed__c: false,
      Unknown_Number__c: 'Lead',
      Related_Record__c: 'Case',
      Create_Case__c: true,
      Log_Messages__c: false,
      Log_Mode__c: 'RecordOnly',
      Follow_Up_Tasks__c: '3',
      Insight_Cards__c: false,
      API_Share__c: '10'
    };
    const settings = parseSettingsOrThrow({ ...row, Id: 'a00000000000001AAA', SetupOwnerId: '00D000000000001AAA' });
    expect(settings.callWorkflow.outbound_unanswered).toBe('DoNothing');
    expect(settings.unknownNumber).toBe('Lead');
    expect(settingsToRow(settings)).toEqual(row);
  });

  it('treats blank fields of an existing row as defaults', () => {
    expect(parseSettingsOrThrow({ Missed_Call__c: null, Unknown_Number__c: '' })).toEqual(defaultSettings());
  });

  it.each([
    ['Outbound_Answered__c', 'completed', 'Completed, InProgress, DoNothing'],
    ['Voicemail__c', 'In Progress', 'Completed, InProgress, DoNothing'],
    ['Unknown_Number__c', 'Person', 'Contact, Lead, Account, None'],
    ['Related_Record__c', 'Opp', 'None, Case, Opportunity'],
    ['Log_Messages__c', 'yes', 'true, false'],
    ['API_Share__c', '10 %', 'None, 5, 10, 25, 50']
  ])('rejects %s = %j, naming the field, the value and the allowed values', (field, value, allowed) => {
    const result = parseSettings({ [field]: value });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const [error] = result.errors;
    expect(error).toBeInstanceOf(SettingsError);
    expect(error?.field).toBe(field);
    expect(error?.value).toBe(value);
    expect(error?.message).toContain(field);
    expect(error?.message).toContain(JSON.stringify(value));
    expect(error?.message).toContain(allowed);
  });

  it('reports every invalid field in table order', () => {
    const result = parseSettings({ Voicemail__c: 'x', Outbound_Answered__c: 'y' });
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toEqual(['Outbound_Answered__c', 'Voicemail__c']);
    expect(() => parseSettingsOrThrow({ Voicemail__c: 'x' })).toThrow(/Voicemail__c/);
  });

  it('describes every contract field once, with unique API names', () => {
    const names = SETTINGS_FIELDS.map((f) => f.apiName);
    expect(new Set(names).size).toBe(names.length);
    // The ten of contract §1, Log_Mode__c and Follow_Up_Tasks__c (issue #31), Insight_Cards__c (issue #32) and API_Share__c (issue #33).
    expect(names).toHaveLength(14);
  });
});
