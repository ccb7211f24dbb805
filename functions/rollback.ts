import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { rollbackEventSchema } from '../shared/events/parse-rollback.js';
import type { RollbackEvent } from '../shared/events/types.js';
import { getConfig } from '../shared/config/load.js';
import { capabilityFor } from '../shared/config/organization.js';
import { servicesToHandle } from '../shared/policies/rollback.js';
import { invocationRun } from '../shared/executors/invocation-run.js';
import { handleService, type ServiceResult } from '../shared/executors/rollback.js';
import { guardedHandler, isDryRun, type Runtime } from '../shared/runtime/middleware.js';
import { systemClock } from '../shared/runtime/clock.js';
import { logger, metrics } from '../shared/runtime/observability.js';
import { whereabouts } from '../shared/runtime/identity.js';

// ECS auto-rollback: fold the event into what we know of each service it
// concerns, and when that shows a bad deployment, decide (pure) and perform
// the rollback — one at a time per service, under the service's lease.

export type RollbackResult = { status: 'ignored'; reason: string } | { status: 'handled'; services: ServiceResult[] };

export async function rollback(event: RollbackEvent, context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>, { env, now }: Runtime): Promise<RollbackResult> {
  // The policy of the event's account (a request by hand: guardian.yml's); exempt services are not rolled back there.
  const { config, exempt, off } = capabilityFor(getConfig(env.configFile), event.kind === 'manual' ? undefined : event.account, 'rollback');
  logger.appendKeys({ eventId: event.eventId, eventKind: event.kind });
  metrics.addMetric('EventReceived', MetricUnit.Count, 1);
  if (off) return { status: 'ignored', reason: off };
  const services = servicesToHandle(event, config).filter((s) => !exempt.services.includes(`${s.cluster}/${s.service}`));
  if (services.length === 0) return { status: 'ignored', reason: `no service in the rollback policy for this ${event.kind} event` };

  const dryRun = isDryRun(config.dryRun, env);
  const where = await whereabouts(event, context.invokedFunctionArn, dryRun, env.region, config.organization);
  if (where.unknown) logger.warn(where.unknown);
  const run = {
    event,
    config,
    env,
    where,
    ...invocationRun(env.table, now, dryRun, context),
  };
  const results: ServiceResult[] = [];
  for (const settings of services) {
    const result = await handleService(settings, run);
    results.push(where.unknown && result.status === 'dry-run' ? { ...result, plan: { ...result.plan, skipped: [where.unknown, ...result.plan.skipped] } } : result);
  }
  return { status: 'handled', services: results };
}

/** The Lambda handler; tests and the local runner give their own environment or clock (a manual request is timed by it too). */
export const createHandler = (given: Partial<Runtime> = {}) =>
  guardedHandler('Rollback', rollbackEventSchema(given.now ?? systemClock), (event: RollbackEvent, context: Context, runtime: Runtime) => rollback(event, context, runtime), given);

export const handler = createHandler();
