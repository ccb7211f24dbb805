import type { Context } from 'aws-lambda';
import { CiEventSchema } from '../shared/events/parse.js';
import type { BuildEvent, CiEvent } from '../shared/events/types.js';
import { getConfig } from '../shared/config/load.js';
import { applyEvent, applyFacts, emptyView, EXECUTION_VIEW_BYTES, executionKey, fitExecutionView, type ExecutionView } from '../shared/policies/execution-view.js';
import { decideBuildNotifications, decideExecutionNotifications, emptyDelivery, hasTargets, type NotifyInputs } from '../shared/policies/notifications.js';
import { laterBuildEvent } from '../shared/policies/build-view.js';
import { pipelineFacts } from '../shared/facts/codepipeline.js';
import { peekState, stateStore, type SubjectRecord } from '../shared/state/store.js';
import { foldAndDeliver, type DeliveryResult } from '../shared/executors/deliver.js';
import { notificationChannels } from '../shared/executors/channels.js';
import type { Plan } from '../shared/plan/plan.js';
import { guardedHandler, isDryRun } from '../shared/runtime/middleware.js';
import { logger, metrics } from '../shared/runtime/observability.js';
import { deadlineFrom } from '../shared/runtime/deadline.js';
import { slackMode } from '../shared/runtime/slack-credentials.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

// Pipeline and build notifications: fold the event into what we know of its
// execution (or build), then tell Slack and email what they are still owed.

export type NotifyResult =
  | { status: 'ignored'; reason: string }
  | { status: 'dry-run'; plan: Plan }
  | ({ status: 'delivered' | 'deferred' } & Pick<DeliveryResult, 'plans' | 'outcomes'>);

const buildKey = (e: BuildEvent) => `BUILD#${e.buildArn}`;

export async function notify(event: CiEvent, context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>, now = () => new Date()): Promise<NotifyResult> {
  const config = getConfig();
  const subject = event.kind === 'build' ? { kind: 'build' as const, name: event.project } : { kind: 'pipeline' as const, name: event.pipeline };
  logger.appendKeys({ eventId: event.eventId, subject: subject.name });
  metrics.addMetric('EventReceived', MetricUnit.Count, 1);
  if (!hasTargets(subject, config)) return { status: 'ignored', reason: `no route for ${subject.kind} ${subject.name}` };

  const deadline = deadlineFrom(() => context.getRemainingTimeInMillis());
  const dryRun = isDryRun(config.dryRun);
  const inputs = (delivery = emptyDelivery()): NotifyInputs => ({ config, delivery, slackMode: slackMode(config), now: now() });
  // Fold the event into the stored view and deliver what that leaves owed, under the subject's lease.
  const deliver = <V>(
    pk: string,
    change: (current: V | undefined) => V,
    decide: (view: V, inputs: NotifyInputs) => Plan,
    stored?: { alreadyRead: { record: SubjectRecord<V> | undefined }; compact: (view: V) => V },
  ) =>
    foldAndDeliver<V>(
      stateStore(),
      pk,
      change,
      (r) => decide(r.view, inputs(r.delivery)),
      () => notificationChannels(config, deadline, context.invokedFunctionArn),
      deadline,
      stored?.alreadyRead,
      stored?.compact,
      logPlan,
    );

  if (event.kind === 'build') {
    if (dryRun) return { status: 'dry-run', plan: logPlan(decideBuildNotifications(event, inputs())) };
    return deliver<BuildEvent>(buildKey(event), (current) => laterBuildEvent(current, event), decideBuildNotifications);
  }

  const pk = executionKey(event);
  const onFactError = (call: string, error: unknown) => {
    logger.warn(`${call} failed; notifying with what is known`, { error: error as Error });
    metrics.addMetric('EnrichmentFailed', MetricUnit.Count, 1);
  };
  // Dry-run plans against what is stored (when the table can be read) and records nothing.
  const known = dryRun ? await peekState<ExecutionView>(pk, onFactError) : await stateStore().get<ExecutionView>(pk);
  const facts = await pipelineFacts().gather(event, known?.view, onFactError);
  const fold = (view: ExecutionView | undefined) => {
    const applied = applyEvent(view ?? emptyView(event), event);
    return applied === view ? view : applyFacts(applied, facts);
  };
  if (dryRun) return { status: 'dry-run', plan: logPlan(decideExecutionNotifications(fold(known?.view), inputs(known?.delivery))) };

  // Refused for size (an item from before the bounds): a quarter of the usual budget.
  const compact = (view: ExecutionView) => fitExecutionView(view, EXECUTION_VIEW_BYTES / 4);
  return deliver(pk, fold, decideExecutionNotifications, { alreadyRead: { record: known }, compact });
}

function logPlan(plan: Plan): Plan {
  logger.info('plan', { subject: plan.subject, actions: plan.actions.map((a) => ({ type: a.type, reason: a.reason })), skipped: plan.skipped });
  return plan;
}

export const handler = guardedHandler('Notify', CiEventSchema, (event: CiEvent, context: Context) => notify(event, context));
