import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { rollbackEventSchema } from '../shared/events/parse-rollback.js';
import type { RollbackEvent } from '../shared/events/types.js';
import { getConfig } from '../shared/config/load.js';
import type { GuardianConfig, RollbackSettings } from '../shared/config/schema.js';
import type { GuardianEnv } from '../shared/config/env.js';
import { ecsFacts, pipelineStateFacts } from '../shared/facts/ecs.js';
import { executionKey, type ExecutionView } from '../shared/views/execution-view.js';
import { decideRollback, decideRollbackFailure, findTrigger, rollbackSettings, servicesFor, settledTrigger, whyNoRollback, type RollbackFailure } from '../shared/policies/rollback.js';
import { applyServiceEvent, emptyServiceView, fitServiceView, promoteKnownGood, SERVICE_VIEW_BYTES, serviceKey, type ServiceView, type ServiceFacts } from '../shared/views/service-view.js';
import { emptyDelivery } from '../shared/plan/delivery.js';
import type { Plan } from '../shared/plan/plan.js';
import { peekState, stateStore, type StateStore } from '../shared/state/store.js';
import { peekRehearsed } from '../shared/state/dry-run.js';
import { rehearse, type Rehearsal } from '../shared/executors/rehearse.js';
import { CHANGE_ACTIONS } from '../shared/actions/change-actions.js';
import { deliverUnderLease, type DeliveryResult } from '../shared/executors/deliver.js';
import { notificationChannels } from '../shared/executors/channels.js';
import { RollbackError } from '../shared/runtime/aws-errors.js';
import { guardedHandler, isDryRun, type Runtime } from '../shared/runtime/middleware.js';
import { systemClock } from '../shared/runtime/clock.js';
import { logger, metrics } from '../shared/runtime/observability.js';
import { deadlineFrom, type Deadline } from '../shared/runtime/deadline.js';
import { slackMode } from '../shared/runtime/slack-credentials.js';
import { ownIdentity, placeFor } from '../shared/runtime/identity.js';
import type { Place } from '../shared/runtime/aws.js';

// ECS auto-rollback: fold the event into what we know of the service, and
// when it shows a bad deployment, decide (pure) and perform the rollback —
// one at a time per service, under the service's lease in the state table.

export type ServiceResult =
  /** Dry-run: performed against the recording sink (the rollback call with its parameters, each message), nothing stored. */
  | ({ service: string } & Rehearsal)
  | ({ service: string; status: 'delivered' | 'deferred' } & Pick<DeliveryResult, 'plans' | 'outcomes' | 'recorded'>);

export type RollbackResult = { status: 'ignored'; reason: string } | { status: 'handled'; services: ServiceResult[] };

type Invocation = Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>;

type Whereabouts = Place & { unknown?: string };

/**
 * Where the service is, and so where to read and act: the event's account and region, or (for a
 * request by hand) the function's own. Another account than the function's own is refused while
 * no role is configured for it. The function's own account unknown, a dry-run still plans (and
 * says so); a real run stops rather than act on a wrong key or in the wrong account.
 */
async function whereabouts(event: RollbackEvent, context: Invocation, dryRun: boolean, env: GuardianEnv): Promise<Whereabouts> {
  let own;
  try {
    own = await ownIdentity(context.invokedFunctionArn);
  } catch (error) {
    const why = (error as Error).message;
    const subject = event.kind === 'manual' ? `the request for ${event.cluster}/${event.service}` : `the ${event.kind} event from account ${event.account}`;
    if (!dryRun) throw new Error(`cannot handle ${subject}: ${why}; it keys the service's state (known-good revision, cooldown)`, { cause: error });
    if (event.kind !== 'manual') return { account: event.account, region: event.region, unknown: `${why}; planned as if in the function's own account` };
    return { account: 'unknown', region: env.region ?? 'unknown', unknown: `${why}; planned from the request alone` };
  }
  return placeFor(event.kind === 'manual' ? own : event, own);
}

const onFactError = (call: string, error: unknown) => {
  logger.warn(`${call} failed; deciding with what is known`, { error: error as Error });
  metrics.addMetric('EnrichmentFailed', MetricUnit.Count, 1);
};

