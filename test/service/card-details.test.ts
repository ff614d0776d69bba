/**
 * An insight card's details never fail the snapshot a Task is logged with. Apex in user mode
 * answers a query naming a field the user cannot read with a QueryException
 * (apex_classes_enforce_usermode), and AircallCardDetails then leaves that part of the card out.
 * The local org models field-level security on custom fields only (docs/local-org.md), so the
 * refusal of a standard field (Case.Subject) is made here, in the context the stand-in runs on,
 * with the local org's own error.
 */
import { Connection } from 'jsforce';
import { SfError } from '../../packages/local-org/src/errors';
import { OrgGateway } from '../../src/salesforce/gateway';
import type { LocalApexContext } from '../../src/org-api/snapshot-local';
import { localSnapshot } from '../../src/org-api/snapshot-local';
import { SNAPSHOT_MAPPING } from '../../src/org-api/snapshot';
import type { TestOrg } from '../helpers/local-org';
import { API_VERSION, setOrgSettings, testOrg } from '../helpers/local-org';
import { integrationLogin } from '../helpers/service';

let org: TestOrg;
let gateway: OrgGateway;
const ids: Record<string, string> = {};

beforeAll(async () => {
  // The integration user may not read Case.Subject: its queries that name it are refused.
  const refusing = (ctx: LocalApexContext): LocalApexContext => ({
    ...ctx,
    query: (soql) => {
      if (/\bFROM Case\b/.test(soql) && /\bSubject\b/.test(soql))
        throw new SfError(400, 'INVALID_FIELD', "No such column 'Subject' on entity 'Case'.");
      return ctx.query(soql);
    }
  });
  org = await testOrg({
    apexRest: { [SNAPSHOT_MAPPING]: (request, ctx) => localSnapshot(request, refusing(ctx)) }
  });
  await setOrgSettings(org, { Related_Record__c: 'Case' });
  const make = async (object: string, values: Record<string, unknown>) =>
    ((await org.conn.sobject(object).create(values)) as { id: string }).id;
  ids.account = await make('Account', { Name: 'Acme' });
  ids.contact = await make('Contact', { LastName: 'Martin', Phone: '+33 6 12 34 56 78', AccountId: ids.account });
  ids.case = await make('Case', { ContactId: ids.contact, Subject: 'Secret', Status: 'New' });
  const login = integrationLogin(org);
  const conn = new Connection({ instanceUrl: org.instanceUrl, accessToken: login.accessToken, version: API_VERSION });
  gateway = new OrgGateway(conn, API_VERSION, 'apex');
  await gateway.init();
});
afterAll(() => org.close());

it('reads the snapshot and the card details it may, without the Case title it may not', async () => {
  const read = await gateway.read({
    numbers: [{ e164: '+33612345678', hints: ['FR'] }],
    emails: [],
    externalIds: [],
    details: true
  });
  expect(read.candidates.get('+33612345678')!.map((c) => c.id)).toEqual([ids.contact]);
  expect(read.openRelated.get(ids.contact!)!.map((r) => r.id)).toEqual([ids.case]);
  expect(read.details.records.get(ids.contact!)).toMatchObject({ accountName: 'Acme' });
  expect(read.details.related.get(ids.case!)).toEqual({ number: null, title: null, status: null });
});

it('reads the snapshot a Task is logged with as before: no card field in it', async () => {
  const read = await gateway.read({ numbers: [{ e164: '+33612345678', hints: ['FR'] }], emails: [], externalIds: [] });
  expect(read.openRelated.get(ids.contact!)!.map((r) => r.id)).toEqual([ids.case]);
  expect(read.details.records.size).toBe(0);
});
