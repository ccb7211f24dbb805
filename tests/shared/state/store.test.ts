import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamo';
import { emptyDelivery } from '../../../shared/plan/delivery';
import { StateStore } from '../../../shared/state/store';

// The delivery lease taken in the view's own write, and given back with the
// last delivery record: real conditional writes against dynalite.

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let store: StateStore;

beforeAll(async () => {
  dynamo = await startLocalDynamo('cicd-guardian-store-test');
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  store = new StateStore(client, dynamo.tableName, () => new Date());
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

type View = { events: number };
const more = (v: View | undefined): View => ({ events: (v?.events ?? 0) + 1 });
const lease = (owner: string, owed = true) => ({ lease: { owner, ms: 30_000, wanted: () => owed } });

describe('updateView with a lease request', () => {
  it('takes the free lease in the same write and returns the record as stored, delivery included', async () => {
    const pk = `T#${randomUUID()}`;
    const owner = randomUUID();
    const { record, changed, lease: got } = await store.updateView<View>(pk, more, undefined, lease(owner));
    expect({ changed, got }).toEqual({ changed: true, got: 'ours' });
    expect(record).toMatchObject({ view: { events: 1 }, version: 1, delivery: emptyDelivery(), lease: { owner } });
    // Nobody else gets it until it is given back.
    expect(await store.acquireLock(pk, randomUUID(), 30_000)).toBeUndefined();
  });

  it('writes the view but leaves a lease someone holds: the holder sees the new version when it releases', async () => {
    const pk = `T#${randomUUID()}`;
    await store.updateView<View>(pk, more);
    const holder = randomUUID();
    await store.acquireLock(pk, holder, 30_000);
    const { record, lease: got } = await store.updateView<View>(pk, more, undefined, lease(randomUUID()));
    expect(got).toBe('busy');
    expect(record.view).toEqual({ events: 2 });
    expect(await store.releaseLock(pk, holder)).toBe(2);
  });

  it("reports a dead holder's expired lease, for acquireLock to take over", async () => {
    const pk = `T#${randomUUID()}`;
    await store.updateView<View>(pk, more);
    await store.acquireLock(pk, 'crashed-invocation', -1);
    const owner = randomUUID();
    expect((await store.updateView<View>(pk, more, undefined, lease(owner))).lease).toBe('expired');
    expect(await store.acquireLock(pk, owner, 30_000)).toMatchObject({ view: { events: 2 }, lease: { owner } });
  });

  it('takes no lease when nothing is owed', async () => {
    const pk = `T#${randomUUID()}`;
    const result = await store.updateView<View>(pk, more, undefined, lease(randomUUID(), false));
    expect(result.lease).toBeUndefined();
    expect((await store.get<View>(pk))?.lease).toBeUndefined();
  });
});

describe('releaseLock with the last delivery', () => {
  it('records the delivery and gives the lease back in one write', async () => {
    const pk = `T#${randomUUID()}`;
    const owner = randomUUID();
    await store.updateView<View>(pk, more, undefined, lease(owner));
    const delivery = { ...emptyDelivery(), sent: ['email:default:FAILED@2026-11-20T10:00:00Z'] };
    expect(await store.releaseLock(pk, owner, delivery)).toBe(1);
    const stored = await store.get<View>(pk);
    expect(stored?.delivery).toEqual(delivery);
    expect(stored?.lease).toBeUndefined();
  });

  it('refuses to record without the lease, naming the item, so the retry settles it', async () => {
    const pk = `T#${randomUUID()}`;
    const owner = randomUUID();
    await store.updateView<View>(pk, more, undefined, { lease: { owner, ms: -1, wanted: () => true } });
    await store.acquireLock(pk, 'next-holder', 30_000);
    await expect(store.releaseLock(pk, owner, emptyDelivery())).rejects.toThrow(`the delivery lease on ${pk} expired before the last delivery could be recorded`);
    // Without a delivery to record, a lost lease is simply the next holder's.
    expect(await store.releaseLock(pk, owner)).toBeUndefined();
  });
});

describe('time, as the clock it is given tells it', () => {
  const at = (iso: string) => () => new Date(iso);
  const T = '2025-06-12T14:00:00.000Z';

  it('measures leases by its clock: a lease is taken over only once it has expired by that clock', async () => {
    const pk = `T#${randomUUID()}`;
    const then = new StateStore(client, dynamo.tableName, at(T));
    await then.updateView<View>(pk, more);
    expect(await then.acquireLock(pk, 'first', 60_000)).toMatchObject({ lease: { owner: 'first', until: Date.parse(T) + 60_000 } });
    const halfAMinuteLater = new StateStore(client, dynamo.tableName, at('2025-06-12T14:00:30.000Z'));
    expect(await halfAMinuteLater.acquireLock(pk, 'second', 60_000)).toBeUndefined();
    const twoMinutesLater = new StateStore(client, dynamo.tableName, at('2025-06-12T14:02:00.000Z'));
    expect(await twoMinutesLater.acquireLock(pk, 'second', 60_000)).toMatchObject({ lease: { owner: 'second' } });
  });

  it('dates the item expiry (TTL) from its clock: 30 days after the last write', async () => {
    const pk = `T#${randomUUID()}`;
    await new StateStore(client, dynamo.tableName, at(T)).updateView<View>(pk, more);
    const { Item } = await client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: pk } } }));
    expect(Number(Item?.expiresAt?.N)).toBe(Date.parse(T) / 1000 + 30 * 24 * 3600);
  });
});
