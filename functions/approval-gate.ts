import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parseCiEvent, asStandardSchema } from '../shared/events/parse.js';
import { parseScheduledEvent, type ScheduledTick } from '../shared/events/schedule.js';
import type { CiEvent } from '../shared/events/types.js';
import { getConfig } from '../shared/config/load.js';
import { capabilityFor } from '../shared/config/organization.js';
import { globToRegExp } from '../shared/policies/routing.js';
import { isManualApproval } from '../shared/policies/approval-gate.js';
import { invocationState } from '../shared/state/invocation-state.js';
import { gateApproval, remindApprovals } from '../shared/executors/approval-gate.js';
import { guardedHandler, isDryRun, type Runtime } from '../shared/runtime/middleware.js';
import { logger, metrics } from '../shared/runtime/observability.js';
import { deadlineFrom } from '../shared/runtime/deadline.js';
import { placeOf } from '../shared/runtime/identity.js';
import { reachable } from '../shared/state/member-access.js';
import { logPlan } from '../shared/executors/plan-log.js';

// The approval gate: a manual approval STARTED is decided by its policy
// (rejected or approved automatically, with the reason, or asked in Slack with
// Approve and Reject buttons); its end closes the request; a schedule reminds
// before approvals time out.

type GateEvent = CiEvent | (ScheduledTick & { kind: 'schedule' });
const isScheduled = (raw: unknown) => (raw as { 'detail-type'?: unknown } | null)?.['detail-type'] === 'Scheduled Event';
const GateEventSchema = asStandardSchema<GateEvent>((raw) => (isScheduled(raw) ? { kind: 'schedule' as const, ...parseScheduledEvent(raw) } : parseCiEvent(raw)));

export async function approvalGate(event: GateEvent, context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>, { env, now }: Runtime) {
  const { config, exempt, off } = capabilityFor(getConfig(env.configFile), event.account, 'approvals');
  logger.appendKeys({ eventId: event.eventId });
  metrics.addMetric('EventReceived', MetricUnit.Count, 1);
  if (off) return { status: 'ignored' as const, reason: off };
  const onReadError = (call: string, error: unknown) => {
    logger.warn(`${call} failed; deciding with what is known`, { error: error as Error });
    metrics.addMetric('EnrichmentFailed', MetricUnit.Count, 1);
  };
  const run = {
    config,
    env,
    now,
    state: invocationState(env.table, now, isDryRun(config.dryRun, env), onReadError),
    deadline: deadlineFrom(() => context.getRemainingTimeInMillis()),
    invokedFunctionArn: context.invokedFunctionArn,
    onPlan: logPlan,
  };
  if (event.kind === 'schedule') return remindApprovals(run);
  if (event.kind !== 'action' || !isManualApproval(event)) return { status: 'ignored' as const, reason: 'not a manual approval action' };
  if (exempt.pipelines.some((glob) => globToRegExp(glob).test(event.pipeline))) return { status: 'ignored' as const, reason: `pipeline ${event.pipeline} is exempt in account ${event.account}: its approvals are left to people` };
  // AWS is read where the pipeline runs; without its member role there, nothing can be approved (the request says so).
  const where = await placeOf(event, context.invokedFunctionArn, config.organization).catch((error: unknown) => (onReadError(`reading AWS in account ${event.account}`, error), undefined));
  const place = where && (await reachable(where, { table: run.state.dryRun ? undefined : env.table, now, deadline: run.deadline }));
  return gateApproval(event, place, run);
}

/** The Lambda handler; tests and the local runner give their own environment or clock. */
export const createHandler = (given: Partial<Runtime> = {}) =>
  guardedHandler('ApprovalGate', GateEventSchema, (event: GateEvent, context: Context, runtime: Runtime) => approvalGate(event, context, runtime), given);

export const handler = createHandler();
