import { randomUUID } from 'node:crypto';
import type { Vote } from '../policies/approval.js';
import type { Deadline } from '../runtime/deadline.js';
import type { StateStore } from './store.js';

// Votes on an approval request, kept in the request's own item of the state
// table (its view holds `votes` and `status`). Two rules hold however many
// clicks arrive at once:
//   - one vote per person: a vote is added only when the person has none
//     (optimistic concurrency on the item's version; a second click changes nothing);
//   - one decision: the write whose vote makes the tally decide also takes the
//     item's lease (pending -> deciding) when it is free, so exactly one
//     invocation calls PutApprovalResult; it then closes the request
//     (deciding -> approved / rejected) and gives the lease back. A holder that
//     died leaves a lease that expires; the next click takes it over and
//     decides again (PutApprovalResult then answers ApprovalAlreadyCompleted
//     if the first call had gone through, which counts as decided).

/** What the votes need of a request record (shared/state/approval-request.ts ApprovalRequest). */
export interface Ballot {
  status: string;
  votes: Vote[];
}

/** How long the decider holds the request: past the 2.5 s answer, well short of a person's next click. */
export const DECIDING_MS = 10_000;
const WAIT_MS = 50;

const DECIDER = 'decide:';
/** A name for the invocation that casts a vote (and may decide): its lease is known from a message delivery's. */
export const deciderId = (): string => `${DECIDER}${randomUUID()}`;
const isDecider = (owner: string) => owner.startsWith(DECIDER);

export type CastResult<R extends Ballot> =
  /** No request under that key (an unknown or expired button). */
  | { status: 'unknown' }
  /** `request` as it is after this click; `counted`: the vote is new; `deciding`: this invocation holds the decision. */
  | { status: 'cast'; request: R; counted: boolean; deciding: boolean };

/**
 * Adds `vote` to the request at `pk` (unless its person voted, or the request is
 * no longer pending) and takes the decision when `decides` says the votes now
 * decide it. `owner` names this invocation (deciderId()).
 */
export async function castVote<R extends Ballot>(
  store: StateStore,
  pk: string,
  vote: Vote,
  decides: (request: R) => boolean,
  owner: string,
  deadline: Deadline,
): Promise<CastResult<R>> {
  const current = await store.get<R>(pk);
  if (!current) return { status: 'unknown' };
  const add = (request: R | undefined): R => {
    if (!request || request.status !== 'pending' || request.votes.some((v) => v.personId === vote.personId)) return request!;
    return { ...request, votes: [...request.votes, vote] };
  };
  const written = await store.updateView<R>(pk, add, { record: current }, {
    deadline,
    lease: { owner, ms: DECIDING_MS, wanted: (next) => next.view.status === 'pending' && decides(next.view) },
  });
  let request = written.record.view;
  const counted = written.changed;
  if (written.lease === 'ours') return { status: 'cast', request, counted, deciding: true };
  // A decision owed and nobody deciding it: take it. The lease may be a message
  // delivery's on the same item (short: wait for it), a live decider's (leave it),
  // or a dead decider's (expired: take it over).
  let lease = written.record.lease;
  while (request.status === 'pending' && decides(request)) {
    const live = lease !== undefined && lease.until >= store.now().getTime();
    if (live && isDecider(lease!.owner)) break;
    if (!live) {
      const taken = await store.acquireLock<R>(pk, owner, DECIDING_MS);
      if (taken && taken.view.status === 'pending') return { status: 'cast', request: taken.view, counted, deciding: true };
      if (taken) {
        await store.releaseLock(pk, owner);
        return { status: 'cast', request: taken.view, counted, deciding: false };
      }
    }
    if (deadline.remainingMs() < WAIT_MS * 4) break;
    await new Promise((r) => setTimeout(r, WAIT_MS));
    const again = await store.get<R>(pk);
    if (!again) break;
    ({ view: request, lease } = again);
  }
  return { status: 'cast', request, counted, deciding: false };
}

/** How often a reader waiting for a decider looks again. */
const DECISION_POLL_MS = 100;

/**
 * Waits while a decider holds the request's lease (its PutApprovalResult, then the request closed with who decided),
 * until it gives the lease back, the lease expires (the decider died) or `deadline` leaves too little time.
 */
export async function decisionMade(store: StateStore, pk: string, deadline: Deadline): Promise<void> {
  for (;;) {
    const record = await store.get<Ballot>(pk);
    const lease = record?.lease;
    if (!lease || !isDecider(lease.owner) || lease.until < store.now().getTime()) return;
    if (deadline.remainingMs() < DECISION_POLL_MS * 4) return;
    await new Promise((r) => setTimeout(r, DECISION_POLL_MS));
  }
}

/** Closes the decided request (`close` makes its final state) and gives the decision back. */
export async function settleDecision<R extends Ballot>(store: StateStore, pk: string, owner: string, close: (request: R) => R, deadline: Deadline): Promise<R> {
  const { record } = await store.updateView<R>(pk, (request) => close(request!), undefined, { deadline });
  await store.releaseLock(pk, owner);
  return record.view;
}
