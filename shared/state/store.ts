import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  type GetItemCommandOutput,
  UpdateItemCommand,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { clientFor } from '../runtime/aws.js';
import { signalFor, type Deadline } from '../runtime/deadline.js';
import type { IamNeed } from '../runtime/iam.js';
import type { Delivery } from '../plan/delivery.js';
import { boundDelivery, DELIVERY_BYTES, emptyDelivery } from '../plan/delivery.js';

// The state table: one item per subject (a pipeline execution, a build),
// holding what we know of it (view), what was delivered, a version for
// optimistic concurrency, and a lease lock that serializes deliveries.

/** What the store does to the table: consistent reads and conditional updates, nothing else. */
export const STATE_IAM: IamNeed[] = [{ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: 'stateTable' }];

export interface SubjectRecord<V> {
  view: V;
  delivery: Delivery;
  version: number;
  /** The delivery lease, while someone holds it (or held it and died: it then expires). */
  lease?: { owner: string; until: number };
}

/** Take the delivery lease in the same write as the view, when it is free and `wanted` says there is something to deliver. */
export interface LeaseRequest<V> {
  owner: string;
  ms: number;
  /** `next`: the record as this write makes it; `current`: as it was read. */
  wanted: (next: SubjectRecord<V>, current: SubjectRecord<V> | undefined) => boolean;
}

