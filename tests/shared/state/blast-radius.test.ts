import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamo';
import { BlastRadius, capKey, pageKey } from '../../../shared/state/blast-radius';

// The blast-radius cap against dynalite (real conditional writes), with latency
// added to every request so that concurrent claims interleave as over a network:
// however many findings claim at once, exactly the limit is granted, per account
// and overall, and exactly one of them pages.

const WINDOW = '2026-12-02T09:00:00.000Z';
const deadline = { remainingMs: () => 60_000 };
let dynamo: LocalDynamo;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startLocalDynamo('blast-radius-test', { latencyMs: 2 });
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

const taken = async (pk: string) => {
  const { Item } = await client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));
  return { taken: Number(Item?.taken?.N ?? 0), expiresAt: Number(Item?.expiresAt?.N ?? 0) };
};

it('grants exactly N destructive steps to 1,000 concurrent findings of one account, and pages once', async () => {
  const cap = new BlastRadius(client, dynamo.tableName, { perAccount: 10, overall: 25, windowMinutes: 60 }, WINDOW, deadline);
  const claims = await Promise.all(Array.from({ length: 1000 }, () => cap.claim('123456789012', 1)));
  expect(claims.reduce((n, c) => n + c.granted, 0)).toBe(10);
  expect(claims.filter((c) => c.reached).length).toBe(990);
  expect(claims.find((c) => c.reached)?.reached).toMatch(/cap of 10 destructive changes per 60 min in account 123456789012/);
  expect(await taken(capKey(WINDOW, 'account#123456789012'))).toMatchObject({ taken: 10 });
  const pages = await Promise.all(claims.filter((c) => c.reached).map(() => cap.claimPage()));
  expect(pages.filter(Boolean)).toHaveLength(1);
  // Items are bounded in time: they expire (TTL) a day after the window ends.
  expect((await taken(pageKey(WINDOW))).expiresAt).toBe(Date.parse(WINDOW) / 1000 + 3600 + 86_400);
});

it('holds the overall limit across accounts, giving back what an account took when the overall cap refused it', async () => {
  const window = '2026-12-02T10:00:00.000Z';
  const cap = new BlastRadius(client, dynamo.tableName, { perAccount: 10, overall: 25, windowMinutes: 60 }, window, deadline);
  const accounts = Array.from({ length: 5 }, (_, i) => `12345678900${i}`);
  const claims = await Promise.all(Array.from({ length: 1000 }, (_, i) => cap.claim(accounts[i % 5]!, 2)));
  expect(claims.reduce((n, c) => n + c.granted, 0)).toBe(25);
  const perAccount = await Promise.all(accounts.map((a) => taken(capKey(window, `account#${a}`))));
  expect(perAccount.reduce((n, c) => n + c.taken, 0)).toBe(25);
  expect(perAccount.every((c) => c.taken <= 10)).toBe(true);
  expect(claims.some((c) => /over all accounts/.test(c.reached ?? ''))).toBe(true);
});

it('a new window starts from zero', async () => {
  const cap = new BlastRadius(client, dynamo.tableName, { perAccount: 1, overall: 1, windowMinutes: 60 }, '2026-12-02T11:00:00.000Z', deadline);
  expect(await cap.claim('123456789012', 3)).toMatchObject({ granted: 1, reached: expect.any(String) });
  const next = new BlastRadius(client, dynamo.tableName, { perAccount: 1, overall: 1, windowMinutes: 60 }, '2026-12-02T12:00:00.000Z', deadline);
  expect(await next.claim('123456789012', 1)).toEqual({ granted: 1 });
});
