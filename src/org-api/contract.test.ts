import { MESSAGES, formatMessage, settingsViewValues, validateSettingsInput } from './contract';
import { SettingsError } from '../settings/errors';

// The same inputs and expected messages as AircallSettingsControllerTest.cls.
describe('settings validation shared with the Apex controller', () => {
  it('merges valid values over the stored row', () => {
    expect(validateSettingsInput({ Unknown_Number__c: 'Lead' }, { Missed_Call__c: 'Completed' })).toEqual({
      ok: true,
      row: { Missed_Call__c: 'Completed', Unknown_Number__c: 'Lead' }
    });
  });

  it('rejects a value outside the list, naming field, value and allowed values', () => {
    expect(validateSettingsInput({ Unknown_Number__c: 'Opportunity' }, {})).toEqual({
      ok: false,
      messages: [
        'Aircall_Settings__c.Unknown_Number__c has the invalid value "Opportunity"; allowed values: Contact, Lead, Account, None.'
      ]
    });
    expect(validateSettingsInput({ Log_Messages__c: 'yes' }, {})).toEqual({
      ok: false,
      messages: ['Aircall_Settings__c.Log_Messages__c has the invalid value "yes"; allowed values: true, false.']
    });
  });

  it('reports every invalid value, unknown fields and empty saves', () => {
    const result = validateSettingsInput({ Missed_Call__c: 'completed', Voicemail__c: 'Later', Colour__c: 'red' }, {});
    expect(result.ok).toBe(false);
    const messages = result.ok ? [] : result.messages;
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(
      /^Aircall_Settings__c has no field Colour__c; the settings are: Outbound_Answered__c, /
    );
    expect(messages[1]).toContain('Missed_Call__c has the invalid value "completed"');
    expect(messages[2]).toContain('Voicemail__c has the invalid value "Later"');
    expect(validateSettingsInput({}, {})).toEqual({ ok: false, messages: [MESSAGES.noValues] });
  });

  it('allows Create a Case only with the Case relation (R9)', () => {
    expect(validateSettingsInput({ Related_Record__c: 'Opportunity', Create_Case__c: true }, {})).toEqual({
      ok: false,
      messages: [MESSAGES.createCaseNeedsCase]
    });
    expect(validateSettingsInput({ Create_Case__c: true }, { Related_Record__c: 'Case' }).ok).toBe(true);
  });

  it('shows stored values with defaults for blanks, and reports invalid ones', () => {
    const { values, problems } = settingsViewValues({ Missed_Call__c: 'Later', Voicemail__c: null });
    expect(values.Missed_Call__c).toBe('Later');
    expect(values.Voicemail__c).toBe('InProgress');
    expect(values.Log_Messages__c).toBe(true);
    expect(problems).toEqual([
      'Aircall_Settings__c.Missed_Call__c has the invalid value "Later"; allowed values: Completed, InProgress, DoNothing.'
    ]);
    expect(settingsViewValues({ Related_Record__c: 'Case', Create_Case__c: true }).problems).toEqual([]);
  });

  it('gives the service the same message, with what to do next', () => {
    const error = new SettingsError('Missed_Call__c', 'Later', ['Completed', 'InProgress', 'DoNothing']);
    expect(error.message).toBe(
      `${formatMessage(MESSAGES.invalidValue, 'Missed_Call__c', '"Later"', 'Completed, InProgress, DoNothing')} Fix it in the Aircall Settings tab; events wait until then.`
    );
  });
});
