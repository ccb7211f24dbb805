import type { GuardianConfig } from '../config/schema.js';
import type { GuardianEnv } from '../config/env.js';
import type { ActionExecutionEvent } from '../events/types.js';
import { approvalPolicyFor, decideGate, reminderDue } from '../policies/approval.js';
import { closedByEvent, openedRequest, planForRequest, requestChannel } from '../policies/approval-gate.js';
import type { Plan } from '../plan/plan.js';
import type { Delivery } from '../plan/delivery.js';
import { executionKey } from '../views/execution-view.js';
import { approvalFacts } from '../facts/approval.js';
import {
  approvalRequestKey,
  approvalRequestPk,
  boundRequest,
  OPEN_REQUESTS_PK,
  summarizeFacts,
  withOpenRequest,
  withoutOpenRequest,
  type ApprovalRequest,
  type OpenRequests,
} from '../state/approval-request.js';
import type { InvocationState } from '../state/invocation-state.js';
import { decisionMade } from '../state/votes.js';
import { APPROVAL_ACTIONS } from '../actions/change-actions.js';
import type { Channels } from '../actions/module.js';
import type { Deadline } from '../runtime/deadline.js';
import type { Place } from '../runtime/aws.js';
import { logger } from '../runtime/observability.js';
import { notificationChannels } from './channels.js';
import { settle } from './settle.js';

// The approval gate's orchestration: facts, the pure decision, the request's
// record (folded, then what it owes delivered under its lease, or rehearsed),
// and the index of open requests the reminder schedule reads.

export interface GateRun {
  config: GuardianConfig;
  env: GuardianEnv;
  state: InvocationState;
  deadline: Deadline;
  now: () => Date;
  invokedFunctionArn?: string;
  onPlan: (plan: Plan) => Plan;
}

const channelsFor = (run: GateRun, place?: Place) => async (): Promise<Channels> => ({
  ...(await notificationChannels(run.config, run.env, run.deadline, run.invokedFunctionArn)),
  changes: APPROVAL_ACTIONS,
  ...(place ? { place } : {}),
});

const settleRequest = (run: GateRun, pk: string, fold: (r: ApprovalRequest | undefined) => ApprovalRequest, decide: (r: ApprovalRequest, d: Delivery) => Plan, place?: Place) =>
  settle<ApprovalRequest>(run.state, { pk, fold, decide, channels: channelsFor(run, place), deadline: run.deadline, now: run.now, onPlan: run.onPlan, changes: APPROVAL_ACTIONS });

async function updateOpenIndex(run: GateRun, change: (index: OpenRequests | undefined) => OpenRequests): Promise<void> {
  if (run.state.dryRun) return;
  await run.state.store().updateView<OpenRequests>(OPEN_REQUESTS_PK, change, undefined, { deadline: run.deadline });
}

/** A manual approval STARTED (ask, or decide by policy) or ended (close the request). */
export async function gateApproval(event: ActionExecutionEvent, place: Place | undefined, run: GateRun) {
  const subject = { pipeline: event.pipeline, stage: event.stage, action: event.action };
  const policy = approvalPolicyFor(run.config, subject);
  if (!policy) return { status: 'ignored' as const, reason: `no approval policy governs ${event.pipeline}/${event.stage}/${event.action}` };
  const where = { account: event.account, region: event.region, ...subject, executionId: event.executionId };
  const key = approvalRequestKey(where);
  const pk = approvalRequestPk(key);
  const execution = await run.state.read<unknown>(executionKey(event));
  const channel = requestChannel(policy, run.config, event.pipeline);
  const thread = channel ? execution?.delivery.messages[channel] : undefined;
  const decide = (r: ApprovalRequest) => planForRequest(r, policy, run.config, { ...(thread ? { thread } : {}), now: run.now() });

  if (event.state !== 'STARTED') {
    // A decision being made in Slack is let finish first: this end may be its own PutApprovalResult landing.
    if (!run.state.dryRun) await decisionMade(run.state.store(), pk, run.deadline);
    const close = (r: ApprovalRequest) => closedByEvent(r, event.state, event.time, policy, run.config) as ApprovalRequest;
    const result = await settleRequest(run, pk, (r) => (r ? close(r) : close(unknownRequest(where, key, policy.name, event))), decide, place);
    await updateOpenIndex(run, (index) => withoutOpenRequest(index, key));
    return result;
  }
  const facts = place ? await approvalFacts(place).gather(where) : { source: {}, unreadable: [`no role to read AWS in account ${event.account}`] };
  for (const problem of facts.unreadable) logger.warn('approval fact unreadable', { problem });
  const decision = decideGate(facts, policy, run.config, run.now());
  const unverified = decision.outcome === 'ask' ? decision.unverified : [];
  const opened = (current: ApprovalRequest | undefined) =>
    current ?? boundRequest(openedRequest({ key, place: where, policy: policy.name, ...(facts.token ? { token: facts.token } : {}), facts: summarizeFacts(facts, unverified), ...(channel ? { channel } : {}) }, decision, policy, run.now()) as ApprovalRequest);
  const result = await settleRequest(run, pk, opened, decide, place);
  if (decision.outcome === 'ask') await updateOpenIndex(run, (index) => withOpenRequest(index, key));
  return result;
}

/** A request we never opened (its STARTED was missed), to be closed as its end event says. */
const unknownRequest = (place: ApprovalRequest['place'], key: string, policy: string, event: ActionExecutionEvent): ApprovalRequest => ({
  key,
  place,
  policy,
  requestedAt: event.time,
  expiresAt: event.time,
  facts: { notes: [] },
  votes: [],
  status: 'pending',
});

/** The reminder schedule: each open request due a reminder gets one (in its channel and the escalation channel); ended ones leave the index. */
export async function remindApprovals(run: GateRun) {
  const index = await run.state.read<OpenRequests>(OPEN_REQUESTS_PK);
  const results = [];
  for (const key of index?.view.keys ?? []) {
    const pk = approvalRequestPk(key);
    const stored = await run.state.read<ApprovalRequest>(pk);
    const request = stored?.view;
    const policy = request && run.config.approvals.policies.find((p) => p.name === request.policy);
    if (!request || !policy || request.status !== 'pending') {
      await updateOpenIndex(run, (i) => withoutOpenRequest(i, key));
      continue;
    }
    const now = run.now();
    if (!reminderDue({ requestedAt: new Date(request.requestedAt), ...(request.remindedAt ? { remindedAt: new Date(request.remindedAt) } : {}) }, policy, now)) continue;
    const reminded = (r: ApprovalRequest | undefined) => (r && !r.remindedAt ? { ...r, remindedAt: now.toISOString() } : r!);
    results.push(await settleRequest(run, pk, reminded, (r) => planForRequest(r, policy, run.config, { reminder: true, now })));
  }
  return { status: 'reminded' as const, open: index?.view.keys.length ?? 0, results };
}
