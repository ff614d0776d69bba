/** Builders for rules-engine inputs: a classified call or message, settings, an org snapshot. */
import { classifyCall, classifyMessage } from '../../src/aircall/classify';
import type { ClassifyOptions } from '../../src/aircall/classify';
import { parseCall, parseMessage } from '../../src/aircall/schemas';
import { defaultSettings } from '../../src/settings/parse';
import type { Settings } from '../../src/settings/schema';
import type { CandidateRecord, OrgSnapshot, Plan } from '../../src/rules/types';
import { plan } from '../../src/rules/engine';
import { callData, messageData } from '../fixtures/aircall-builders';
import type { Json } from '../fixtures/aircall-builders';

export const INTEGRATION_USER = '005000000000001AAA';
export const AGENT_USER = '005000000000002AAA';
export const CALLER = '+33612345678';

export const call = (patch: Json = {}, options: ClassifyOptions = {}) =>
  classifyCall(parseCall(callData(patch)), options);
export const message = (patch: Json = {}) => classifyMessage(parseMessage(messageData(patch)));

export function settings(
  patch: Partial<Omit<Settings, 'callWorkflow'>> & { callWorkflow?: Partial<Settings['callWorkflow']> } = {}
): Settings {
  const base = defaultSettings();
  return { ...base, ...patch, callWorkflow: { ...base.callWorkflow, ...patch.callWorkflow } };
}

export function org(patch: Partial<OrgSnapshot> = {}): OrgSnapshot {
  return {
    candidates: [],
    openCases: {},
    openOpportunities: {},
    users: [{ id: AGENT_USER, email: 'jane.doe@example.com', isActive: true }],
    integrationUserId: INTEGRATION_USER,
    ...patch
  };
}

let counter = 0;
const PREFIX = { Contact: '003', Lead: '00Q', Account: '001', PersonAccount: '001' } as const;
export function record(kind: CandidateRecord['kind'], patch: Partial<CandidateRecord> = {}): CandidateRecord {
  counter += 1;
  const id = `${PREFIX[kind]}00000000${String(counter).padStart(4, '0')}AAA`;
  return {
    kind,
    id,
    name: `${kind} ${counter}`,
    phones: ['+33 6 12 34 56 78'],
    lastModifiedDate: '2025-11-01T10:00:00.000Z',
    ...(kind === 'PersonAccount'
      ? { personContactId: `003P0000000${String(counter).padStart(4, '0')}AAA`, accountId: id }
      : {}),
    ...patch
  };
}

export const run = (
  item: ReturnType<typeof call> | ReturnType<typeof message>,
  s: Settings = settings(),
  o: OrgSnapshot = org()
): Plan => plan({ item, settings: s, org: o });

export function logged(p: Plan) {
  if (p.outcome !== 'log')
    throw new Error(
      `expected a log plan, got skip ${p.reason}:\n${p.trace.map((l) => `${l.rule}: ${l.text}`).join('\n')}`
    );
  return p;
}

export const rules = (p: Plan) => p.trace.map((l) => l.rule);
