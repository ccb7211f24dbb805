import type { Plan } from '../plan/plan.js';
import { emptyDelivery, type Delivery } from '../plan/delivery.js';
import type { SubjectRecord } from '../state/store.js';
import type { InvocationState } from '../state/invocation-state.js';
import type { ChangeModules } from '../actions/module.js';
import type { Deadline } from '../runtime/deadline.js';
import type { Channels } from '../actions/module.js';
import { foldAndDeliver, type DeliveryResult } from './deliver.js';
import { rehearse, type Rehearsal } from './rehearse.js';

/** How one subject's event is folded, decided and delivered. */
export interface Settlement<V> {
  pk: string;
  /** Folds the event into the stored view (as StateStore.updateView). */
  fold: (current: V | undefined) => V;
  decide: (view: V, delivery: Delivery) => Plan;
  channels: () => Promise<Channels>;
  deadline: Deadline;
  now: () => Date;
  /** The record, when the invocation has already read it. */
  alreadyRead?: { record: SubjectRecord<V> | undefined };
  /** Compacts the view harder, for when DynamoDB refuses the write for its size. */
  compact?: (view: V) => V;
  onPlan: (plan: Plan) => Plan;
  changes?: ChangeModules;
}

/**
 * Folds the event into the subject's view and delivers what that leaves owed,
 * under the subject's lease; a dry-run decides the same against what it takes
 * as stored and performs the plan against the recording sink instead.
 */
export async function settle<V>(state: InvocationState, s: Settlement<V>): Promise<Rehearsal | DeliveryResult> {
  if (state.dryRun) {
    const stored = s.alreadyRead ? s.alreadyRead.record : await state.read<V>(s.pk);
    const view = s.fold(stored?.view);
    return rehearse(s.pk, stored, view, s.onPlan(s.decide(view, stored?.delivery ?? emptyDelivery())), s.now, s.changes);
  }
  return foldAndDeliver<V>(state.store(), s.pk, s.fold, (r) => s.decide(r.view, r.delivery), s.channels, s.deadline, s.alreadyRead, s.compact, s.onPlan);
}
