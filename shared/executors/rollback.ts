import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RollbackEvent } from '../events/types.js';
import type { GuardianConfig, RollbackSettings } from '../config/schema.js';
import type { GuardianEnv } from '../config/env.js';
import { executionKey, type ExecutionView } from '../views/execution-view.js';
import { applyServiceEvent, emptyServiceView, fitServiceView, promoteKnownGood, SERVICE_VIEW_BYTES, serviceKey, type ServiceFacts, type ServiceView } from '../views/service-view.js';
import { decideRollback, decideRollbackFailure, unreadableServicePlan, whatIsOwed, type RollbackFailure } from '../policies/rollback.js';
import { emptyDelivery } from '../plan/delivery.js';
import type { Plan } from '../plan/plan.js';
import { ecsFacts, pipelineStateFacts } from '../facts/ecs.js';
import type { StateStore } from '../state/store.js';
import type { InvocationState } from '../state/invocation-state.js';
import { CHANGE_ACTIONS } from '../actions/change-actions.js';
import { RollbackError } from '../runtime/aws-errors.js';
import { logger, metrics } from '../runtime/observability.js';
import type { Deadline } from '../runtime/deadline.js';
import { slackMode } from '../runtime/slack-credentials.js';
import type { Place } from '../runtime/aws.js';
import { deliverUnderLease, type DeliveryResult } from './deliver.js';
import { notificationChannels } from './channels.js';
import { rehearse, type Rehearsal } from './rehearse.js';

// One service's part of a rollback event: fold the event into what we know
// of the service, and when it shows a bad deployment, read the service, ask
// decideRollback (pure) and perform its plan under the service's lease.

export type ServiceResult =
  /** Dry-run: performed against the recording sink (the rollback call with its parameters, each message), nothing stored. */
  | ({ service: string } & Rehearsal)
  | ({ service: string; status: 'delivered' | 'deferred' } & Pick<DeliveryResult, 'plans' | 'outcomes' | 'recorded'>);

export interface ServiceRun {
  event: RollbackEvent;
  config: GuardianConfig;
  env: GuardianEnv;
  state: InvocationState;
  where: Place;
  deadline: Deadline;
  invokedFunctionArn: string | undefined;
  now: () => Date;
  onFactError: (call: string, error: unknown) => void;
  logPlan: (plan: Plan) => Plan;
}

