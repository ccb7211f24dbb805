import type { Context } from 'aws-lambda';
import { CiEventSchema } from '../shared/events/parse.js';
import { startingPipeline, type BuildEvent, type CiEvent, type PipelineEvent } from '../shared/events/types.js';
import { getConfig } from '../shared/config/load.js';
import {
  actionKey,
  applyBuildFailure,
  applyEvent,
  applyFacts,
  buildFailureOf,
  emptyView,
  EXECUTION_VIEW_BYTES,
  executionKey,
  failedBuildOf,
  fitExecutionView,
  type BuildFailure,
  type ExecutionView,
} from '../shared/views/execution-view.js';
import { decideBuildNotifications, decideExecutionNotifications, hasTargets, type NotifyInputs } from '../shared/policies/notifications.js';
import { emptyDelivery } from '../shared/plan/delivery.js';
import { boundBuildEvent, BUILD_CONTEXT_CHARS, laterBuildEvent, pipelineBuildKey, withExecution, withFailure, type PipelineBuild } from '../shared/views/build-view.js';
import { pipelineFacts, type ExecutionFacts } from '../shared/facts/codepipeline.js';
import { buildFacts } from '../shared/facts/codebuild.js';
import { buildIdOf } from '../shared/events/codebuild.js';
import { peekState, stateStore, type StateStore, type SubjectRecord } from '../shared/state/store.js';
import { keepRehearsal, peekRehearsed } from '../shared/state/dry-run.js';
import { nothingRehearsed, rehearse, type Rehearsal } from '../shared/executors/rehearse.js';
import { foldAndDeliver, type DeliveryResult } from '../shared/executors/deliver.js';
import { notificationChannels } from '../shared/executors/channels.js';
import type { Plan } from '../shared/plan/plan.js';
import { guardedHandler, isDryRun, type Runtime } from '../shared/runtime/middleware.js';
import { logger, metrics } from '../shared/runtime/observability.js';
import { deadlineFrom, type Deadline } from '../shared/runtime/deadline.js';
import { slackMode } from '../shared/runtime/slack-credentials.js';
import { placeOf } from '../shared/runtime/identity.js';
import type { Place } from '../shared/runtime/aws.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

// Pipeline and build notifications: fold the event into what we know of its
// execution (or build), then tell Slack and email what they are still owed.

export type NotifyResult =
  | { status: 'ignored'; reason: string }
  /** Stored to be joined with a later event: a pipeline's failed build whose action has not arrived. */
  | { status: 'recorded'; reason: string }
  /** Dry-run: performed against the recording sink (every message and call it would make), nothing stored. */
  | Rehearsal
  | ({ status: 'delivered' | 'deferred' } & Pick<DeliveryResult, 'plans' | 'outcomes'>);

const buildKey = (e: BuildEvent) => `BUILD#${e.buildArn}`;

/** The state table as this invocation sees it: to write, or (dry-run) to read when it is configured. */
interface State {
  store(): StateStore;
  peek<V>(pk: string): Promise<SubjectRecord<V> | undefined>;
}

