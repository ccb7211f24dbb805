import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamo';
import type { AuditEntry } from '../../../shared/plan/audit';
import { AuditTokenError, AuditTrail, auditId, boundAuditEntry } from '../../../shared/state/audit';

// The audit trail in the state table, through its index: real conditional
// puts and queries against dynalite, with the table serverless.yml deploys.

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let trail: AuditTrail;

beforeAll(async () => {
  dynamo = await startLocalDynamo('cicd-guardian-audit-test');
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  trail = new AuditTrail(client, dynamo.tableName, 400);
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';
let pipelines = 0;
/** A pipeline of its own per test: entries of one test never show in another's listing. */
const freshPipeline = () => `payments-api-${++pipelines}`;

const entry = (pipeline: string, at: string, over: Partial<AuditEntry> = {}): AuditEntry => ({
  capability: 'approval',
  decision: 'approved',
  at,
  account: ACCOUNT,
  region: REGION,
  pipeline,
  stage: 'Prod',
  action: 'Approve',
  executionId: 'c3f1e9a2-4b8d-4e0f-9a6b-2d7c5e1f0a93',
  by: { person: 'alice', automatic: false },
  reasons: ['2 of 2 approvals: alice, bob'],
  policy: 'prod',
  ...over,
});

const list = (pipeline: string, from: string, until: string, limit = 100, next?: string) =>
  trail.list({ account: ACCOUNT, region: REGION, subject: pipeline, from: new Date(from), until: new Date(until), limit, ...(next ? { next } : {}) });

describe('recording', () => {
  it('writes each entry as an item of its own, expiring retentionDays after the decision', async () => {
    const pipeline = freshPipeline();
    const e = entry(pipeline, '2026-12-01T10:00:00.000Z');
    await trail.record(e, 'approved');
    const { Item } = await client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: `AUDIT#${auditId(e, 'approved')}` } } }));
    expect(Item?.auditPk?.S).toBe(`AUDIT#${ACCOUNT}#${REGION}#${pipeline}`);
    expect(Item?.auditAt?.S).toMatch(/^2026-12-01T10:00:00\.000Z#[0-9a-f]{32}$/);
    expect(Number(Item?.expiresAt?.N)).toBe(Date.parse('2026-12-01T10:00:00Z') / 1000 + 400 * 86_400);
    expect(JSON.parse(Item!.entry!.S!)).toEqual(e);
  });

  it('writes an entry once however often it is recorded: a retry that decides it again, later, adds nothing', async () => {
    const pipeline = freshPipeline();
    await trail.record(entry(pipeline, '2026-12-01T10:00:00.000Z'), 'approved');
    await trail.record(entry(pipeline, '2026-12-01T10:00:03.250Z'), 'approved');
    await trail.record(entry(pipeline, '2026-12-01T10:00:03.250Z'), 'approved');
    const { entries } = await list(pipeline, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z');
    expect(entries.map((e) => e.at)).toEqual(['2026-12-01T10:00:00.000Z']);
  });

  it('keeps distinct decisions apart, even at the same instant', async () => {
    const pipeline = freshPipeline();
    const at = '2026-12-01T10:00:00.000Z';
    await trail.record(entry(pipeline, at, { decision: 'vote', by: { person: 'alice', automatic: false } }), 'vote');
    await trail.record(entry(pipeline, at, { decision: 'vote', by: { person: 'bob', automatic: false } }), 'vote');
    expect((await list(pipeline, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z')).entries.map((e) => e.by.person).sort()).toEqual(['alice', 'bob']);
  });

  it('bounds the text it keeps, so an entry never nears the item limit', () => {
    const long = 'x'.repeat(100_000);
    const bounded = boundAuditEntry(entry(long, '2026-12-01T10:00:00+01:00', { reasons: Array.from({ length: 50 }, () => long), by: { principal: long, automatic: false } }));
    expect(JSON.stringify(bounded).length).toBeLessThan(32_000);
    expect(bounded.reasons).toHaveLength(21);
    expect(bounded.reasons[20]).toBe('… and 30 more reasons');
    expect(bounded.at).toBe('2026-12-01T09:00:00.000Z');
  });

  it('refuses an entry whose time is not a time, naming it', async () => {
    await expect(trail.record(entry(freshPipeline(), 'yesterday'))).rejects.toThrow(/not an ISO-8601 time: "yesterday"/);
  });
});

describe('listing', () => {
  it("gives a pipeline's entries in [from, until), oldest first, and none of other pipelines, accounts or regions", async () => {
    const pipeline = freshPipeline();
    const times = ['2026-12-01T23:59:59.999Z', '2026-12-01T00:00:00.000Z', '2026-12-01T12:00:00.000Z', '2026-12-02T00:00:00.000Z', '2026-11-30T23:59:59.999Z'];
    for (const at of times) await trail.record(entry(pipeline, at), `approved ${at}`);
    await trail.record(entry(freshPipeline(), '2026-12-01T12:00:00.000Z'));
    await trail.record(entry(pipeline, '2026-12-01T12:00:00.000Z', { account: '210987654321' }));
    await trail.record(entry(pipeline, '2026-12-01T12:00:00.000Z', { region: 'us-east-1' }));
    const { entries, next } = await list(pipeline, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z');
    expect(entries.map((e) => e.at)).toEqual(['2026-12-01T00:00:00.000Z', '2026-12-01T12:00:00.000Z', '2026-12-01T23:59:59.999Z']);
    expect(next).toBeUndefined();
  });

  it('pages: at most `limit` entries, and a token that continues where the page ended', async () => {
    const pipeline = freshPipeline();
    for (let minute = 0; minute < 5; minute++) await trail.record(entry(pipeline, `2026-12-01T10:0${minute}:00.000Z`));
    const first = await list(pipeline, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', 2);
    const second = await list(pipeline, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', 2, first.next);
    const third = await list(pipeline, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', 2, second.next);
    expect([first, second, third].map((p) => p.entries.map((e) => e.at.slice(11, 16)))).toEqual([['10:00', '10:01'], ['10:02', '10:03'], ['10:04']]);
    expect(third.next).toBeUndefined();
  });

  it("refuses a token that is not one, or is another pipeline's", async () => {
    const pipeline = freshPipeline();
    for (let minute = 0; minute < 2; minute++) await trail.record(entry(pipeline, `2026-12-01T10:0${minute}:00.000Z`));
    const { next } = await list(pipeline, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', 1);
    await expect(list(freshPipeline(), '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', 1, next)).rejects.toThrow(AuditTokenError);
    await expect(list(pipeline, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', 1, 'not-a-token')).rejects.toThrow(/not a token this listing gave out/);
  });
});
