import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Plan } from '../plan/plan.js';
import { logger, metrics } from '../runtime/observability.js';

// What every function logs of its decisions and of the reads it did without:
// one structured line per plan, one warning and one EnrichmentFailed count per failed read.

/** Logs a plan (its subject, each action's type and reason, what was skipped) and passes it on. */
export function logPlan(plan: Plan): Plan {
  logger.info('plan', { subject: plan.subject, actions: plan.actions.map((a) => ({ type: a.type, reason: a.reason })), skipped: plan.skipped });
  return plan;
}

/** Reports a read that failed while the function goes on without it ("deciding with what is known"). */
export const factErrorReporter =
  (goingOn: string) =>
  (call: string, error: unknown): void => {
    logger.warn(`${call} failed; ${goingOn}`, { error: error as Error });
    metrics.addMetric('EnrichmentFailed', MetricUnit.Count, 1);
  };
