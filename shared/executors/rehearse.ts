import type { Plan } from '../plan/plan.js';
import { emptyDelivery } from '../plan/delivery.js';
import type { SubjectRecord } from '../state/store.js';
import { keepRehearsal } from '../state/dry-run.js';
import { executePlan, type ActionOutcome } from './execute-plan.js';
import { RecordingSink, type RecordedCall } from './recording.js';
import type { ChangeModules } from '../actions/module.js';
import { logger } from '../runtime/observability.js';

/** A dry-run's answer: the plan, what the executor did with it, and every call it would have made. */
export interface Rehearsal {
  status: 'dry-run';
  plan: Plan;
  outcomes: ActionOutcome[];
  recorded: RecordedCall[];
}

/**
 * Performs `plan` against the recording sink, from the delivery `stored`
 * holds, as a real run would against the channels, and keeps what it would
 * have stored for subject `pk` (the folded `view`, the delivery) in this process.
 * `changes`: the change modules the function may use (their calls are recorded too).
 */
export async function rehearse<V>(pk: string, stored: SubjectRecord<V> | undefined, view: V, plan: Plan, now: () => Date, changes?: ChangeModules): Promise<Rehearsal> {
  const sink = new RecordingSink();
  const { delivery, outcomes, recorded } = await executePlan(plan, stored?.delivery ?? emptyDelivery(), { ...sink.channels(), changes }, async () => undefined, now);
  keepRehearsal(pk, stored, view, delivery);
  // A change the policy marked a rehearsal (a per-service dry-run) is recorded by the executor itself; changes come first, as they would be made.
  const calls = [...recorded, ...sink.calls];
  // A deployed dry-run's answer is not seen (asynchronous invocations): the calls go to the log too.
  if (calls.length > 0) logger.info('dry-run: would have made these calls', { subject: plan.subject, recorded: calls });
  return { status: 'dry-run', plan, outcomes, recorded: calls };
}

/** A dry-run that decided nothing to perform. */
export const nothingRehearsed = (plan: Plan): Rehearsal => ({ status: 'dry-run', plan, outcomes: [], recorded: [] });
