import type { ApprovalPolicyConfig, GuardianConfig } from '../config/schema.js';
import type { GuardianEnv } from '../config/env.js';
import type { SlackClick } from '../events/slack-interaction.js';
import type { ApprovalFacts } from '../policies/approval.js';
import { afterClickPlan, approvalResult, buttonDecision, judgeClick, refusalPlan, tokenChanged } from '../policies/approval-click.js';
import type { Plan, PutApprovalResultAction } from '../plan/plan.js';
import { emptyDelivery } from '../plan/delivery.js';
import { approvalFacts } from '../facts/approval.js';
import { approvalRequestPk, closeRequest, isApprovalRequestKey, type ApprovalRequest } from '../state/approval-request.js';
import type { InvocationState } from '../state/invocation-state.js';
import type { SubjectRecord } from '../state/store.js';
import { castVote, deciderId, settleDecision } from '../state/votes.js';
import { APPROVAL_ACTIONS } from '../actions/change-actions.js';
import type { Channels } from '../actions/module.js';
import type { Deadline } from '../runtime/deadline.js';
import type { Place } from '../runtime/aws.js';
import { placeOf } from '../runtime/identity.js';
import { logger } from '../runtime/observability.js';
import { notificationChannels } from './channels.js';
import { executePlan } from './execute-plan.js';
import { rehearse } from './rehearse.js';
import { settle } from './settle.js';

// One verified click, orchestrated: the request its button names, facts read
// now (a fresh token), the pure verdict, the vote, and, for the vote that
// decides, one PutApprovalResult under the request's lease; then the request's
// message shows the votes or how it ended. A refused click is answered
// privately (response_url) and audited. A dry-run decides the same and
// performs against the recording sink.

export interface ClickRun {
  config: GuardianConfig;
  env: GuardianEnv;
  state: InvocationState;
  deadline: Deadline;
  now: () => Date;
  invokedFunctionArn?: string;
}

export type ClickResult =
  | { status: 'refused'; reason: string }
  | { status: 'voted' | 'decided' | 'closed' | 'dry-run'; request: string; outcome?: string };

const channelsFor = (run: ClickRun, place?: Place) => async (): Promise<Channels> => ({
  // The audit trail (channels.audit) comes with them: every vote, refusal and decision is an audit.record action.
  ...(await notificationChannels(run.config, run.env, run.deadline, run.invokedFunctionArn)),
  changes: APPROVAL_ACTIONS,
  ...(place ? { place } : {}),
});

/** Performs a plan that belongs to no stored subject (a refusal's answer and audit entry). */
async function perform(run: ClickRun, plan: Plan): Promise<void> {
  logger.info('plan', { subject: plan.subject, actions: plan.actions.map((a) => ({ type: a.type, reason: a.reason })) });
  if (run.state.dryRun) await rehearse(`CLICK#${plan.subject}`, undefined, undefined, plan, run.now);
  else await executePlan(plan, emptyDelivery(), await channelsFor(run)(), async () => undefined, run.now);
}

async function refuse(run: ClickRun, click: SlackClick, reason: string, request?: ApprovalRequest, person?: string): Promise<ClickResult> {
  logger.info('click refused', { reason, request: request?.key });
  await perform(run, refusalPlan(click, reason, run.now(), request, person));
  return { status: 'refused', reason };
}

/** The request's message (and audit entries) brought up to date with its record. */
const showRequest = (run: ClickRun, pk: string, policy: ApprovalPolicyConfig, place: Place, fold: (r: ApprovalRequest | undefined) => ApprovalRequest = (r) => r!) =>
  settle<ApprovalRequest>(run.state, {
    pk,
    fold,
    decide: (r) => afterClickPlan(r, policy, run.config, run.now()),
    channels: channelsFor(run, place),
    deadline: run.deadline,
    now: run.now,
    onPlan: (plan) => (logger.info('plan', { subject: plan.subject, actions: plan.actions.map((a) => ({ type: a.type, reason: a.reason })) }), plan),
    changes: APPROVAL_ACTIONS,
  });