const DAY_S = 86_400;
/** Approvals can wait 7 days; keep records well past that. */
const RETENTION_S = 30 * DAY_S;
/** Without a deadline (callers that pass none), write conflicts are retried this often. */
const MAX_WRITE_ATTEMPTS = 12;
/** Backoff between conflicting writes: full jitter over an exponential bound (ms). */
const BACKOFF_BASE_MS = 10;
const BACKOFF_CAP_MS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class StateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    /** The invocation's clock: lease times and item expiry are measured by it. */
    readonly now: () => Date,
    /** When given, no call outlives it (an answer Slack waits for): each carries an abort signal that fires then. */
    private readonly bound?: Deadline,
  ) {}

  private readonly callOptions = () => (this.bound ? { abortSignal: signalFor(this.bound) } : {});
  private send(command: GetItemCommand): Promise<GetItemCommandOutput>;
  private send(command: UpdateItemCommand): Promise<UpdateItemCommandOutput>;
  private send(command: GetItemCommand | UpdateItemCommand): Promise<GetItemCommandOutput | UpdateItemCommandOutput> {
    return command instanceof GetItemCommand ? this.client.send(command, this.callOptions()) : this.client.send(command, this.callOptions());
  }

  async get<V>(pk: string): Promise<SubjectRecord<V> | undefined> {
    const { Item } = await this.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: { S: pk } }, ConsistentRead: true }),
    );
    return toRecord<V>(Item);
  }

  /**
   * Applies `change` to the subject's view with optimistic concurrency: re-reads and
   * retries when another invocation wrote first, with jittered exponential backoff,
   * until `deadline` (a burst of events for one subject contends for its item).
   * `change` returns the same object when it changes nothing, and then nothing is
   * written. With `lease`, the same write also takes the delivery lease if it is
   * free (`lease` in the result says how it went). When DynamoDB refuses the write
   * for the item's size, the view is compacted harder (`compact`) and the delivery
   * record bounded, and it is tried once more.
   */
  async updateView<V>(
    pk: string,
    change: (current: V | undefined) => V,
    /** The record as the caller just read it, so the first attempt needs no read of its own. */
    alreadyRead?: { record: SubjectRecord<V> | undefined },
    /** deadline: the invocation's time left; without it, MAX_WRITE_ATTEMPTS attempts. */
    options: { lease?: LeaseRequest<V>; compact?: (view: V) => V; deadline?: Deadline } = {},
  ): Promise<{ record: SubjectRecord<V>; changed: boolean; lease?: 'ours' | 'busy' | 'expired' }> {
    const { lease, deadline } = options;
    let refusedForSize: unknown; // set once a write was refused for the item's size
    for (let attempt = 1; ; attempt++) {
      const current = attempt === 1 && alreadyRead ? alreadyRead.record : await this.get<V>(pk);
      const changed = change(current?.view);
      if (current && changed === current.view) return { record: current, changed: false };
      const view = refusedForSize && options.compact ? options.compact(changed) : changed;
      const version = (current?.version ?? 0) + 1;
      // After a refusal the delivery record is rewritten bounded too (an item from before the bounds), while no live lease can be writing it.
      const delivery = refusedForSize ? boundDelivery(current?.delivery ?? emptyDelivery(), REFUSED_DELIVERY_BYTES) : (current?.delivery ?? emptyDelivery());
      const next: SubjectRecord<V> = { view, delivery, version, lease: current?.lease };
      // if_not_exists: a lease someone holds (or left behind when it died) is not taken here; acquireLock takes an expired one.
      const withLease = lease !== undefined && lease.wanted(next, current);
      const now = this.now().getTime();
      try {
        const { Attributes } = await this.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { pk: { S: pk } },
            UpdateExpression:
              'SET #view = :view, #version = :version, expiresAt = :expiresAt' +
              (withLease ? ', lockOwner = if_not_exists(lockOwner, :owner), lockUntil = if_not_exists(lockUntil, :until)' : '') +
              (refusedForSize ? ', delivery = :delivery' : ''),
            ConditionExpression:
              (current ? '#version = :expected' : 'attribute_not_exists(#version)') +
              (refusedForSize ? ' AND (attribute_not_exists(lockUntil) OR lockUntil < :now)' : ''),
            ExpressionAttributeNames: { '#view': 'view', '#version': 'version' },
            ExpressionAttributeValues: {
              ':view': { S: JSON.stringify(view) },
              ':version': { N: String(version) },
              ':expiresAt': { N: String(Math.floor(now / 1000) + RETENTION_S) },
              ...(current ? { ':expected': { N: String(current.version) } } : {}),
              ...(withLease ? { ':owner': { S: lease.owner }, ':until': { N: String(now + lease.ms) } } : {}),
              ...(refusedForSize ? { ':delivery': { S: JSON.stringify(delivery) }, ':now': { N: String(now) } } : {}),
            },
            // Only when taking the lease: the delivery and the lease as they are now.
            ...(withLease ? { ReturnValues: 'ALL_NEW' as const } : {}),
          }),
        );
        if (!withLease) return { record: next, changed: true };
        const written = toRecord<V>(Attributes)!;
        const holder = written.lease!;
        return { record: written, changed: true, lease: holder.owner === lease.owner ? 'ours' : holder.until > now ? 'busy' : 'expired' };
      } catch (error) {
        if (isSizeRefusal(error)) {
          if (refusedForSize) {
            throw new Error(`state item ${pk} is still over DynamoDB's 400 KB item limit after compacting its view and delivery record`, { cause: error });
          }
          refusedForSize = error;
          continue;
        }
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const remaining = deadline ? deadline.remainingMs() : attempt < MAX_WRITE_ATTEMPTS ? Infinity : 0;
        if (remaining <= 0) throw error;
        await sleep(Math.min(remaining, Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt)));
      }
    }
  }

  /** Takes the subject's delivery lease and returns the record as it is now; undefined when another invocation holds an unexpired lease. */
  async acquireLock<V>(pk: string, owner: string, leaseMs: number): Promise<SubjectRecord<V> | undefined> {
    const now = this.now().getTime();
    try {
      const { Attributes } = await this.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: pk } },
          UpdateExpression: 'SET lockOwner = :owner, lockUntil = :until',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lockUntil) OR lockUntil < :now OR lockOwner = :owner)',
          ExpressionAttributeValues: {
            ':owner': { S: owner },
            ':until': { N: String(now + leaseMs) },
            ':now': { N: String(now) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRecord<V>(Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Gives the lease back, recording `delivery` (what was delivered last) in the same write;
   * returns the view's version at that moment, or undefined if the lease had been lost.
   */
  async releaseLock(pk: string, owner: string, delivery?: Delivery): Promise<number | undefined> {
    const release = (d: Delivery | undefined) =>
      this.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: pk } },
          UpdateExpression: d ? 'SET delivery = :delivery REMOVE lockOwner, lockUntil' : 'REMOVE lockOwner, lockUntil',
          ConditionExpression: 'lockOwner = :owner',
          ExpressionAttributeValues: { ':owner': { S: owner }, ...(d ? { ':delivery': { S: JSON.stringify(d) } } : {}) },
          ReturnValues: 'ALL_NEW',
        }),
      );
    try {
      const { Attributes } = delivery ? await withDeliveryFitted(pk, delivery, release) : await release(undefined);
      return toRecord(Attributes)?.version;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // A delivery is not recorded without the lease (as saveDelivery): fail, so the retry settles it.
      if (delivery) throw new Error(`the delivery lease on ${pk} expired before the last delivery could be recorded`, { cause: error });
      // Our lease expired and someone else took it: theirs to release.
      return undefined;
    }
  }

  /** Records what was delivered; only the lease holder may. */
  async saveDelivery(pk: string, owner: string, delivery: Delivery): Promise<void> {
    await withDeliveryFitted(pk, delivery, (d) =>
      this.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: pk } },
          UpdateExpression: 'SET delivery = :delivery',
          ConditionExpression: 'lockOwner = :owner',
          ExpressionAttributeValues: { ':delivery': { S: JSON.stringify(d) }, ':owner': { S: owner } },
        }),
      ),
    );
  }
}