/** The Slack message of the pipeline execution that is deploying the service, if we posted one. */
async function pipelineThread(settings: RollbackSettings, where: Place, store: StateStore) {
  if (!settings.pipeline) return undefined;
  const executionId = await pipelineStateFacts(where).deployingExecution(settings.pipeline.name, settings.pipeline.deployStage);
  if (!executionId) return undefined;
  const record = await store.get<ExecutionView>(executionKey({ ...where, pipeline: settings.pipeline.name, executionId }));
  const [message] = Object.values(record?.delivery.messages ?? {});
  return message && { channelId: message.channelId, ts: message.ts };
}

async function handleService(
  event: RollbackEvent,
  settings: RollbackSettings,
  config: GuardianConfig,
  context: Invocation,
  deadline: Deadline,
  now: Date,
  where: Whereabouts,
  env: GuardianEnv,
  clock: () => Date,
): Promise<ServiceResult> {
  const store = () => stateStore(env.table, clock);
  const identity = { ...where, cluster: settings.cluster, service: settings.service };
  const name = `${settings.cluster}/${settings.service}`;
  const completed = event.kind === 'ecs-deployment' && event.eventName === 'SERVICE_DEPLOYMENT_COMPLETED';
  // A completed deployment is known-good material: learn which task definition it runs.
  const taskDefinitionArn = completed ? await ecsFacts(where).deployedTaskDefinition(settings.cluster, settings.service, event.deploymentId, onFactError) : undefined;
  const fold = (view: ServiceView | undefined) =>
    promoteKnownGood(applyServiceEvent(view ?? emptyServiceView(identity), event, { taskDefinitionArn }), settings.bakeMinutes * 60_000, now);

  const dryRun = isDryRun(config.dryRun, env);
  const pk = serviceKey(identity);
  // Dry-run judges the event against what is stored (when the table can be read) or what it rehearsed in this process, and stores nothing.
  const rehearsed = dryRun ? await peekRehearsed<ServiceView>(pk, (key) => peekState(env.table ? store() : undefined, key, onFactError)) : undefined;
  const stored = dryRun ? undefined : (await store().updateView<ServiceView>(pk, fold, undefined, { deadline, compact: compactHarder })).record;
  const view = stored ? stored.view : fold(rehearsed?.view);
  const dryRunResult = async (plan: Plan): Promise<ServiceResult> => ({ service: name, ...(await rehearse(pk, rehearsed, view, plan, clock, CHANGE_ACTIONS)) });

  const trigger = findTrigger(view, event, settings);
  const finished = event.kind === 'ecs-deployment' && event.eventName !== 'SERVICE_DEPLOYMENT_IN_PROGRESS';
  // Only a trigger or a finished deployment (a rollback's outcome to report) can owe anything, and not a
  // trigger whose deployment's outcome was told in full (rolled back and told, or stood down and told):
  // the rest read nothing more and take no lease.
  const settled = trigger?.deploymentId !== undefined && stored ? settledTrigger(trigger.deploymentId, { settings, delivery: stored.delivery, slackMode: slackMode(config, env) }) : undefined;
  if (!dryRun && !finished && (!trigger || settled)) {
    const why = settled ?? whyNoRollback(view, event, settings);
    return { service: name, status: 'delivered', plans: [logPlan({ subject: `service ${name}`, actions: [], skipped: [why] })], outcomes: [] };
  }
  const channels = async () => ({ ...(await notificationChannels(config, env, deadline, context.invokedFunctionArn)), changes: CHANGE_ACTIONS, place: where });
  let thread: { channelId: string; ts: string } | undefined;
  let facts: ServiceFacts | undefined;
  try {
    if (trigger) {
      metrics.addMetric('RollbackTriggered', MetricUnit.Count, 1);
      const describe = ecsFacts(where).describe(settings.cluster, settings.service, { codeDeploy: settings.codeDeploy, candidates: view.knownGood ? [view.knownGood.taskDefinitionArn] : [] }, onFactError);
      if (dryRun) {
        // Offline (`sls invoke local`), the service cannot be read: the plan says so instead of failing.
        try {
          facts = await describe;
        } catch (error) {
          const plan: Plan = { subject: `service ${name}`, actions: [], skipped: [`${trigger.summary}: would decide a rollback, but the service could not be read: ${(error as Error).message}`] };
          return dryRunResult(logPlan(plan));
        }
      } else {
        facts = await describe;
      }
    }
    // Rollback news, and later its outcome, go to the thread of the pipeline execution that deployed.
    if (!dryRun) {
      thread = await pipelineThread(settings, where, store()).catch((error: unknown) => (onFactError('GetPipelineState', error), undefined));
    }
    const decide = (v: ServiceView, delivery = emptyDelivery()) =>
      logPlan(decideRollback({ view: v, event, settings, facts, delivery, slackMode: slackMode(config, env), thread, now }));
    if (dryRun) return dryRunResult(decide(view, rehearsed?.delivery));
    // The decision depends on this event (its trigger): wait for the lease rather than leave it to the holder.
    const result = await deliverUnderLease<ServiceView>(store(), pk, (r) => decide(r.view, r.delivery), channels, deadline, 'wait');
    return { service: name, ...result };
  } catch (error) {
    // Reading the service or rolling it back failed: say so loudly, then fail so Lambda retries and the DLQ keeps the event.
    // Without facts no change was planned, let alone tried: only the read failed.
    const failures = rollbackFailures(error).map((f) => ({ ...f, attempted: trigger === undefined || facts !== undefined }));
    if (failures.length > 0 && !dryRun) {
      metrics.addMetric('RollbackFailed', MetricUnit.Count, 1);
      await deliverUnderLease<ServiceView>(
        store(),
        pk,
        (r) => logPlan(decideRollbackFailure({ settings, delivery: r.delivery, slackMode: slackMode(config, env), thread }, failures)),
        channels,
        deadline,
        'wait',
      ).catch((alertError: unknown) => logger.error('could not tell people the rollback failed', { error: alertError as Error }));
    }
    throw error;
  }
}

