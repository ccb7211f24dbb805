import type { ApiCallEvent } from '../events/types.js';
import type { GuardianConfig } from '../config/schema.js';
import type { GuardianEnv } from '../config/env.js';
import { decideTamper, revertSettings, wantsRevert, type Detection, type RevertFacts } from '../policies/tamper.js';
import { emptyDelivery, type Delivery } from '../plan/delivery.js';
import type { Plan } from '../plan/plan.js';
import { emptyServiceView, serviceKey, type ServiceView } from '../views/service-view.js';
import { ecsFacts } from '../facts/ecs.js';
import { approvedExecution } from '../facts/tamper.js';
import type { InvocationState } from '../state/invocation-state.js';
import { TAMPER_CHANGE_ACTIONS } from '../actions/change-actions.js';
import type { Deadline } from '../runtime/deadline.js';
import type { Place } from '../runtime/aws.js';
import { slackMode } from '../runtime/slack-credentials.js';
import { deliverUnderLease, type DeliveryResult } from './deliver.js';
import { notificationChannels } from './channels.js';
import { rehearse, type Rehearsal } from './rehearse.js';
import { settle } from './settle.js';

// One detected change around the pipeline: gather what its decision needs (the
// approved execution; for a revert, the service as the rollback knows it and
// as ECS has it), decide (pure) and deliver, once per CloudTrail event. A revert
// is delivered under the service's own record and lease, where the rollback
// function keeps its changes: its cooldown and its "never roll back a rollback"
// see the revert, and the revert sees theirs.

export interface TamperRun {
  event: ApiCallEvent;
  config: GuardianConfig;
  env: GuardianEnv;
  state: InvocationState;
  where: Place;
  deadline: Deadline;
  invokedFunctionArn: string | undefined;
  now: () => Date;
  logPlan: (plan: Plan) => Plan;
  onFactError: (call: string, error: unknown) => void;
}

/** What the tamper function keeps per CloudTrail event: that it was decided (the delivery says what was done). */
interface TamperRecord {
  operation: string;
  subject: string;
  calledAt: string;
}

export const tamperKey = (e: Pick<ApiCallEvent, 'account' | 'region' | 'callId'>) => `TAMPER#${e.account}#${e.region}#${e.callId}`;

export async function handleDetection(detection: Detection, run: TamperRun): Promise<Rehearsal | DeliveryResult> {
  const { event, config, env, state, where, deadline, logPlan } = run;
  const mode = slackMode(config, env);
  const channels = async () => ({ ...(await notificationChannels(config, env, deadline, run.invokedFunctionArn)), changes: TAMPER_CHANGE_ACTIONS, place: where });
  const approval =
    detection.kind === 'approval' && detection.status === 'Approved'
      ? await approvedExecution(where, {
          pipeline: detection.pipeline,
          stage: detection.stage,
          action: detection.action,
          status: detection.status,
          at: new Date(event.calledAt),
          ...(typeof event.request.token === 'string' ? { token: event.request.token } : {}),
          ...(event.caller.arn ? { by: event.caller.arn } : {}),
        })
      : undefined;
  const decide = (delivery: Delivery, revert?: RevertFacts) =>
    logPlan(decideTamper({ event, detection, config, slackMode: mode, delivery, now: run.now(), ...(approval ? { approval } : {}), ...(revert ? { revert } : {}) }));

  const settings = wantsRevert(detection) && detection.kind === 'service' ? revertSettings(detection, config) : undefined;
  const pk = settings && detection.kind === 'service' ? serviceKey({ ...where, cluster: detection.cluster, service: detection.service }) : undefined;
  const service = pk ? await state.read<ServiceView>(pk) : undefined;
  if (pk && service && settings && detection.kind === 'service') {
    const facts = await ecsFacts(where)
      .describe(settings.cluster, settings.service, { candidates: service.view.knownGood ? [service.view.knownGood.taskDefinitionArn] : [] }, run.onFactError)
      .then((f) => ({ facts: f }), (error: unknown) => ({ unreadable: (error as Error).message }));
    const revertWith = (view: ServiceView) => ({ view, ...facts });
    if (state.dryRun) return rehearse(pk, service, service.view, decide(service.delivery, revertWith(service.view)), run.now, TAMPER_CHANGE_ACTIONS);
    return deliverUnderLease<ServiceView>(state.store(), pk, (r) => decide(r.delivery, revertWith(r.view)), channels, deadline, 'wait');
  }
  // Not reverted (or nothing is known of the service: no known-good revision to restore): decided once per call.
  const unknownService = settings && detection.kind === 'service' ? { view: emptyServiceView({ ...where, cluster: detection.cluster, service: detection.service }) } : undefined;
  const fold = (current: TamperRecord | undefined): TamperRecord => current ?? { operation: event.operation, subject: detection.subject, calledAt: event.calledAt };
  return settle<TamperRecord>(state, {
    pk: tamperKey(event),
    fold,
    decide: (_view, delivery) => decide(delivery ?? emptyDelivery(), unknownService),
    channels,
    deadline,
    now: run.now,
    onPlan: logPlan,
    changes: TAMPER_CHANGE_ACTIONS,
  });
}
