import type { GuardianConfig, SlackMode } from '../config/schema.js';
import type { Place } from '../runtime/aws.js';
import type { Deadline } from '../runtime/deadline.js';
import type { Plan } from '../plan/plan.js';
import type { Delivery } from '../plan/delivery.js';
import { announceChannel, decideFreezeTransition, governingPolicy, schedulablePolicies, type StageTransition } from '../policies/freeze-schedule.js';
import { inboundTransitions, pipelinesMatching } from '../facts/pipeline-transitions.js';
import type { InvocationState } from '../state/invocation-state.js';
import type { Channels } from '../actions/module.js';
import { FREEZE_ACTIONS } from '../actions/change-actions.js';
import { settle } from './settle.js';
import type { Rehearsal } from './rehearse.js';
import type { DeliveryResult } from './deliver.js';

// One tick of freeze scheduling: read the governed stages' transitions, then
// settle each stage on its own record in the state table (its lease, what was
// changed, announced and audited for it), as notify settles an execution.

/** The stages some policy governs, with their transitions as read now; `unread`: why a pipeline (or the listing) could not be read. */
export async function governedTransitions(config: GuardianConfig, place: Place): Promise<{ transitions: StageTransition[]; unread: string[] }> {
  let pipelines: string[];
  try {
    pipelines = await pipelinesMatching(schedulablePolicies(config).flatMap((p) => p.pipelines), place);
  } catch (error) {
    return { transitions: [], unread: [`ListPipelines failed: ${(error as Error).message}`] };
  }
  const read = await Promise.allSettled(pipelines.map((name) => inboundTransitions(name, place)));
  const unread = read.flatMap((r, i) => (r.status === 'rejected' ? [`GetPipelineState or GetPipeline ${pipelines[i]} failed: ${(r.reason as Error).message}`] : []));
  const transitions = read.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])).filter((t) => governingPolicy(config, t));
  return { transitions, unread };
}

/** What the stage's record keeps of the transition: as last read, and the day it was (so the item's expiry moves on while a long freeze lasts). */
export interface TransitionView extends StageTransition {
  checkedOn: string;
}

export interface StageRun {
  config: GuardianConfig;
  place: Place;
  at: Date;
  slackMode: SlackMode;
  state: InvocationState;
  channels: () => Promise<Channels>;
  deadline: Deadline;
  now: () => Date;
  onPlan: (plan: Plan) => Plan;
}

export const transitionKey = (place: Place, t: StageTransition) => `FREEZE#${place.account}#${place.region}#${t.pipeline}#${t.stage}`;

export async function settleTransition(t: StageTransition, run: StageRun): Promise<{ stage: string } & (Rehearsal | DeliveryResult)> {
  const view: TransitionView = { ...t, checkedOn: run.at.toISOString().slice(0, 10) };
  const fold = (current: TransitionView | undefined) => (current && JSON.stringify(current) === JSON.stringify(view) ? current : view);
  const policy = governingPolicy(run.config, t);
  const channel = announceChannel(run.config, t.pipeline);
  const decide = (_: TransitionView, record: Delivery) =>
    decideFreezeTransition(run.at, policy, run.config.approvals.freezes, { ...t, ...run.place, record, ...(channel ? { channel } : {}) }, run.slackMode);
  const result = await settle<TransitionView>(run.state, {
    pk: transitionKey(run.place, t),
    fold,
    decide,
    channels: run.channels,
    deadline: run.deadline,
    now: run.now,
    onPlan: run.onPlan,
    changes: FREEZE_ACTIONS,
  });
  return { stage: `${t.pipeline}/${t.stage}`, ...result };
}
