/**
 * `--seed demo`: a small, believable org whose users match the demo Aircall agents, with
 * numbers stored in the formats real orgs hold (so matching is exercised), open and closed
 * Cases, an Opportunity with a contact role, and a person account when enabled.
 */
import type { LocalOrg } from './org';

export const DEMO_AGENTS = [
  { name: 'Jane Doe', email: 'jane.doe@example.com' },
  { name: 'Marc Dupont', email: 'marc.dupont@example.com' },
  { name: 'Priya Shah', email: 'priya.shah@example.com', inactive: true }
] as const;

export function seedDemo(org: LocalOrg): void {
  const store = org.store;
  if (store.meta.get('seeded') === 'demo') return;
  const admin = org.admin;
  const days = (n: number) => new Date(store.now() + n * 86_400_000).toISOString().slice(0, 10);
  store.transaction(() => {
    for (const agent of DEMO_AGENTS) {
      const [first, last] = agent.name.split(' ');
      store.insert(
        'User',
        {
          Username: `${agent.email}.local`,
          Email: agent.email,
          FirstName: first,
          LastName: last,
          IsActive: !('inactive' in agent)
        },
        admin
      );
    }
    const acme = store.insert(
      'Account',
      { Name: 'Acme Corporation', Phone: '+33 1 76 00 00 10', Industry: 'Manufacturing' },
      admin
    );
    const globex = store.insert('Account', { Name: 'Globex', Phone: '(415) 555-0199', BillingCountry: 'USA' }, admin);
    const alice = store.insert(
      'Contact',
      {
        FirstName: 'Alice',
        LastName: 'Martin',
        AccountId: acme,
        Phone: '+33 6 12 34 56 78',
        Email: 'alice.martin@acme.example'
      },
      admin
    );
    const bob = store.insert(
      'Contact',
      {
        FirstName: 'Bob',
        LastName: 'Smith',
        AccountId: globex,
        MobilePhone: '(415) 555-0142',
        Email: 'bob@globex.example'
      },
      admin
    );
    store.insert(
      'Contact',
      { FirstName: 'Chloé', LastName: 'Bernard', AccountId: acme, Phone: '0033 6 98 76 54 32' },
      admin
    );
    store.insert(
      'Lead',
      { FirstName: 'David', LastName: 'Leroy', Company: 'Leroy SARL', Phone: '01 84 88 00 00', LeadSource: 'Web' },
      admin
    );
    store.insert(
      'Lead',
      { FirstName: 'Emma', LastName: 'Wilson', Company: 'Wilson Ltd', MobilePhone: '+44 20 7946 0958' },
      admin
    );
    store.insert('Case', { Subject: 'Invoice question', ContactId: alice, Status: 'Working', Origin: 'Phone' }, admin);
    store.insert('Case', { Subject: 'Delivery delayed', ContactId: alice, Status: 'Closed', Origin: 'Email' }, admin);
    store.insert('Case', { Subject: 'Login problem', ContactId: bob, Status: 'New', Origin: 'Web' }, admin);
    store.insert(
      'Opportunity',
      {
        Name: 'Globex renewal',
        AccountId: globex,
        StageName: 'Negotiation/Review',
        CloseDate: days(30),
        Amount: 24000,
        ContactId: bob
      },
      admin
    );
    if (store.schema.personAccounts) {
      const personType = [...store.table('RecordType').values()].find((r) => r.IsPersonType === true);
      store.insert(
        'Account',
        {
          RecordTypeId: personType?.Id,
          FirstName: 'Hugo',
          LastName: 'Petit',
          PersonMobilePhone: '+33 7 11 22 33 44',
          PersonEmail: 'hugo.petit@example.com'
        },
        admin
      );
    }
    store.setMeta('seeded', 'demo');
  });
}
