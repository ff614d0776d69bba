/**
 * Aircall AI on the call (issue #31) through the real service and the local org: the five AI
 * events, from the documented shapes (test/fixtures/aircall-ai.ts), fold into the call's item and
 * update its Task's description, one Task whatever the order; an AI event that names no call is
 * answered 200 and kept as a dead letter with the reason.
 */
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';
import { AGENT, callData, envelope, T0 } from '../fixtures/aircall-builders';
import { aiEvents } from '../fixtures/aircall-ai';

let svc: TestService;
const CONTACT_PHONE = '+33 6 45 00 00 01';

beforeAll(async () => {
  svc = await testService({ worker: { batchWindowMs: 0 } });
  await svc.org.conn.sobject('Contact').create({ LastName: 'Insight', Phone: CONTACT_PHONE });
}, 60_000);
afterAll(async () => {
  await svc?.close();
});

async function tasksOf(id: number): Promise<{ Id: string; Description: string }[]> {
  const result = await svc.org.conn.query<{ Id: string; Description: string }>(
    `SELECT Id, Description FROM Task WHERE Aircall_Id__c = 'call:${id}'`
  );
  return result.records;
}

const ended = (id: number) => envelope('call.ended', callData({ id, raw_digits: CONTACT_PHONE, user: AGENT }));

describe('Aircall AI on the call', () => {
  it('logs the call at once, then updates its one Task with the summary, topics, sentiment and action items', async () => {
    const id = 8_400_001;
    expect((await svc.post(ended(id))).status).toBe(200);
    await svc.settle();
    const [logged] = await tasksOf(id);
    expect(logged!.Description).not.toContain('Aircall AI summary');
    for (const event of aiEvents(id, T0 + 300)) expect((await svc.post(event)).status).toBe(200);
    await svc.settle();
    const tasks = await tasksOf(id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.Id).toBe(logged!.Id);
    const description = tasks[0]!.Description;
    expect(description).toContain('Aircall AI summary: The customer asked for a quote for 20 seats');
    expect(description).toContain('Topics: pricing, renewal');
    expect(description).toContain('Sentiment: external positive, internal neutral');
    expect(description).toMatch(/Action items:\n- Send the quote for 20 seats by Friday/);
    // The transcript is not put on the Task (its description has no room for a long call).
    expect(description).not.toContain('Hello, Acme support.');
  });

  it('holds AI that comes before the call ended, and logs one Task with it', async () => {
    const id = 8_400_002;
    for (const event of aiEvents(id, T0 + 300).reverse()) expect((await svc.post(event)).status).toBe(200);
    await svc.settle();
    expect(await tasksOf(id)).toHaveLength(0);
    expect((await svc.pipeline.inbox.item(`call:${id}`))?.state).toBe('pending');
    await svc.post(ended(id));
    await svc.settle();
    const tasks = await tasksOf(id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.Description).toContain('Topics: pricing, renewal');
  });

  it('answers 200 to an AI event that names no call, and keeps it as a dead letter saying why', async () => {
    const res = await svc.post(envelope('summary.created', { id: 77, content: 'no call here' }));
    expect(res.status).toBe(200);
    await svc.settle();
    const dead = await svc.pipeline.inbox.deadLetters();
    const letter = dead.find((d) => d.lastError?.includes('summary.created names no call'));
    // Kept on an item of its own, not on call:77 (77 is the summary's id, not a call's).
    expect(letter?.key).toMatch(/^call:unreadable-[0-9a-f]{16}$/);
  });
});