/** When DynamoDB refuses the write for its size (an item from before the bounds): a quarter of the usual budget. */
const compactHarder = (view: ServiceView) => fitServiceView(view, SERVICE_VIEW_BYTES / 4);

export async function rollback(event: RollbackEvent, context: Invocation, { env, now }: Runtime): Promise<RollbackResult> {
  const config = getConfig(env.configFile);
  logger.appendKeys({ eventId: event.eventId, eventKind: event.kind });
  metrics.addMetric('EventReceived', MetricUnit.Count, 1);
  const services = servicesFor(event, config);
  if (event.kind === 'manual' && services.length === 0) {
    // The function's role may only touch the services the policy lists.
    throw new Error(`${event.cluster}/${event.service} is not in rollback.services of guardian.yml: cicd-guardian may not roll it back`);
  }
  if (services.length === 0) return { status: 'ignored', reason: `no service in the rollback policy for this ${event.kind} event` };

  const deadline = deadlineFrom(() => context.getRemainingTimeInMillis());
  const where = await whereabouts(event, context, isDryRun(config.dryRun, env), env);
  if (where.unknown) logger.warn(where.unknown);
  const results: ServiceResult[] = [];
  for (const service of services) {
    const settings = rollbackSettings(service, config);
    // A request by hand may ask for a dry-run; it can never turn a configured dry-run off.
    if (event.kind === 'manual' && event.dryRun) settings.dryRun = true;
    const result = await handleService(event, settings, config, context, deadline, now(), where, env, now);
    results.push(where.unknown && result.status === 'dry-run' ? { ...result, plan: { ...result.plan, skipped: [where.unknown, ...result.plan.skipped] } } : result);
  }
  return { status: 'handled', services: results };
}

/** The rollback steps that failed in a delivery, with their keys. */
function rollbackFailures(error: unknown): RollbackFailure[] {
  const errors = error instanceof AggregateError ? error.errors : [error];
  return errors
    .filter((e): e is RollbackError => e instanceof RollbackError)
    .map((e) => ({ target: e.service, message: e.message, hint: e.hint, retryable: e.retryable }));
}

function logPlan(plan: Plan): Plan {
  logger.info('plan', { subject: plan.subject, actions: plan.actions.map((a) => ({ type: a.type, reason: a.reason })), skipped: plan.skipped });
  return plan;
}

/** The Lambda handler; tests and the local runner give their own environment or clock (a manual request is timed by it too). */
export const createHandler = (given: Partial<Runtime> = {}) =>
  guardedHandler('Rollback', rollbackEventSchema(given.now ?? systemClock), (event: RollbackEvent, context: Context, runtime: Runtime) => rollback(event, context, runtime), given);

export const handler = createHandler();
