/**
 * L1: an Aircall AI transcript longer than the call record's field (131,072 characters) is kept
 * whole in a Salesforce File on the record, once. Only such calls cost requests here:
 *
 * - one query a batch for the files their records already have, through ContentDocumentLink
 *   (the only way to ask which files a record has: that object must be filtered by
 *   LinkedEntityId, "= or IN", and a filter on another field such as the title is refused
 *   beside an IN, so the titles are compared here);
 * - one `POST /sobjects/ContentVersion` for each file still missing: the text as base64 in
 *   JSON (a non-multipart body is limited to 37.5 MB of base64, Salesforce REST API Developer
 *   Guide, "Insert or Update Blob Data", far above any transcript), `FirstPublishLocationId` the
 *   record, which shares the new file with it (ContentVersion in the Object Reference).
 *
 * The file's title names the call (transcriptFileTitle), so a retry, a redelivery or a restart
 * after kill -9 finds the file already there and never attaches it twice.
 */
import type { TranscriptFile } from '../rules/call-record';
import type { OrgError } from './errors';
import { toOrgError } from './errors';
import { soqlString } from '../org-api/soql';

export type FileRequest = (req: { method: string; url: string; body?: unknown }) => Promise<unknown>;

/** Record Ids per query: 200 Ids of 18 characters keep the SOQL far below its length limit. */
const IDS_PER_QUERY = 200;

interface LinkRow {
  LinkedEntityId: string;
  ContentDocument: { Title: string } | null;
}

export class TranscriptFiles {
  constructor(
    /** One request of the REST API, counted under `file` by the gateway. */
    private readonly request: FileRequest,
    private readonly base: () => string
  ) {}

  /**
   * Attaches each file to its call record unless the record has it already. Answers, per
   * record Id, null when the file is there, or why it could not be attached (the call is then
   * retried, and the file looked for again).
   */
  async attach(files: readonly { recordId: string; file: TranscriptFile }[]): Promise<Map<string, OrgError | null>> {
    const outcome = new Map<string, OrgError | null>();
    if (files.length === 0) return outcome;
    let present: Set<string>;
    try {
      present = await this.present(files.map((f) => f.recordId));
    } catch (error) {
      const orgError = toOrgError(error);
      for (const f of files) outcome.set(f.recordId, orgError);
      return outcome;
    }
    for (const { recordId, file } of files) {
      if (present.has(`${recordId} ${file.title}`)) {
        outcome.set(recordId, null);
        continue;
      }
      try {
        await this.request({
          method: 'POST',
          url: `${this.base()}/sobjects/ContentVersion`,
          body: {
            Title: file.title,
            PathOnClient: file.fileName,
            VersionData: Buffer.from(file.text, 'utf8').toString('base64'),
            Description: 'The whole Aircall AI transcript of this call, speaker by speaker.',
            FirstPublishLocationId: recordId
          }
        });
        outcome.set(recordId, null);
      } catch (error) {
        outcome.set(recordId, toOrgError(error));
      }
    }
    return outcome;
  }

  /** "<record Id> <file title>" of the files the records have. */
  private async present(recordIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const unique = [...new Set(recordIds)];
    for (let n = 0; n < unique.length; n += IDS_PER_QUERY) {
      const ids = unique
        .slice(n, n + IDS_PER_QUERY)
        .map(soqlString)
        .join(', ');
      const soql = `SELECT LinkedEntityId, ContentDocument.Title FROM ContentDocumentLink WHERE LinkedEntityId IN (${ids})`;
      let page = (await this.request({ method: 'GET', url: `${this.base()}/query?q=${encodeURIComponent(soql)}` })) as {
        records: LinkRow[];
        nextRecordsUrl?: string;
      };
      for (;;) {
        for (const row of page.records)
          if (row.ContentDocument) found.add(`${row.LinkedEntityId} ${row.ContentDocument.Title}`);
        if (!page.nextRecordsUrl) break;
        page = (await this.request({ method: 'GET', url: page.nextRecordsUrl })) as typeof page;
      }
    }
    return found;
  }
}
