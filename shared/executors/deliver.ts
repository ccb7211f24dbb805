import { randomUUID } from 'node:crypto';
import type { Plan } from '../plan/plan.js';
import type { StateStore, SubjectRecord } from '../state/store.js';
import type { Deadline } from '../runtime/deadline.js';
import { executePlan, type ActionOutcome, type Channels } from './execute-plan.js';

// Deliveries for one subject are serialized by a lease in the state table, so
// concurrent invocations never post two messages or update one out of order.
// An invocation that finds the lease taken either leaves (its event is already
// in the view, and the holder re-reads the view after releasing and delivers
// again while it keeps changing) or, when its decision depends on its own
// event, waits for the lease; either fails, to be retried, if time runs out.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DeliveryResult {
  status: 'delivered' | 'deferred';
  plans: Plan[];
  outcomes: ActionOutcome[];
}

export async function deliverUnderLease<V>(
  store: StateStore,
  pk: string,
  decide: (record: SubjectRecord<V>) => Plan,
  channels: () => Promise<Channels>,
  deadline: Deadline,
  /** 'defer': leave when the lease is taken (the holder delivers our change); 'wait': take it once it is free. */
  whenBusy: 'defer' | 'wait' = 'defer',
): Promise<DeliveryResult> {
  const owner = randomUUID();
  const result: DeliveryResult = { status: 'delivered', plans: [], outcomes: [] };
  let ready: Channels | undefined; // resolved once, on the first round that has something to send
  // Loop while the view keeps changing under us; a burst of events ends, the deadline bounds it.
  for (let round = 0; deadline.remainingMs() > 0; round++) {
    // The lease outlives this invocation only if it dies; then it expires.
    const record = await store.acquireLock<V>(pk, owner, deadline.remainingMs() + 5000);
    if (!record) {
      if (whenBusy === 'defer') return { ...result, status: round === 0 ? 'deferred' : result.status };
      await sleep(100 + Math.random() * 200);
      continue;
    }
    let versionAfter: number | undefined;
    try {
      const plan = decide(record);
      result.plans.push(plan);
      if (plan.actions.length > 0) {
        const { outcomes } = await executePlan(plan, record.delivery, (ready ??= await channels()), (d) => store.saveDelivery(pk, owner, d));
        result.outcomes.push(...outcomes);
      }
    } finally {
      versionAfter = await store.releaseLock(pk, owner);
    }
    versionAfter ??= (await store.get<V>(pk))?.version;
    if (versionAfter === undefined || versionAfter === record.version) return result;
  }
  // Out of time with changes still undelivered: fail so Lambda retries this invocation.
  throw new Error(`delivery for ${pk} still pending when the invocation ran out of time; retrying`);
}
