import type { ApprovalPolicyConfig, GuardianConfig } from '../config/schema.js';
import type { GuardianEnv } from '../config/env.js';
import type { SlackClick, SlackInteraction, SlackSubmission } from '../events/slack-interaction.js';
import { REASON_BLOCK, REASON_INPUT, REJECT_REASON_CALLBACK } from '../messages/reject-reason.js';
import type { ApprovalFacts } from '../policies/approval.js';
import { afterClickPlan, approvalResult, buttonDecision, judgeClick, reasonModalPlan, reasonModalRefusal, refusalPlan, rejectReasonOf, tokenChanged } from '../policies/approval-click.js';
import { tally } from '../policies/approval.js';
import { slackDecision } from '../policies/approval-gate.js';
import type { Plan, PutApprovalResultAction } from '../plan/plan.js';
import { emptyDelivery } from '../plan/delivery.js';
import { approvalFacts } from '../facts/approval.js';
import { approvalRequestPk, closeRequest, isApprovalRequestKey, type ApprovalRequest } from '../state/approval-request.js';
import type { InvocationState } from '../state/invocation-state.js';
import type { SubjectRecord } from '../state/store.js';
import { castVote, deciderId, settleDecision } from '../state/votes.js';
import { APPROVAL_ACTIONS } from '../actions/change-actions.js';
import type { Channels } from '../actions/module.js';
import { deadlineIn, type Deadline } from '../runtime/deadline.js';
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
  /** A modal's input is not acceptable (`field`: its block_id); the modal says so and stays open. */
  | { status: 'invalid'; field: string; reason: string }
  /** `asked`: a Reject click opened the modal that asks for its reason; no vote yet. */
  | { status: 'voted' | 'decided' | 'closed' | 'dry-run' | 'asked'; request: string; outcome?: string };

/** Who acts: a click's user (answered privately through its response_url) or a modal's submitter (answered in the modal: no responseUrl). */
type Actor = { userId: string; value: string; responseUrl?: string };

/** Room left after PutApprovalResult, to record the decision and show it in the message before the answer is due. */
export const RECORD_DECISION_MS = 800;

// Every call (Slack, the audit trail, changes) is cut short at `deadline`: nothing of a click runs on after its answer.
const channelsFor = (run: ClickRun, place?: Place, deadline: Deadline = run.deadline) => async (): Promise<Channels> => ({
  // The audit trail (channels.audit) comes with them: every vote, refusal and decision is an audit.record action.
  ...(await notificationChannels(run.config, run.env, deadline, run.invokedFunctionArn, { bound: true })),
  changes: APPROVAL_ACTIONS,
  ...(place ? { place } : {}),
});

/** Performs a plan that belongs to no stored subject (a refusal's answer and audit entry, a modal); whether every action was done. */
async function perform(run: ClickRun, plan: Plan): Promise<boolean> {
  logger.info('plan', { subject: plan.subject, actions: plan.actions.map((a) => ({ type: a.type, reason: a.reason })) });
  if (run.state.dryRun) {
    await rehearse(`CLICK#${plan.subject}`, undefined, undefined, plan, run.now);
    return true;
  }
  const { outcomes } = await executePlan(plan, emptyDelivery(), await channelsFor(run)(), async () => undefined, run.now);
  return outcomes.every((o) => o.result !== 'failed');
}

