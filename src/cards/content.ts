/**
 * An insight card's blocks for a ringing call (pure): who is calling as the rules would log it
 * (previewRinging), with what the snapshot read for the card. Aircall shows `title`,
 * `shortText` and `link` blocks (developer.aircall.io/docs/insight-cards); its limits are not
 * documented, so the card keeps within the local Aircall's strict ones (packages/local-aircall,
 * cards.ts): at most 10 blocks, texts of 255 characters, labels of 100.
 */
import type { InsightBlock } from '../aircall-api/client';
import type { ClassifiedCall } from '../aircall/classify';
import { AIRCALL_TYPE_LABELS } from '../org-api/contract';
import type { AircallType } from '../org-api/contract';
import type { RingingPreview } from '../rules/engine';
import type { CardDetails } from '../salesforce/gateway';

export const CARD_TEXT_MAX = 255;

const KIND_LABELS = { Contact: 'Contact', Lead: 'Lead', Account: 'Account', PersonAccount: 'Person Account' } as const;

const clip = (text: string, max = CARD_TEXT_MAX) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export interface CardInput {
  readonly call: ClassifiedCall;
  readonly preview: RingingPreview;
  readonly details: CardDetails;
  /** The org's instance URL: each record links to its page there. */
  readonly instanceUrl: string;
}

/** When a call was logged, in the line's time zone (the agent's working day). */
function when(iso: string, timeZone: string | null): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat('en-GB', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: timeZone ?? 'UTC'
    }).format(date);
  } catch {
    return date.toISOString();
  }
}

function shortText(label: string, text: string, link?: string): InsightBlock {
  return { type: 'shortText', label, text: clip(text), ...(link ? { link } : {}) };
}

/** The blocks of the card: at most 7, each within the limits above. */
export function cardContents(input: CardInput): InsightBlock[] {
  const { call, preview, details, instanceUrl } = input;
  const url = (id: string) => `${instanceUrl.replace(/\/$/, '')}/${id}`;
  const target = preview.target;
  const number = call.otherParty.display;
  if (!target || target.kind === 'create') {
    return [
      { type: 'title', text: clip(`Unknown number ${number}`) },
      shortText(
        'Salesforce',
        target
          ? `No record has this number: a new ${target.sobject} will be created when the call is logged.`
          : 'No record has this number, and unknown numbers are not logged (Unknown_Number__c is None).'
      )
    ];
  }
  const record = details.records.get(target.id);
  const blocks: InsightBlock[] = [
    { type: 'title', text: clip(`${target.name ?? number} · ${KIND_LABELS[target.sobject]}`), link: url(target.id) }
  ];
  if (record?.accountName)
    blocks.push(shortText(target.sobject === 'Lead' ? 'Company' : 'Account', record.accountName));
  if (record?.ownerName) blocks.push(shortText('Owner', record.ownerName));
  const related = preview.related;
  if (related?.kind === 'existing') {
    const open = details.related.get(related.id);
    const text = [open?.number, open?.title, open?.status].filter((v): v is string => !!v).join(' · ');
    blocks.push(shortText(`Open ${related.sobject}`, text || related.id, url(related.id)));
  } else if (related?.kind === 'create') {
    blocks.push(shortText('Open Case', 'None: a new Case will be created when the call is logged.'));
  }
  const last = details.lastCalls.get(target.id);
  if (last) {
    const type = last.type ? (AIRCALL_TYPE_LABELS[last.type as AircallType] ?? last.type) : last.subject;
    const text = [when(last.createdDate, call.line.timeZone), last.ownerName, type].filter(Boolean).join(' · ');
    blocks.push(shortText('Last call', text));
  }
  if (preview.holders > 1) {
    const others = preview.holders - 1;
    blocks.push(
      shortText(
        'Same number',
        others === 1 ? '1 other record holds this number.' : `${others} other records hold this number.`
      )
    );
  }
  blocks.push({ type: 'link', label: 'Open in Salesforce', link: url(target.id) });
  return blocks;
}
