import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ApiCallEventStandardSchema } from '../shared/events/cloudtrail.js';
import type { ApiCallEvent } from '../shared/events/types.js';
import { getConfig } from '../shared/config/load.js';
import { capabilityFor } from '../shared/config/organization.js';
import { detectTampering } from '../shared/policies/tamper.js';
import { invocationRun } from '../shared/executors/invocation-run.js';
import { handleDetection } from '../shared/executors/tamper.js';
import type { Rehearsal } from '../shared/executors/rehearse.js';
import type { DeliveryResult } from '../shared/executors/deliver.js';
import { guardedHandler, isDryRun, type Runtime } from '../shared/runtime/middleware.js';
import { logger, metrics } from '../shared/runtime/observability.js';
import { ownAccountOr, placeFor } from '../shared/runtime/identity.js';

// Changes around the pipeline, from CloudTrail: what a call did to a protected
// pipeline, service or trail, whether its caller may (decided pure), and the
// alert, enforcement and audit record that follow, once per CloudTrail event.

export type TamperResult = { status: 'ignored'; reason: string } | Rehearsal | DeliveryResult;

export async function tamper(event: ApiCallEvent, context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>, { env, now }: Runtime): Promise<TamperResult> {
  const { config, off } = capabilityFor(getConfig(env.configFile), event.account, 'tamper');
  logger.appendKeys({ eventId: event.eventId, callId: event.callId, operation: event.operation });
  metrics.addMetric('EventReceived', MetricUnit.Count, 1);
  if (off) return { status: 'ignored', reason: off };
  const dryRun = isDryRun(config.dryRun, env);
  // Own roles are those of the function's own account; unknown offline (no ARN, no STS), a dry-run takes the event's.
  const own = await ownAccountOr(context.invokedFunctionArn, dryRun, event.account);
  const detection = detectTampering(event, config, { account: own.account, names: env.ownRoles });
  if ('ignored' in detection) {
    metrics.addMetric(event.errorCode ? 'FailedCallIgnored' : 'CallIgnored', MetricUnit.Count, 1);
    return { status: 'ignored', reason: detection.ignored };
  }
  metrics.addMetric(detection.allowedBy ? 'ChangeAllowed' : 'TamperingDetected', MetricUnit.Count, 1);
  return handleDetection(detection, {
    event,
    config,
    env,
    where: placeFor(event, own, config.organization),
    ...invocationRun(env.table, now, dryRun, context),
  });
}

/** The Lambda handler; tests and the local runner give their own environment or clock. */
export const createHandler = (given: Partial<Runtime> = {}) =>
  guardedHandler('Tamper', ApiCallEventStandardSchema, (event: ApiCallEvent, context: Context, runtime: Runtime) => tamper(event, context, runtime), given);

export const handler = createHandler();
