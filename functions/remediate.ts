import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { FindingEventStandardSchema, type Finding } from '../shared/events/guardduty.js';
import { getConfig } from '../shared/config/load.js';
import { capabilityFor } from '../shared/config/organization.js';
import { invocationRun } from '../shared/executors/invocation-run.js';
import { remediateFinding } from '../shared/executors/remediation.js';
import type { Rehearsal } from '../shared/executors/rehearse.js';
import type { DeliveryResult } from '../shared/executors/deliver.js';
import { guardedHandler, isDryRun, type Runtime } from '../shared/runtime/middleware.js';
import { logger, metrics } from '../shared/runtime/observability.js';
import { ownAccountOr, placeFor } from '../shared/runtime/identity.js';

// GuardDuty remediation: a finding's playbook (decided pure, with its
// guardrails), carried out against its resource where it is: in the function's
// own account, or in a member account the organization section serves through
// its member role, where that account's policy lets remediation act (otherwise
// it is notified only, and says why).

export type RemediateResult = Rehearsal | DeliveryResult;

export async function remediate(finding: Finding, context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>, { env, now }: Runtime): Promise<RemediateResult> {
  // The policy of the account the finding's resource is in (a GuardDuty administrator account sends its members' findings).
  const { config, exempt, off } = capabilityFor(getConfig(env.configFile), finding.findingAccount, 'remediate');
  logger.appendKeys({ eventId: finding.eventId, findingId: finding.id, findingType: finding.type });
  metrics.addMetric('FindingReceived', MetricUnit.Count, 1);
  const dryRun = isDryRun(config.dryRun, env);
  // The function's own account, unknown offline (no ARN, no STS): a dry-run takes the event's.
  const own = await ownAccountOr(context.invokedFunctionArn, dryRun, finding.account);
  const where = (() => {
    if (off) return { refused: off };
    try {
      return placeFor({ account: finding.findingAccount, region: finding.findingRegion }, own, config.organization);
    } catch (error) {
      logger.warn((error as Error).message);
      return { refused: (error as Error).message };
    }
  })();
  return remediateFinding({
    finding,
    config,
    env,
    where,
    exemptServices: exempt.services,
    ...invocationRun(env.table, now, dryRun, context),
  });
}

/** The Lambda handler; tests and the local runner give their own environment or clock. */
export const createHandler = (given: Partial<Runtime> = {}) =>
  guardedHandler('Remediate', FindingEventStandardSchema, (event: Finding, context: Context, runtime: Runtime) => remediate(event, context, runtime), given);

export const handler = createHandler();
