import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ScheduledEventInput, type ScheduledTick } from '../shared/events/schedule.js';
import { getConfig } from '../shared/config/load.js';
import { schedulablePolicies } from '../shared/policies/freeze-schedule.js';
import type { Channels } from '../shared/actions/module.js';
import { FREEZE_ACTIONS } from '../shared/actions/change-actions.js';
import { invocationState } from '../shared/state/invocation-state.js';
import { notificationChannels } from '../shared/executors/channels.js';
import { governedTransitions, settleTransition } from '../shared/executors/freeze-schedule.js';
import { guardedHandler, isDryRun, type Runtime } from '../shared/runtime/middleware.js';
import { logger, metrics } from '../shared/runtime/observability.js';
import { deadlineFrom } from '../shared/runtime/deadline.js';
import { slackMode } from '../shared/runtime/slack-credentials.js';
import { logPlan } from '../shared/executors/plan-log.js';

// Every 5 minutes: close the inbound transitions of the stages approval
// policies govern while a freeze (or the time outside deploy hours) holds,
// open again those it closed once it ends, and say so in Slack and the audit trail.

export type FreezeScheduleResult =
  | { status: 'ignored'; reason: string }
  | { status: 'handled'; stages: Awaited<ReturnType<typeof settleTransition>>[]; skipped: string[] };

export async function freezeSchedule(tick: ScheduledTick, context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>, { env, now }: Runtime): Promise<FreezeScheduleResult> {
  const config = getConfig(env.configFile);
  logger.appendKeys({ eventId: tick.eventId });
  metrics.addMetric('EventReceived', MetricUnit.Count, 1);
  if (!config.protection.freezeTransitions) return { status: 'ignored', reason: 'protection.freezeTransitions is off' };
  const policies = schedulablePolicies(config);
  if (policies.length === 0) return { status: 'ignored', reason: 'no approval policy has freezes or deploy hours' };

  const dryRun = isDryRun(config.dryRun, env);
  // The schedule's rule fires in the stack's own account and region: the pipelines it governs are there.
  const place = { account: tick.account, region: tick.region };
  const { transitions, unread } = await governedTransitions(config, place);
  for (const why of unread) onFactError(why);
  const deadline = deadlineFrom(() => context.getRemainingTimeInMillis());
  let channels: Promise<Channels> | undefined;
  const run = {
    config,
    place,
    at: now(),
    slackMode: slackMode(config, env),
    state: invocationState(env.table, now, dryRun, (call: string, error: unknown) => onFactError(`${call} failed: ${(error as Error).message}`)),
    channels: () => (channels ??= notificationChannels(config, env, deadline, context.invokedFunctionArn).then((c) => ({ ...c, changes: FREEZE_ACTIONS, place }))),
    deadline,
    now,
    onPlan: logPlan,
  };
  const stages = [];
  for (const t of transitions) stages.push(await settleTransition(t, run));
  // What could not be read is decided on the next tick; a real run fails so the miss is seen (retries, then the DLQ).
  if (unread.length > 0 && !dryRun) throw new Error(`freeze scheduling could not read ${unread.length} of the governed pipelines: ${unread.join('; ')}`);
  return { status: 'handled', stages, skipped: unread };
}

const onFactError = (why: string) => {
  logger.warn(why);
  metrics.addMetric('EnrichmentFailed', MetricUnit.Count, 1);
};

/** The Lambda handler; tests and the local runner give their own environment or clock. */
export const createHandler = (given: Partial<Runtime> = {}) =>
  guardedHandler('FreezeSchedule', ScheduledEventInput, (tick: ScheduledTick, context: Context, runtime: Runtime) => freezeSchedule(tick, context, runtime), given);

export const handler = createHandler();
