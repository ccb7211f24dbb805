import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { StateStore } from '../../../shared/state/store';
import type { Deadline } from '../../../shared/runtime/deadline';

// The write-conflict retry of updateView: under contention (a burst of events
// for one subject) it retries, with jittered exponential backoff, for as long
// as the invocation has time, not a fixed number of times.

const dynamo = mockClient(DynamoDBClient);
const store = new StateStore(new DynamoDBClient({ region: 'us-east-1' }), 'state', () => new Date());
const conflict = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const addOne = (n: number | undefined) => (n ?? 0) + 1;

/** A deadline with `attempts` conflicts' worth of time: it runs out once UpdateItem was called that often. */
const timeFor = (attempts: number): Deadline => ({ remainingMs: () => (dynamo.commandCalls(UpdateItemCommand).length < attempts ? 30_000 : 0) });

beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetItemCommand).resolves({ Item: { pk: { S: 'X' }, view: { S: '1' }, version: { N: '7' } } });
});

it('keeps retrying a write that conflicts while the invocation has time (here 20 conflicts), then writes', async () => {
  let conflicts = 20;
  dynamo.on(UpdateItemCommand).callsFake(() => {
    if (conflicts-- > 0) throw conflict();
    return {};
  });
  const { record, changed } = await store.updateView<number>('X', addOne, undefined, { deadline: { remainingMs: () => 30_000 } });
  expect({ view: record.view, version: record.version, changed }).toEqual({ view: 2, version: 8, changed: true });
  expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(21);
  // Every attempt re-reads the item it conditions on.
  expect(dynamo.commandCalls(GetItemCommand)).toHaveLength(21);
});

it('gives up with the conflict once the deadline has passed', async () => {
  dynamo.on(UpdateItemCommand).rejects(conflict());
  await expect(store.updateView<number>('X', addOne, undefined, { deadline: timeFor(3) })).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(3);
});

it('does not retry other errors', async () => {
  dynamo.on(UpdateItemCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
  await expect(store.updateView<number>('X', addOne, undefined, { deadline: { remainingMs: () => 30_000 } })).rejects.toThrow('denied');
  expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
});