export async function notify(event: CiEvent, context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>, { env, now }: Runtime): Promise<NotifyResult> {
  const config = getConfig(env.configFile);
  // A build a pipeline started belongs to the pipeline's message, unless builds are asked for on their own.
  const pipeline = event.kind === 'build' && !config.notifications.pipelineBuilds ? startingPipeline(event) : undefined;
  const subject =
    event.kind !== 'build' ? { kind: 'pipeline' as const, name: event.pipeline } : pipeline ? { kind: 'pipeline' as const, name: pipeline } : { kind: 'build' as const, name: event.project };
  logger.appendKeys({ eventId: event.eventId, subject: subject.name });
  metrics.addMetric('EventReceived', MetricUnit.Count, 1);
  if (!hasTargets(subject, config)) return { status: 'ignored', reason: `no route for ${subject.kind} ${subject.name}` };

  const deadline = deadlineFrom(() => context.getRemainingTimeInMillis());
  const dryRun = isDryRun(config.dryRun, env);
  const inputs = (delivery = emptyDelivery()): NotifyInputs => ({ config, delivery, slackMode: slackMode(config, env), now: now() });
  const state: State = { store: () => stateStore(env.table, now), peek: (pk) => peekRehearsed(pk, (key) => peekState(env.table ? stateStore(env.table, now) : undefined, key, onFactError)) };
  // Fold the event into the stored view and deliver what that leaves owed, under the subject's lease.
  const deliver = <V>(
    pk: string,
    change: (current: V | undefined) => V,
    decide: (view: V, inputs: NotifyInputs) => Plan,
    stored?: { alreadyRead?: { record: SubjectRecord<V> | undefined }; compact: (view: V) => V },
  ) =>
    foldAndDeliver<V>(
      state.store(),
      pk,
      change,
      (r) => decide(r.view, inputs(r.delivery)),
      () => notificationChannels(config, env, deadline, context.invokedFunctionArn),
      deadline,
      stored?.alreadyRead,
      stored?.compact,
      logPlan,
    );

  const onFactError = (call: string, error: unknown) => {
    logger.warn(`${call} failed; notifying with what is known`, { error: error as Error });
    metrics.addMetric('EnrichmentFailed', MetricUnit.Count, 1);
  };

  if (event.kind === 'build' && pipeline) {
    const failure = buildFailureOf(event);
    const label = `build ${buildIdOf(event.buildArn)} started by pipeline ${pipeline}`;
    if (!failure) return { status: 'ignored', reason: `${label} is ${event.status} with no failed phase: nothing to add to the pipeline's message` };
    const key = pipelineBuildKey(event.account, event.region, failure.buildId);
    const known = dryRun ? await rehearseBuild(state, key, (b) => withFailure(b, failure)) : (await state.store().updateView<PipelineBuild>(key, (b) => withFailure(b, failure), undefined, { deadline })).record;
    const execution = known?.view.execution;
    const waiting = `${label} failed in phase ${failure.phase}: kept until the pipeline's failed action names the build`;
    if (!execution && dryRun) return nothingRehearsed(logPlan({ subject: label, actions: [], skipped: [`(dry-run, not recorded) ${waiting}`] }));
    if (!execution) return { status: 'recorded', reason: waiting };
    const pk = executionKey(execution);
    const fold = (view: ExecutionView | undefined) => applyBuildFailure(view ?? emptyView(execution), failure);
    if (dryRun) {
      const stored = await state.peek<ExecutionView>(pk);
      const view = fold(stored?.view);
      return rehearse(pk, stored, view, logPlan(decideExecutionNotifications(view, inputs(stored?.delivery))), now);
    }
    return deliver(pk, fold, decideExecutionNotifications, { compact: compactExecution });
  }

  if (event.kind === 'build') {
    if (dryRun) {
      const stored = await state.peek<BuildEvent>(buildKey(event));
      const view = laterBuildEvent(stored?.view, event);
      return rehearse(buildKey(event), stored, view, logPlan(decideBuildNotifications(view, inputs(stored?.delivery))), now);
    }
    return deliver<BuildEvent>(buildKey(event), (current) => laterBuildEvent(current, event), decideBuildNotifications, { compact: compactBuild });
  }

  const pk = executionKey(event);
  // Dry-run decides against what is stored (when the table can be read) or what it rehearsed in this process, and stores nothing.
  const known = dryRun ? await state.peek<ExecutionView>(pk) : await state.store().get<ExecutionView>(pk);
  // AWS is read where the pipeline runs; where it cannot be (no role in its account), the message goes out with what the event says.
  const place = await placeOf(event, context.invokedFunctionArn).catch((error: unknown) => (onFactError(`reading AWS in account ${event.account}`, error), undefined));
  const facts = place ? await pipelineFacts(place).gather(event, known?.view, onFactError) : {};
  const build = await failedBuild(event, facts, known?.view, dryRun, deadline, state, onFactError, place);
  const fold = (view: ExecutionView | undefined) => {
    const applied = applyEvent(view ?? emptyView(event), event);
    return applied === view ? view : applyBuildFailure(applyFacts(applied, facts), build);
  };
  if (dryRun) {
    const view = fold(known?.view);
    return rehearse(pk, known, view, logPlan(decideExecutionNotifications(view, inputs(known?.delivery))), now);
  }

  return deliver(pk, fold, decideExecutionNotifications, { alreadyRead: { record: known }, compact: compactExecution });
}

/**
 * For a failed CodeBuild action: why its build failed. The build's own event,
 * if it came first, left it in the build's record; else CodeBuild is asked.
 * The record also learns the execution, for a build event that comes later.
 */
async function failedBuild(
  event: PipelineEvent,
  facts: ExecutionFacts,
  known: ExecutionView | undefined,
  dryRun: boolean,
  deadline: Deadline,
  state: State,
  onFactError: (call: string, error: unknown) => void,
  place: Place | undefined,
): Promise<BuildFailure | undefined> {
  const action =
    event.kind === 'action'
      ? { ...event, result: event.result?.externalId ? event.result : facts.results?.[actionKey(event.stage, event.action)] }
      : // A FAILED execution whose failed action is known only from ListActionExecutions.
        Object.values(facts.failedActions ?? {}).find((a) => failedBuildOf(a));
  const buildId = action && failedBuildOf(action);
  if (!buildId || known?.builds?.[buildId]) return undefined;
  const key = pipelineBuildKey(event.account, event.region, buildId);
  const record = dryRun ? await rehearseBuild(state, key, (b) => withExecution(b, event)) : (await state.store().updateView<PipelineBuild>(key, (b) => withExecution(b, event), undefined, { deadline })).record;
  return record?.view.failure ?? (place ? await buildFacts(place).failure(buildId, onFactError) : undefined);
}

/** A pipeline build's record as a dry-run would have changed it, kept in this process only. */
async function rehearseBuild(state: State, key: string, change: (b: PipelineBuild | undefined) => PipelineBuild) {
  const stored = await state.peek<PipelineBuild>(key);
  const view = change(stored?.view);
  keepRehearsal(key, stored, view, stored?.delivery ?? emptyDelivery());
  return { ...stored, view, delivery: stored?.delivery ?? emptyDelivery(), version: stored?.version ?? 0 };
}

/** When a write is refused for size (an item from before the bounds): a quarter of the usual budget. */
const compactExecution = (view: ExecutionView) => fitExecutionView(view, EXECUTION_VIEW_BYTES / 4);
const compactBuild = (build: BuildEvent) => boundBuildEvent(build, BUILD_CONTEXT_CHARS / 4);

function logPlan(plan: Plan): Plan {
  logger.info('plan', { subject: plan.subject, actions: plan.actions.map((a) => ({ type: a.type, reason: a.reason })), skipped: plan.skipped });
  return plan;
}

/** The Lambda handler; tests and the local runner give their own environment or clock. */
export const createHandler = (given: Partial<Runtime> = {}) =>
  guardedHandler('Notify', CiEventSchema, (event: CiEvent, context: Context, runtime: Runtime) => notify(event, context, runtime), given);

export const handler = createHandler();
