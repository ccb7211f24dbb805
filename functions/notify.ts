import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CiEventSchema } from '../shared/events/parse.js';
import type { BuildEvent, CiEvent } from '../shared/events/types.js';
import { getConfig } from '../shared/config/load.js';
import { capabilityFor } from '../shared/config/organization.js';
import { applyBuildFailure, applyEvent, applyFacts, emptyView, EXECUTION_VIEW_BYTES, executionKey, fitExecutionView, type ExecutionView } from '../shared/views/execution-view.js';
import { boundBuildEvent, BUILD_CONTEXT_CHARS, laterBuildEvent } from '../shared/views/build-view.js';
import { decideBuildNotifications, decideExecutionNotifications, hasTargets, notificationSubject, type NotifyInputs } from '../shared/policies/notifications.js';
import type { Delivery } from '../shared/plan/delivery.js';
import type { Plan } from '../shared/plan/plan.js';
import { pipelineFacts } from '../shared/facts/codepipeline.js';
import { invocationState } from '../shared/state/invocation-state.js';
import type { Rehearsal } from '../shared/executors/rehearse.js';
import type { DeliveryResult } from '../shared/executors/deliver.js';
import { settle } from '../shared/executors/settle.js';
import { failedBuild, joinBuildToPipeline } from '../shared/executors/pipeline-build.js';
import { notificationChannels } from '../shared/executors/channels.js';
import { guardedHandler, isDryRun, type Runtime } from '../shared/runtime/middleware.js';
import { logger, metrics } from '../shared/runtime/observability.js';
import { deadlineFrom } from '../shared/runtime/deadline.js';
import { slackMode } from '../shared/runtime/slack-credentials.js';
import { placeOf } from '../shared/runtime/identity.js';
import { reachable } from '../shared/state/member-access.js';
import { logPlan, factErrorReporter } from '../shared/executors/plan-log.js';

// Pipeline and build notifications: fold the event into what we know of its
// execution (or build), then tell Slack and email what they are still owed.

export type NotifyResult =
  | { status: 'ignored'; reason: string }
  /** Stored to be joined with a later event: a pipeline's failed build whose action has not arrived. */
  | { status: 'recorded'; reason: string }
  /** Dry-run: performed against the recording sink (every message and call it would make), nothing stored. */
  | Rehearsal
  | ({ status: 'delivered' | 'deferred' } & Pick<DeliveryResult, 'plans' | 'outcomes'>);

export async function notify(event: CiEvent, context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>, { env, now }: Runtime): Promise<NotifyResult> {
  // The policy of the event's account (its units' and its own overrides over guardian.yml's).
  const { config, off } = capabilityFor(getConfig(env.configFile), event.account, 'notify');
  const subject = notificationSubject(event, config);
  logger.appendKeys({ eventId: event.eventId, subject: subject.name });
  metrics.addMetric('EventReceived', MetricUnit.Count, 1);
  if (off) return { status: 'ignored', reason: off };
  if (!hasTargets(subject, config)) return { status: 'ignored', reason: `no route for ${subject.kind} ${subject.name}` };

  const deadline = deadlineFrom(() => context.getRemainingTimeInMillis());
  const state = invocationState(env.table, now, isDryRun(config.dryRun, env), onFactError);
  const decideWith = <V>(decide: (view: V, inputs: NotifyInputs) => Plan) => (view: V, delivery: Delivery) => decide(view, { config, delivery, slackMode: slackMode(config, env), now: now() });
  const common = { channels: () => notificationChannels(config, env, deadline, context.invokedFunctionArn), deadline, now, onPlan: logPlan };

  if (event.kind === 'build' && subject.startedBy) {
    const joined = await joinBuildToPipeline(event, subject.startedBy, state, deadline, logPlan);
    if (joined.status !== 'joined') return joined;
    return settle(state, { ...common, pk: joined.pk, fold: joined.fold, decide: decideWith(decideExecutionNotifications), compact: compactExecution });
  }
  if (event.kind === 'build') {
    const fold = (current: BuildEvent | undefined) => laterBuildEvent(current, event);
    return settle(state, { ...common, pk: `BUILD#${event.buildArn}`, fold, decide: decideWith(decideBuildNotifications), compact: compactBuild });
  }

  const pk = executionKey(event);
  const known = await state.read<ExecutionView>(pk);
  // AWS is read where the pipeline runs; where it cannot be (its member role missing or denying), the message goes out with what the event says.
  const where = await placeOf(event, context.invokedFunctionArn, config.organization).catch((error: unknown) => (onFactError(`reading AWS in account ${event.account}`, error), undefined));
  const place = where && (await reachable(where, { table: state.dryRun ? undefined : env.table, now, deadline }));
  const facts = place ? await pipelineFacts(place).gather(event, known?.view, onFactError) : {};
  const build = await failedBuild(event, facts, known?.view, state, deadline, onFactError, place);
  const fold = (view: ExecutionView | undefined) => {
    const applied = applyEvent(view ?? emptyView(event), event);
    return applied === view ? view : applyBuildFailure(applyFacts(applied, facts), build);
  };
  return settle(state, { ...common, pk, fold, decide: decideWith(decideExecutionNotifications), alreadyRead: { record: known }, compact: compactExecution });
}

const onFactError = factErrorReporter('notifying with what is known');

/** When a write is refused for size (an item from before the bounds): a quarter of the usual budget. */
const compactExecution = (view: ExecutionView) => fitExecutionView(view, EXECUTION_VIEW_BYTES / 4);
const compactBuild = (build: BuildEvent) => boundBuildEvent(build, BUILD_CONTEXT_CHARS / 4);

/** The Lambda handler; tests and the local runner give their own environment or clock. */
export const createHandler = (given: Partial<Runtime> = {}) =>
  guardedHandler('Notify', CiEventSchema, (event: CiEvent, context: Context, runtime: Runtime) => notify(event, context, runtime), given);

export const handler = createHandler();