export async function actOnClick(click: SlackClick, run: ClickRun): Promise<ClickResult> {
  const decision = buttonDecision(click.actionId);
  if (!decision || !isApprovalRequestKey(click.value)) return refuse(run, click, 'this is not an approval button of cicd-guardian');
  const pk = approvalRequestPk(click.value);
  const stored = await run.state.read<ApprovalRequest>(pk);
  const request = stored?.view;
  if (!request) return refuse(run, click, 'no approval request is known under this button (it is older than the state table keeps, or was never made)');
  const policy = run.config.approvals.policies.find((p) => p.name === request.policy);
  if (!policy) return refuse(run, click, `policy '${request.policy}' of this request is no longer in guardian.yml`, request);
  let place: Place;
  try {
    place = await placeOf(request.place, run.invokedFunctionArn, run.config.organization);
  } catch (error) {
    return refuse(run, click, (error as Error).message, request);
  }
  const facts = await approvalFacts(place).gather(request.place);
  for (const problem of facts.unreadable) logger.warn('approval fact unreadable', { problem });

  // The approval moved on to another execution: this request is over, shown in its message, never retried.
  const changed = tokenChanged(request, facts);
  if (changed) {
    await showRequest(run, pk, policy, place, (r) => closeRequest(r!, 'closed', { by: [], reason: changed, at: run.now().toISOString(), automatic: false }));
    return refuse(run, click, changed, request);
  }
  const verdict = judgeClick({ slackUserId: click.userId, decision }, request, facts, policy, run.config, run.now());
  if (verdict.kind === 'refused') return refuse(run, click, verdict.reason, request, verdict.person);
  if (run.state.dryRun) return rehearseVote(run, pk, stored!, verdict.vote, facts, policy);

  const store = run.state.store();
  const owner = deciderId();
  const decides = (r: ApprovalRequest) => approvalResult(r, facts.token!, policy, run.config) !== undefined;
  const cast = await castVote<ApprovalRequest>(store, pk, verdict.vote, decides, owner, run.deadline);
  if (cast.status === 'unknown') return refuse(run, click, 'the approval request disappeared', request);
  if (!cast.counted && !cast.deciding) {
    // A click at the same moment as another decided it, or this person's vote was already counted.
    const why = cast.request.status !== 'pending' ? `this request is over: it was ${cast.request.status}` : 'your vote was already counted';
    return refuse(run, click, why, cast.request, verdict.vote.personId);
  }
  if (!cast.deciding) {
    await showRequest(run, pk, policy, place);
    return { status: 'voted', request: request.key };
  }
  const result = approvalResult(cast.request, facts.token!, policy, run.config)!;
  let closed: ApprovalRequest;
  try {
    closed = await decide(run, pk, owner, cast.request, result, place);
  } catch (error) {
    // Give the decision back at once: the next click (a voter's again) makes it.
    await store.releaseLock(pk, owner);
    logger.error('PutApprovalResult failed; the votes stand, the next click decides', { error: error as Error });
    return refuse(run, click, `your vote is counted, but CodePipeline could not be told (${(error as Error).message}): click again to retry`, cast.request, verdict.vote.personId);
  }
  await showRequest(run, pk, policy, place);
  return { status: closed.status === 'closed' ? 'closed' : 'decided', request: request.key, outcome: closed.outcome?.reason ?? closed.status };
}

/**
 * The decider's part: PutApprovalResult (once: recorded in the request's delivery
 * under the lease, so a decider taking over a dead one's lease does not repeat it),
 * then the request closed as CodePipeline answered and the lease given back.
 * A token CodePipeline calls expired or already used closes the request with that reason.
 */
async function decide(run: ClickRun, pk: string, owner: string, request: ApprovalRequest, result: PutApprovalResultAction, place: Place): Promise<ApprovalRequest> {
  const store = run.state.store();
  const record = await store.get<ApprovalRequest>(pk);
  let delivery = record?.delivery ?? emptyDelivery();
  if (!delivery.sent.includes(result.key)) {
    const plan: Plan = { subject: `approval ${request.key}`, actions: [result], skipped: [] };
    ({ delivery } = await executePlan(plan, delivery, await channelsFor(run, place)(), (d) => store.saveDelivery(pk, owner, d), run.now));
  }
  const detail = delivery.changes?.find((c) => c.key === result.key)?.detail ?? result.status;
  const refused = detail.startsWith('not ');
  const approved = result.status === 'Approved';
  const deciders = request.votes.filter((v) => v.decision === (approved ? 'approve' : 'reject')).map((v) => v.personId);
  const at = run.now().toISOString();
  const outcome = refused
    ? { by: [], reason: `CodePipeline refused the ${approved ? 'approval' : 'rejection'} (${detail}): it expired or was decided elsewhere`, at, automatic: false }
    : { by: deciders, reason: approved ? result.summary : rejectReasons(request), at, automatic: false };
  return settleDecision<ApprovalRequest>(store, pk, owner, (r) => closeRequest(r, refused ? 'closed' : approved ? 'approved' : 'rejected', outcome), run.deadline);
}

const rejectReasons = (request: ApprovalRequest) =>
  request.votes
    .filter((v) => v.decision === 'reject')
    .map((v) => v.reason ?? 'no reason given')
    .join('; ');

/** A dry-run: the vote folded into the request as stored, and what it would call for rehearsed (nothing written). */
async function rehearseVote(run: ClickRun, pk: string, stored: SubjectRecord<ApprovalRequest>, vote: ApprovalRequest['votes'][number], facts: ApprovalFacts, policy: ApprovalPolicyConfig): Promise<ClickResult> {
  const voted: ApprovalRequest = { ...stored.view, votes: [...stored.view.votes.filter((v) => v.personId !== vote.personId), vote] };
  const result = approvalResult(voted, facts.token!, policy, run.config);
  const by = voted.votes.filter((v) => v.decision === (result?.status === 'Rejected' ? 'reject' : 'approve')).map((v) => v.personId);
  const view = result
    ? closeRequest(voted, result.status === 'Approved' ? 'approved' : 'rejected', { by, reason: result.status === 'Approved' ? result.summary : rejectReasons(voted), at: run.now().toISOString(), automatic: false })
    : voted;
  const plan = afterClickPlan(view, policy, run.config, run.now());
  const rehearsed = await rehearse(pk, stored, view, { ...plan, actions: [...(result ? [result] : []), ...plan.actions] }, run.now, APPROVAL_ACTIONS);
  return { status: 'dry-run', request: stored.view.key, outcome: `${rehearsed.recorded.length} call(s) rehearsed` };
}