export async function handleService(settings: RollbackSettings, run: ServiceRun): Promise<ServiceResult> {
  const { event, config, env, state, where, deadline, onFactError, logPlan } = run;
  const now = run.now();
  const identity = { ...where, cluster: settings.cluster, service: settings.service };
  const name = `${settings.cluster}/${settings.service}`;
  const mode = slackMode(config, env);
  const completed = event.kind === 'ecs-deployment' && event.eventName === 'SERVICE_DEPLOYMENT_COMPLETED';
  // A completed deployment is known-good material: learn which task definition it runs.
  const taskDefinitionArn = completed ? await ecsFacts(where).deployedTaskDefinition(settings.cluster, settings.service, event.deploymentId, onFactError) : undefined;
  const fold = (view: ServiceView | undefined) =>
    promoteKnownGood(applyServiceEvent(view ?? emptyServiceView(identity), event, { taskDefinitionArn }), settings.bakeMinutes * 60_000, now);

  const pk = serviceKey(identity);
  // Dry-run judges the event against what is stored (when the table can be read) or what it rehearsed in this process, and stores nothing.
  const rehearsed = state.dryRun ? await state.read<ServiceView>(pk) : undefined;
  const stored = state.dryRun ? undefined : (await state.store().updateView<ServiceView>(pk, fold, undefined, { deadline, compact: compactHarder })).record;
  const view = stored ? stored.view : fold(rehearsed?.view);
  const dryRunResult = async (plan: Plan): Promise<ServiceResult> => ({ service: name, ...(await rehearse(pk, rehearsed, view, plan, run.now, CHANGE_ACTIONS)) });

  const { trigger, nothingOwed } = whatIsOwed(view, event, settings, stored && { delivery: stored.delivery, slackMode: mode });
  if (nothingOwed) return { service: name, status: 'delivered', plans: [logPlan({ subject: `service ${name}`, actions: [], skipped: [nothingOwed] })], outcomes: [] };
  const channels = async () => ({ ...(await notificationChannels(config, env, deadline, run.invokedFunctionArn)), changes: CHANGE_ACTIONS, place: where });
  let thread: { channelId: string; ts: string } | undefined;
  let facts: ServiceFacts | undefined;
  try {
    if (trigger) {
      metrics.addMetric('RollbackTriggered', MetricUnit.Count, 1);
      const describe = ecsFacts(where).describe(settings.cluster, settings.service, { codeDeploy: settings.codeDeploy, candidates: view.knownGood ? [view.knownGood.taskDefinitionArn] : [] }, onFactError);
      if (state.dryRun) {
        try {
          facts = await describe;
        } catch (error) {
          return dryRunResult(logPlan(unreadableServicePlan(name, trigger, error as Error)));
        }
      } else {
        facts = await describe;
      }
    }
    // Rollback news, and later its outcome, go to the thread of the pipeline execution that deployed.
    if (!state.dryRun) {
      thread = await pipelineThread(settings, where, state.store()).catch((error: unknown) => (onFactError('GetPipelineState', error), undefined));
    }
    const decide = (v: ServiceView, delivery = emptyDelivery()) => logPlan(decideRollback({ view: v, event, settings, facts, delivery, slackMode: mode, thread, now }));
    if (state.dryRun) return dryRunResult(decide(view, rehearsed?.delivery));
    // The decision depends on this event (its trigger): wait for the lease rather than leave it to the holder.
    const result = await deliverUnderLease<ServiceView>(state.store(), pk, (r) => decide(r.view, r.delivery), channels, deadline, 'wait');
    return { service: name, ...result };
  } catch (error) {
    // Reading the service or rolling it back failed: say so loudly, then fail so Lambda retries and the DLQ keeps the event.
    // Without facts no change was planned, let alone tried: only the read failed.
    const failures = rollbackFailures(error).map((f) => ({ ...f, attempted: trigger === undefined || facts !== undefined }));
    if (failures.length > 0 && !state.dryRun) {
      metrics.addMetric('RollbackFailed', MetricUnit.Count, 1);
      await deliverUnderLease<ServiceView>(
        state.store(),
        pk,
        (r) => logPlan(decideRollbackFailure({ settings, delivery: r.delivery, slackMode: mode, thread }, failures)),
        channels,
        deadline,
        'wait',
      ).catch((alertError: unknown) => logger.error('could not tell people the rollback failed', { error: alertError as Error }));
    }
    throw error;
  }
}

/** The Slack message of the pipeline execution that is deploying the service, if we posted one. */
async function pipelineThread(settings: RollbackSettings, where: Place, store: StateStore) {
  if (!settings.pipeline) return undefined;
  const executionId = await pipelineStateFacts(where).deployingExecution(settings.pipeline.name, settings.pipeline.deployStage);
  if (!executionId) return undefined;
  const record = await store.get<ExecutionView>(executionKey({ ...where, pipeline: settings.pipeline.name, executionId }));
  const [message] = Object.values(record?.delivery.messages ?? {});
  return message && { channelId: message.channelId, ts: message.ts };
}

/** When DynamoDB refuses the write for its size (an item from before the bounds): a quarter of the usual budget. */
const compactHarder = (view: ServiceView) => fitServiceView(view, SERVICE_VIEW_BYTES / 4);

/** The rollback steps that failed in a delivery, with their keys. */
function rollbackFailures(error: unknown): RollbackFailure[] {
  const errors = error instanceof AggregateError ? error.errors : [error];
  return errors
    .filter((e): e is RollbackError => e instanceof RollbackError)
    .map((e) => ({ target: e.service, message: e.message, hint: e.hint, retryable: e.retryable }));
}