async function refuse(run: ClickRun, click: Actor, reason: string, request?: ApprovalRequest, person?: string): Promise<ClickResult> {
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

/** A verified interaction: a click on an approval button, or the submission of a Reject's reason modal. */
export const actOnInteraction = (interaction: SlackInteraction, run: ClickRun): Promise<ClickResult> =>
  interaction.kind === 'click' ? actOnClick(interaction, run) : actOnSubmission(interaction, run);

export async function actOnClick(click: SlackClick, run: ClickRun): Promise<ClickResult> {
  const decision = buttonDecision(click.actionId);
  if (!decision || !isApprovalRequestKey(click.value)) return refuse(run, click, 'this is not an approval button of cicd-guardian');
  // A button carries no text: a Reject asks for its reason in a modal when Slack can open one (a trigger_id, good for 3 s).
  return actOnVote(run, click, decision, undefined, decision === 'reject' ? click.triggerId : undefined);
}

/** The reason modal submitted: its private_metadata names the request (untrusted: looked up and checked again as a click is). */
export async function actOnSubmission(submission: SlackSubmission, run: ClickRun): Promise<ClickResult> {
  const actor = { userId: submission.userId, value: submission.privateMetadata };
  if (submission.callbackId !== REJECT_REASON_CALLBACK || !isApprovalRequestKey(submission.privateMetadata)) {
    return refuse(run, actor, 'this is not a reject modal of cicd-guardian');
  }
  const reason = rejectReasonOf(submission.values[REASON_BLOCK]?.[REASON_INPUT]);
  if (!reason.ok) return { status: 'invalid', field: REASON_BLOCK, reason: reason.problem };
  return actOnVote(run, actor, 'reject', reason.text);
}

/**
 * A vote (`reason`: a rejection's), checked again with facts read now; `askReasonWith`: a Reject
 * click's trigger_id, to open the modal asking for its reason instead of voting. The modal opens
 * right after the checks that need no facts (the trigger_id is good for 3 s from Slack's sending);
 * when it cannot be opened, no vote is cast and the person is asked to click again. Only a click
 * Slack gave no trigger_id rejects without a reason, as "rejected in Slack".
 */
async function actOnVote(run: ClickRun, click: Actor, decision: 'approve' | 'reject', reason?: string, askReasonWith?: string): Promise<ClickResult> {
  const pk = approvalRequestPk(click.value);
  const stored = await run.state.read<ApprovalRequest>(pk);
  const request = stored?.view;
  if (!request) return refuse(run, click, 'no approval request is known under this button (it is older than the state table keeps, or was never made)');
  const policy = run.config.approvals.policies.find((p) => p.name === request.policy);
  if (!policy) return refuse(run, click, `policy '${request.policy}' of this request is no longer in guardian.yml`, request);
  // (Not for a voter finishing what their votes decided: that casts their vote again.)
  if (askReasonWith && tally(request.votes, policy).outcome === 'pending') {
    const refusal = reasonModalRefusal({ slackUserId: click.userId, decision }, request, policy, run.config);
    if (refusal) return refuse(run, click, refusal, request);
    const opened = await perform(run, reasonModalPlan(request, askReasonWith, click.userId)).catch((error: unknown) => {
      logger.warn('views.open failed', { error: error as Error });
      return false;
    });
    if (opened) return { status: 'asked', request: request.key };
    // A views.open cut short may have opened the modal anyway: its submission is judged as any; a second click asks again.
    return refuse(run, click, 'could not ask for a reason; click Reject again', request);
  }
  let place: Place;
  try {
    place = await placeOf(request.place, run.invokedFunctionArn, run.config.organization);
  } catch (error) {
    return refuse(run, click, (error as Error).message, request);
  }
  const facts = await approvalFacts(place).gather(request.place, run.deadline);
  for (const problem of facts.unreadable) logger.warn('approval fact unreadable', { problem });

  // The approval moved on to another execution: this request is over, shown in its message, never retried.
  const changed = tokenChanged(request, facts);
  if (changed) {
    await showRequest(run, pk, policy, place, (r) => closeRequest(r!, 'closed', { by: [], reason: changed, at: run.now().toISOString(), automatic: false }));
    return refuse(run, click, changed, request);
  }
  const verdict = judgeClick({ slackUserId: click.userId, decision, ...(reason !== undefined ? { reason } : {}) }, request, facts, policy, run.config, run.now());
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
    closed = await decide(run, pk, owner, cast.request, result, policy, place);
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
 * The attempt is recorded in the request before the call is sent, and the call is cut
 * short RECORD_DECISION_MS before the answer is due: a call whose answer never came
 * may have landed, and the next attempt (or CodePipeline's event) counts it as ours.
 */
async function decide(run: ClickRun, pk: string, owner: string, request: ApprovalRequest, result: PutApprovalResultAction, policy: ApprovalPolicyConfig, place: Place): Promise<ApprovalRequest> {
  const store = run.state.store();
  const record = await store.get<ApprovalRequest>(pk);
  let delivery = record?.delivery ?? emptyDelivery();
  if (!delivery.sent.includes(result.key)) {
    const earlier = record?.view.attempt;
    const resent = earlier?.token === result.token && earlier.status === result.status;
    if (!resent) {
      const attempt = { status: result.status, token: result.token, at: run.now().toISOString() };
      await store.updateView<ApprovalRequest>(pk, (r) => (r && r.status === 'pending' ? { ...r, attempt } : r!), record ? { record } : undefined, { deadline: run.deadline });
    }
    const plan: Plan = { subject: `approval ${request.key}`, actions: [{ ...result, ...(resent ? { resent } : {}) }], skipped: [] };
    const call = deadlineIn(Math.max(0, run.deadline.remainingMs() - RECORD_DECISION_MS), run.deadline);
    ({ delivery } = await executePlan(plan, delivery, await channelsFor(run, place, call)(), (d) => store.saveDelivery(pk, owner, d), run.now));
  }
  const detail = delivery.changes?.find((c) => c.key === result.key)?.detail ?? result.status;
  const refused = detail.startsWith('not ');
  const approved = result.status === 'Approved';
  const at = run.now().toISOString();
  const decided = slackDecision(request, policy, run.config);
  const outcome = refused || !decided
    ? { by: [], reason: `CodePipeline refused the ${approved ? 'approval' : 'rejection'} (${detail}): it expired or was decided elsewhere`, at, automatic: false }
    : { by: decided.by, reason: decided.because, at, automatic: false };
  return settleDecision<ApprovalRequest>(store, pk, owner, (r) => closeRequest(r, refused ? 'closed' : approved ? 'approved' : 'rejected', outcome), run.deadline);
}

/** A dry-run: the vote folded into the request as stored, and what it would call for rehearsed (nothing written). */
async function rehearseVote(run: ClickRun, pk: string, stored: SubjectRecord<ApprovalRequest>, vote: ApprovalRequest['votes'][number], facts: ApprovalFacts, policy: ApprovalPolicyConfig): Promise<ClickResult> {
  const voted: ApprovalRequest = { ...stored.view, votes: [...stored.view.votes.filter((v) => v.personId !== vote.personId), vote] };
  const result = approvalResult(voted, facts.token!, policy, run.config);
  const decided = slackDecision(voted, policy, run.config);
  const view = result && decided
    ? closeRequest(voted, result.status === 'Approved' ? 'approved' : 'rejected', { by: decided.by, reason: decided.because, at: run.now().toISOString(), automatic: false })
    : voted;
  const plan = afterClickPlan(view, policy, run.config, run.now());
  const rehearsed = await rehearse(pk, stored, view, { ...plan, actions: [...(result ? [result] : []), ...plan.actions] }, run.now, APPROVAL_ACTIONS);
  return { status: 'dry-run', request: stored.view.key, outcome: `${rehearsed.recorded.length} call(s) rehearsed` };
}
