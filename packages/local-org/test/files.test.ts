/**
 * Conformance of Salesforce Files on a record (docs/local-org.md, "Files"): a ContentVersion
 * inserted with its content as base64 in JSON (REST API Developer Guide, "Insert or Update Blob
 * Data"), its ContentDocument and the ContentDocumentLink FirstPublishLocationId makes (Object
 * Reference: ContentVersion, ContentDocument, ContentDocumentLink), the blob read back (sObject
 * Blob Retrieve, refused inside Composite API requests), and ContentDocumentLink's query
 * restrictions (real answers, see soql.ts).
 */
import type { TestOrg } from './helpers';
import { API_VERSION, failure, raw, testOrg } from './helpers';

let org: TestOrg;
let accountId: string;
beforeAll(async () => {
  org = await testOrg({ seed: 'none' });
  accountId = ((await org.conn.sobject('Account').create({ Name: 'Files Inc' })) as { id: string }).id;
});
afterAll(async () => {
  await org.close();
});

const TEXT = 'Bonjour, ici le support. Ça va ?\n';
const insertVersion = async (extra: Record<string, unknown> = {}) =>
  (
    (await org.conn.sobject('ContentVersion').create({
      Title: 'Notes',
      PathOnClient: 'notes.txt',
      VersionData: Buffer.from(TEXT, 'utf8').toString('base64'),
      FirstPublishLocationId: accountId,
      ...extra
    })) as { id: string }
  ).id;

describe('ContentVersion', () => {
  it('creates its document, shares it with the first publish location, and serves the content', async () => {
    const versionId = await insertVersion();
    const [version] = (
      await org.conn.query<Record<string, unknown>>(
        `SELECT ContentDocumentId, IsLatest, VersionNumber, FileType, FileExtension, ContentSize, VersionData FROM ContentVersion WHERE Id = '${versionId}'`
      )
    ).records;
    expect(version).toMatchObject({
      IsLatest: true,
      VersionNumber: '1',
      FileType: 'TEXT',
      FileExtension: 'txt',
      ContentSize: Buffer.byteLength(TEXT),
      // A blob is queried as the URL of its content, never inline.
      VersionData: `/services/data/v${API_VERSION}/sobjects/ContentVersion/${versionId}/VersionData`
    });
    const documentId = String(version!.ContentDocumentId);
    const [link, ...others] = (
      await org.conn.query<{ ContentDocumentId: string; ShareType: string; ContentDocument: { Title: string } }>(
        `SELECT ContentDocumentId, ShareType, ContentDocument.Title FROM ContentDocumentLink WHERE LinkedEntityId = '${accountId}' AND ContentDocumentId = '${documentId}'`
      )
    ).records;
    expect(others).toHaveLength(0);
    expect(link).toMatchObject({ ContentDocumentId: documentId, ShareType: 'V', ContentDocument: { Title: 'Notes' } });
    const blob = await fetch(`${org.instanceUrl}${String(version!.VersionData)}`, {
      headers: { Authorization: `Bearer ${org.accessToken}` }
    });
    expect(blob.status).toBe(200);
    expect(await blob.text()).toBe(TEXT);
  });

  it('refuses content that is not base64, a missing content, and a record of no object', async () => {
    expect((await failure(insertVersion({ VersionData: 'not base64!' }))).name).toBe('JSON_PARSER_ERROR');
    expect((await failure(insertVersion({ VersionData: null }))).name).toBe('REQUIRED_FIELD_MISSING');
    expect((await failure(insertVersion({ PathOnClient: null }))).name).toBe('REQUIRED_FIELD_MISSING');
    expect((await failure(insertVersion({ FirstPublishLocationId: '001000000000000AAA' }))).name).toBe(
      'INVALID_CROSS_REFERENCE_KEY'
    );
  });

  it('serves the content only as a request of its own: not in composite, not in a batch', async () => {
    const versionId = await insertVersion();
    const url = `/services/data/v${API_VERSION}/sobjects/ContentVersion/${versionId}/VersionData`;
    const before = org.org.refusals.length;
    const composite = await raw(org, 'POST', `/services/data/v${API_VERSION}/composite`, {
      compositeRequest: [{ method: 'GET', url, referenceId: 'blob' }]
    });
    const [sub] = (composite.body as { compositeResponse: { httpStatusCode: number; body: unknown }[] })
      .compositeResponse;
    expect(sub!.httpStatusCode).toBe(400);
    expect(sub!.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_API_INPUT' })]);
    const batch = await raw(org, 'POST', `/services/data/v${API_VERSION}/composite/batch`, {
      batchRequests: [{ method: 'GET', url: url.replace('/services/data/', '') }]
    });
    expect(batch.body).toMatchObject({ hasErrors: true, results: [{ statusCode: 400 }] });
    expect(org.org.refusals.slice(before).map((r) => r.rule)).toEqual(['composite-blob-get', 'composite-blob-get']);
    // Its other fields are read in composite as ever.
    const fields = await raw(org, 'POST', `/services/data/v${API_VERSION}/composite`, {
      compositeRequest: [{ method: 'GET', url: url.replace('/VersionData', '?fields=Title'), referenceId: 'row' }]
    });
    expect(fields.body).toMatchObject({ compositeResponse: [{ httpStatusCode: 200, body: { Title: 'Notes' } }] });
  });

  it('cannot create a ContentDocument directly: a document comes with its first version', async () => {
    const reply = await raw(org, 'POST', `/services/data/v${API_VERSION}/sobjects/ContentDocument`, { Title: 'x' });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_TYPE_FOR_OPERATION' })]);
  });
});

describe("ContentDocumentLink's query restrictions", () => {
  const query = (where: string) =>
    failure(
      Promise.resolve(
        org.conn.query(`SELECT Id, LinkedEntityId, ContentDocument.Title FROM ContentDocumentLink ${where}`)
      )
    );
  const ID_FILTER =
    "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.";
  const OTHER_FIELD =
    'Implementation restriction: filtering on non-id fields is only permitted when filtering by ContentDocumentLink.LinkedEntityId using the equals operator.';

  it('needs a filter by Id, ContentDocumentId or LinkedEntityId with = or IN', async () => {
    for (const where of ['', "WHERE ShareType = 'V'", `WHERE LinkedEntityId != '${accountId}'`]) {
      const error = await query(where);
      expect(error.name).toBe('MALFORMED_QUERY');
      expect(error.message).toBe(ID_FILTER);
    }
    // A filter under OR does not narrow every row: the local org refuses it too.
    expect((await query(`WHERE LinkedEntityId = '${accountId}' OR ShareType = 'V'`)).message).toBe(ID_FILTER);
  });

  it('filters on another field only beside LinkedEntityId =', async () => {
    const error = await query(`WHERE LinkedEntityId IN ('${accountId}') AND ContentDocument.Title = 'Notes'`);
    expect(error.message).toBe(OTHER_FIELD);
    const rows = await org.conn.query(
      `SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '${accountId}' AND ContentDocument.Title = 'Notes'`
    );
    expect(rows.totalSize).toBeGreaterThan(0);
    const byIn = await org.conn.query(`SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId IN ('${accountId}')`);
    expect(byIn.totalSize).toBe(rows.totalSize);
  });
});
