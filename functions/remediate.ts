import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { FindingEventStandardSchema, type Finding } from '../shared/events/guardduty.js';
import { getConfig } from '../shared/config/load.js';
import { invocationState } from '../shared/state/invocation-state.js';
import { remediateFinding } from '../shared/executors/remediation.js';
import type { Rehearsal } from '../shared/executors/rehearse.js';
import type { DeliveryResult } from '../shared/executors/deliver.js';
import { guardedHandler, isDryRun, type Runtime } from '../shared/runtime/middleware.js';
import { logger, metrics } from '../shared/runtime/observability.js';
import { deadlineFrom } from '../shared/runtime/deadline.js';
import { ownAccountOr, placeFor } from '../shared/runtime/identity.js';
import { logPlan, factErrorReporter } from '../shared/executors/plan-log.js';

// GuardDuty remediation: a finding's playbook (decided pure, with its
// guardrails), carried out against its resource where it is: in the function's
// own account, or in another through the role guardian.yml names for it
// (without one it is notified only, and says so).

export type RemediateResult = Rehearsal | DeliveryResult;

export async function remediate(finding: Finding, context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>, { env, now }: Runtime): Promise<RemediateResult> {
  const config = getConfig(env.configFile);
  logger.appendKeys({ eventId: finding.eventId, findingId: finding.id, findingType: finding.type });
  metrics.addMetric('FindingReceived', MetricUnit.Count, 1);
  const dryRun = isDryRun(config.dryRun, env);
  // The function's own account, unknown offline (no ARN, no STS): a dry-run takes the event's.
  const own = await ownAccountOr(context.invokedFunctionArn, dryRun, finding.account);
  const where = (() => {
    try {
      return placeFor({ account: finding.findingAccount, region: finding.findingRegion }, own, config.remediation.accountRoles);
    } catch (error) {
      logger.warn((error as Error).message);
      return undefined;
    }
  })();
  return remediateFinding({
    finding,
    config,
    env,
    ownAccount: own.account,
    where,
    state: invocationState(env.table, now, dryRun, onFactError),
    deadline: deadlineFrom(() => context.getRemainingTimeInMillis()),
    invokedFunctionArn: context.invokedFunctionArn,
    now,
    logPlan,
    onFactError,
  });
}

const onFactError = factErrorReporter('deciding with what is known');

/** The Lambda handler; tests and the local runner give their own environment or clock. */
export const createHandler = (given: Partial<Runtime> = {}) =>
  guardedHandler('Remediate', FindingEventStandardSchema, (event: Finding, context: Context, runtime: Runtime) => remediate(event, context, runtime), given);

export const handler = createHandler();
