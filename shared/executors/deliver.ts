import { randomUUID } from 'node:crypto';
import type { Plan } from '../plan/plan.js';
import type { Delivery } from '../plan/delivery.js';
import type { StateStore, SubjectRecord } from '../state/store.js';
import type { Deadline } from '../runtime/deadline.js';
import { executePlan, owedActions, type ActionOutcome } from './execute-plan.js';
import type { Channels } from '../actions/module.js';
import type { RecordedCall } from './recording.js';

// Deliveries for one subject are serialized by a lease in the state table, so
// concurrent invocations never post two messages or update one out of order.
// An invocation that finds the lease taken either leaves (its event is already
// in the view, and the holder re-reads the view after releasing and delivers
// again while it keeps changing) or, when its decision depends on its own
// event, waits for the lease; either fails, to be retried, if time runs out.
//
// Requests: foldAndDeliver reads once, then writes the view and takes the lease
// in one request (not at all when nothing is owed), records each delivery right
// after it, the last one together with the release: 3 for one delivery.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DeliveryResult {
  status: 'delivered' | 'deferred';
  plans: Plan[];
  outcomes: ActionOutcome[];
  /** Calls of rehearsed changes (a per-service dry-run), as the recording sink kept them. */
  recorded?: RecordedCall[];
}

export async function deliverUnderLease<V>(
  store: StateStore,
  pk: string,
  decide: (record: SubjectRecord<V>) => Plan,
  channels: () => Promise<Channels>,
  deadline: Deadline,
  /** 'defer': leave when the lease is taken (the holder delivers our change); 'wait': take it once it is free. */
  whenBusy: 'defer' | 'wait' = 'defer',
  /** The lease, already taken by `owner` in the write that returned `record`. */
  taken?: { owner: string; record: SubjectRecord<V> },
): Promise<DeliveryResult> {
  const owner = taken?.owner ?? randomUUID();
  const result: DeliveryResult = { status: 'delivered', plans: [], outcomes: [] };
  let ready: Channels | undefined; // resolved once, on the first round that has something to send
  // Loop while the view keeps changing under us; a burst of events ends, the deadline bounds it.
  for (let round = 0; deadline.remainingMs() > 0; round++) {
    // The lease outlives this invocation only if it dies; then it expires.
    const record = round === 0 && taken ? taken.record : await store.acquireLock<V>(pk, owner, leaseMs(deadline));
    if (!record) {
      if (whenBusy === 'defer') return { ...result, status: round === 0 ? 'deferred' : result.status };
      await sleep(100 + Math.random() * 200);
      continue;
    }
    let versionAfter: number | undefined;
    // The last delivery's record goes with the release: one write instead of two.
    let last: Delivery | undefined;
    try {
      let plan = decide(record);
      result.plans.push(plan);
      let delivery = record.delivery;
      for (let followUp = 0; plan.actions.length > 0; followUp++) {
        // A follow-up's first record also carries the last one of the plan before it.
        const save = (d: Delivery, isLast: boolean) => (isLast ? ((last = d), Promise.resolve()) : store.saveDelivery(pk, owner, d));
        const run = await executePlan(plan, delivery, (ready ??= await channels()), save, store.now);
        result.outcomes.push(...run.outcomes);
        if (run.recorded.length > 0) result.recorded = [...(result.recorded ?? []), ...run.recorded];
        // Changes made change what is owed (the message that reports them): decide again, under the same lease.
        const changed = run.outcomes.some((o) => o.result === 'done' && ready?.changes !== undefined && o.action in ready.changes);
        if (!changed || followUp >= MAX_FOLLOW_UPS) break;
        delivery = run.delivery;
        const next = decide({ ...record, delivery });
        if (owedActions(next, delivery).length === 0) break;
        plan = next;
        result.plans.push(plan);
      }
    } finally {
      versionAfter = await store.releaseLock(pk, owner, last);
    }
    versionAfter ??= (await store.get<V>(pk))?.version;
    if (versionAfter === undefined || versionAfter === record.version) return result;
  }
  // Out of time with changes still undelivered: fail so Lambda retries this invocation.
  throw new Error(`delivery for ${pk} still pending when the invocation ran out of time; retrying`);
}

const leaseMs = (deadline: Deadline) => deadline.remainingMs() + 5000;
/** Plans decided again after changes were made, per round: one reports them; a second would be a decision that never settles. */
const MAX_FOLLOW_UPS = 1;

/**
 * Folds an event into the subject's view (`change`, as StateStore.updateView) and
 * delivers what is owed under the lease. Nothing owed (a duplicate, or a change the
 * message already shows): no lease at all. The lease is taken in the view's own write.
 */
export async function foldAndDeliver<V>(
  store: StateStore,
  pk: string,
  change: (current: V | undefined) => V,
  decide: (record: SubjectRecord<V>) => Plan,
  channels: () => Promise<Channels>,
  deadline: Deadline,
  alreadyRead?: { record: SubjectRecord<V> | undefined },
  /** Compacts the view harder, for when DynamoDB refuses the write for its size. */
  compact?: (view: V) => V,
  /** Sees each plan that is acted on, before it is (e.g. to log it). */
  onPlan: (plan: Plan) => void = () => undefined,
): Promise<DeliveryResult> {
  const owner = randomUUID();
  let predicted: Plan | undefined;
  const owes = (r: SubjectRecord<V>) => owedActions((predicted = decide(r)), r.delivery).length > 0;
  // Leaving the lease alone is safe only when what was read was settled: a holder delivering
  // meanwhile could otherwise leave the message showing another state than the new view.
  const wanted = (next: SubjectRecord<V>, current: SubjectRecord<V> | undefined) => (current !== undefined && owes(current)) || owes(next);
  const { record, changed, lease } = await store.updateView<V>(pk, change, alreadyRead, { lease: { owner, ms: leaseMs(deadline), wanted }, compact, deadline });
  const decideAndTell = (r: SubjectRecord<V>) => {
    const plan = decide(r);
    onPlan(plan);
    return plan;
  };
  if (lease === 'ours') return deliverUnderLease(store, pk, decideAndTell, channels, deadline, 'defer', { owner, record });
  // Someone holds the lease and will re-read the view we just wrote when releasing it.
  if (lease === 'busy') return { status: 'deferred', plans: [], outcomes: [] };
  // Nothing owed for what is stored (anything owed on a change would have asked for the lease).
  if (lease === undefined && (changed || !owes(record))) {
    onPlan(predicted!);
    return { status: 'delivered', plans: [predicted!], outcomes: [] };
  }
  // Owed but not leased: an unchanged view (a retry after a failed delivery) or a dead holder's expired lease.
  return deliverUnderLease(store, pk, decideAndTell, channels, deadline);
}
