import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamo';
import { StateStore } from '../../../shared/state/store';
import { castVote, DECIDING_MS, settleDecision, type Ballot } from '../../../shared/state/votes';
import type { Vote } from '../../../shared/policies/approval';

// Votes on one approval request in the state table (dynalite: real
// conditional writes), with DynamoDB a few milliseconds away so that
// concurrent clicks really contend: one vote per person, and exactly one
// invocation decides (calls PutApprovalResult) however many clicks arrive at once.

let dynamo: LocalDynamo;
let clock = new Date('2026-06-12T13:10:00Z');
let store: StateStore;
let seq = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo('cicd-guardian-test-votes', { latencyMs: 3 });
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  store = new StateStore(client, dynamo.tableName, () => clock);
});
afterAll(() => dynamo.close());

const deadline = { remainingMs: () => 30_000 };
const approve = (personId: string): Vote => ({ personId, slackUserId: `U${personId.toUpperCase()}`, decision: 'approve', at: clock.toISOString() });
const twoApprove = (r: Ballot) => r.votes.filter((v) => v.decision === 'approve').length >= 2;
async function pendingRequest(): Promise<string> {
  const pk = `APPROVAL#test-${++seq}`;
  await store.updateView<Ballot>(pk, () => ({ status: 'pending', votes: [] }));
  return pk;
}
const approved = (r: Ballot): Ballot => ({ ...r, status: 'approved' });

describe('votes on an approval request (2 approvals required)', () => {
  it('counts one vote per person: ten clicks of one person at once make one vote', async () => {
    const pk = await pendingRequest();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => castVote<Ballot>(store, pk, approve('ada'), twoApprove, `decide:click-${i}`, deadline)));
    expect(results.filter((r) => r.status === 'cast' && r.counted)).toHaveLength(1);
    expect(results.some((r) => r.status === 'cast' && r.deciding)).toBe(false);
    expect((await store.get<Ballot>(pk))!.view.votes.map((v) => v.personId)).toEqual(['ada']);
  });

  it('has exactly one invocation decide when twelve approvers click at the same moment: one PutApprovalResult', async () => {
    const pk = await pendingRequest();
    let putApprovalResult = 0;
    const people = Array.from({ length: 12 }, (_, i) => `person${i}`);
    await Promise.all(
      people.map(async (person) => {
        const cast = await castVote<Ballot>(store, pk, approve(person), twoApprove, `decide:click-${person}`, deadline);
        if (cast.status === 'cast' && cast.deciding) {
          putApprovalResult++;
          await settleDecision<Ballot>(store, pk, `decide:click-${person}`, approved, deadline);
        }
      }),
    );
    expect(putApprovalResult).toBe(1);
    const stored = (await store.get<Ballot>(pk))!;
    expect(stored.view.status).toBe('approved');
    expect(stored.lease).toBeUndefined();
    // At least the two that decided; a vote after the close is not added.
    expect(stored.view.votes.length).toBeGreaterThanOrEqual(2);
  });

  it('changes nothing once the request is decided', async () => {
    const pk = await pendingRequest();
    await castVote<Ballot>(store, pk, approve('ada'), twoApprove, 'decide:c1', deadline);
    const deciding = await castVote<Ballot>(store, pk, approve('grace'), twoApprove, 'decide:c2', deadline);
    expect(deciding).toMatchObject({ status: 'cast', counted: true, deciding: true });
    await settleDecision<Ballot>(store, pk, 'decide:c2', approved, deadline);
    const late = await castVote<Ballot>(store, pk, approve('linus'), twoApprove, 'decide:c3', deadline);
    expect(late).toMatchObject({ status: 'cast', counted: false, deciding: false });
    expect((await store.get<Ballot>(pk))!.view.votes.map((v) => v.personId)).toEqual(['ada', 'grace']);
  });

  it('lets a later click take over a decision whose decider died (its lease expired), and only then', async () => {
    const pk = await pendingRequest();
    await castVote<Ballot>(store, pk, approve('ada'), twoApprove, 'decide:c1', deadline);
    expect(await castVote<Ballot>(store, pk, approve('grace'), twoApprove, 'decide:died', deadline)).toMatchObject({ deciding: true });
    // While the lease holds, a repeated click decides nothing.
    expect(await castVote<Ballot>(store, pk, approve('grace'), twoApprove, 'decide:again', deadline)).toMatchObject({ counted: false, deciding: false });
    clock = new Date(clock.getTime() + DECIDING_MS + 1000);
    expect(await castVote<Ballot>(store, pk, approve('grace'), twoApprove, 'decide:takeover', deadline)).toMatchObject({ counted: false, deciding: true });
  });

  it('decides when the deciding vote finds a message delivery holding the lease: it waits for the delivery, then decides', async () => {
    const pk = await pendingRequest();
    await castVote<Ballot>(store, pk, approve('ada'), twoApprove, 'decide:c1', deadline);
    // The message showing ada's vote is being updated under the item's lease.
    expect(await store.acquireLock<Ballot>(pk, 'delivery-of-the-message', 5_000)).toBeDefined();
    setTimeout(() => void store.releaseLock(pk, 'delivery-of-the-message'), 100);
    expect(await castVote<Ballot>(store, pk, approve('grace'), twoApprove, 'decide:c2', deadline)).toMatchObject({ counted: true, deciding: true });
  });

  it('says when no request has that key', async () => {
    expect(await castVote<Ballot>(store, 'APPROVAL#nothing-here', approve('ada'), twoApprove, 'decide:c', deadline)).toEqual({ status: 'unknown' });
  });
});