/** What a delivery record is cut to when its write is refused for the item's size. */
const REFUSED_DELIVERY_BYTES = DELIVERY_BYTES / 2;

/**
 * Writes a delivery record with `write`. An item from before the bounds can be
 * refused for its size even so (its view was not changed since, so nothing
 * compacted it): then the record is bounded harder and written once more.
 */
async function withDeliveryFitted<T>(pk: string, delivery: Delivery, write: (d: Delivery) => Promise<T>): Promise<T> {
  try {
    return await write(delivery);
  } catch (error) {
    if (!isSizeRefusal(error)) throw error;
  }
  try {
    return await write(boundDelivery(delivery, REFUSED_DELIVERY_BYTES));
  } catch (error) {
    if (!isSizeRefusal(error)) throw error;
    throw new Error(
      `state item ${pk} is still over DynamoDB's 400 KB item limit with its delivery record bounded to ${REFUSED_DELIVERY_BYTES / 1024} KB: its view is from before the bounds, and the next event that changes it compacts it`,
      { cause: error },
    );
  }
}

/** DynamoDB's answer to a write that would make the item larger than 400 KB. */
const isSizeRefusal = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ValidationException' && /item size .*exceeded the maximum allowed size/i.test(error.message);

function toRecord<V>(item: Record<string, AttributeValue> | undefined): SubjectRecord<V> | undefined {
  if (!item?.view?.S) return undefined;
  return {
    view: JSON.parse(item.view.S) as V,
    delivery: item.delivery?.S ? (JSON.parse(item.delivery.S) as Delivery) : emptyDelivery(),
    version: Number(item.version?.N ?? 0),
    ...(item.lockOwner?.S ? { lease: { owner: item.lockOwner.S, until: Number(item.lockUntil?.N ?? 0) } } : {}),
  };
}

/** The function's store, on the table GUARDIAN_TABLE names (env.table), measuring time by `now`; `bound`: no call outlives it. */
export function stateStore(table: string | undefined, now: () => Date, bound?: Deadline): StateStore {
  if (!table) throw new Error('GUARDIAN_TABLE is not set: the name of the state table');
  return new StateStore(clientFor(DynamoDBClient), table, now, bound);
}

/**
 * The stored record for a dry-run: read when the table is configured (a store is given) and
 * reachable, else undefined (offline `sls invoke local`); never written.
 */
export async function peekState<V>(store: StateStore | undefined, pk: string, onError: (call: string, error: unknown) => void): Promise<SubjectRecord<V> | undefined> {
  if (!store) return undefined;
  return store
    .get<V>(pk)
    .catch((error: unknown) => (onError('GetItem', error), undefined));
}
