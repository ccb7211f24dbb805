import type { ApprovalPolicyConfig, GuardianConfig } from '../config/schema.js';
import type { AuditEntry } from '../plan/audit.js';
import type { AuditRecordAction, Plan, PutApprovalResultAction } from '../plan/plan.js';
import { APPROVE_BUTTON, REJECT_BUTTON } from '../messages/approval.js';
import { cleanText, escapeMrkdwn } from '../messages/text.js';
import { REASON_MAX_CHARS, rejectReasonModal } from '../messages/reject-reason.js';
import { checkVote, personBySlackId, personName, selfApprovalCaveat, tally, type ApprovalFacts, type Click, type Vote } from './approval.js';
import { planForRequest, slackDecision, type GateRequest } from './approval-gate.js';

// A click on an approval request's Approve or Reject button, decided again at
// click time (PURE: the request as stored, facts read just now, the policy,
// `now`): the button names the request, nothing more. The person must be known
// and an approver, vote once, and, to approve, not be approving their own
// change nor inside a freeze or outside deploy hours that began since the
// request; the fresh approval token must be the request's (a changed or
// missing token means the request is over). When the votes decide, the
// decision is one PutApprovalResult naming who decided and why.

/** What a click needs of the request record (shared/state/approval-request.ts ApprovalRequest). */
export interface ClickedRequest {
  key: string;
  place: { account: string; region: string; pipeline: string; stage: string; action: string; executionId: string };
  policy: string;
  token?: string;
  status: string;
  votes: Vote[];
  /** What the request said could not be checked (its notes). */
  facts?: { notes: string[] };
}

export type ClickVerdict =
  /** The click does not count; `reason` is said privately to the clicking user, and audited. */
  | { kind: 'refused'; reason: string; person?: string }
  /** The click counts: this vote is cast. */
  | { kind: 'vote'; vote: Vote };

/** Whether `click` counts, against the request as stored and `facts` read now. */
export function judgeClick(
  click: Click & { reason?: string },
  request: ClickedRequest,
  facts: ApprovalFacts,
  policy: ApprovalPolicyConfig,
  config: GuardianConfig,
  now: Date,
): ClickVerdict {
  if (request.status !== 'pending') return { kind: 'refused', reason: `this request is over: it was ${request.status}` };
  if (!request.token) return { kind: 'refused', reason: 'this request is over: it had no approval token' };
  // A voter's click again finishes a decision their votes already made (its PutApprovalResult failed, or its decider died):
  // their earlier vote is cast again, checked as on the first click (a freeze may have begun since).
  const voter = personBySlackId(config, click.slackUserId);
  const earlier = voter && request.votes.find((v) => v.personId === voter.id);
  const again = earlier !== undefined && tally(request.votes, policy).outcome !== 'pending';
  const check = checkVote(again ? { ...click, decision: earlier.decision } : click, { token: request.token, votes: request.votes }, facts, policy, config, now, { again });
  if (!check.allowed) return { kind: 'refused', reason: check.reason };
  if (again) return { kind: 'vote', vote: earlier };
  const vote: Vote = {
    personId: check.person.id,
    slackUserId: click.slackUserId,
    decision: click.decision,
    at: now.toISOString(),
    ...(click.decision === 'reject' ? { reason: click.reason ?? `rejected by ${personName(check.person)} in Slack` } : {}),
  };
  return { kind: 'vote', vote };
}

/** The PutApprovalResult the votes call for, with `token` (read at click time), or undefined while they decide nothing. */
export function approvalResult(request: ClickedRequest, token: string, policy: ApprovalPolicyConfig, config: GuardianConfig): PutApprovalResultAction | undefined {
  const decision = slackDecision(request, policy, config);
  if (!decision) return undefined;
  const { pipeline, stage, action } = request.place;
  // An approval the no-self-approval rule could not check says so in the summary CodePipeline shows.
  const summary = decision.status === 'Approved' ? `${decision.summary}${selfApprovalCaveat(request.facts?.notes ?? [])}` : decision.summary;
  return { type: 'codepipeline.putApprovalResult', key: `approval:${request.key}`, pipeline, stage, action, token, status: decision.status, summary, reason: decision.reason };
}

/** The audit entry of a vote, a refusal or a decision on the request. */
export function clickAudit(request: ClickedRequest, decision: 'vote' | 'refused' | 'approved' | 'rejected', by: { person?: string }, reasons: string[], at: Date, key: string): AuditRecordAction {
  const { account, region, pipeline, stage, action, executionId } = request.place;
  const entry: AuditEntry = { capability: 'approval', decision, at: at.toISOString(), account, region, pipeline, stage, action, executionId, by: { ...by, automatic: false }, reasons, policy: request.policy };
  return { type: 'audit.record', key, entry, reason: `audit: ${decision}` };
}

/** The decision a button asks for, or undefined when it is not one of the approval buttons. */
export function buttonDecision(actionId: string): Click['decision'] | undefined {
  return actionId === APPROVE_BUTTON ? 'approve' : actionId === REJECT_BUTTON ? 'reject' : undefined;
}

/** Why the stored request is over although it is still pending: the approval's token changed (another execution reached it), or undefined. */
export function tokenChanged(request: ClickedRequest, facts: Pick<ApprovalFacts, 'token'>): string | undefined {
  if (request.status !== 'pending' || !request.token || !facts.token || facts.token === request.token) return undefined;
  return 'the approval token changed since this request (another execution reached the approval): this request can no longer be decided here';
}

/**
 * A refused click: the private answer saying why, and its audit entry when the request is known.
 * Without a responseUrl (a modal's submission), only the audit entry: the modal itself says why.
 */
export function refusalPlan(click: { userId: string; responseUrl?: string; value: string }, reason: string, now: Date, request?: ClickedRequest, person?: string): Plan {
  const key = `refused:${click.value.slice(0, 40)}:${click.userId}:${now.getTime()}`;
  return {
    subject: `click by ${click.userId} on ${request ? request.key : 'an unknown request'}`,
    actions: [
      ...(click.responseUrl
        ? [{ type: 'slack.respond' as const, key: `respond:${key}`, responseUrl: click.responseUrl, text: `Your click was not counted: ${escapeMrkdwn(reason)}`, reason }]
        : []),
      ...(request ? [clickAudit(request, 'refused', { person: person ?? click.userId }, [reason], now, `audit:${key}`)] : []),
    ],
    skipped: [],
  };
}

/** The modal a Reject click opens to ask for its reason (no vote is cast until it is submitted). */
export function reasonModalPlan(request: ClickedRequest, triggerId: string, userId: string): Plan {
  const { pipeline, stage, action } = request.place;
  return {
    subject: `reject by ${userId} on ${request.key}`,
    actions: [{ type: 'slack.openModal', key: `reject-reason:${request.key}:${userId}`, triggerId, view: rejectReasonModal({ key: request.key, pipeline, stage, action }), reason: 'a Reject says why: asked in a modal' }],
    skipped: [],
  };
}

/** The reason a reject modal was submitted with, cleaned, or what is wrong with it (shown under the input). */
export function rejectReasonOf(value: string | undefined): { ok: true; text: string } | { ok: false; problem: string } {
  const text = cleanText(value ?? '');
  if (text.length === 0) return { ok: false, problem: 'Say why it is rejected: CodePipeline shows the reason with the rejection.' };
  if (text.length > REASON_MAX_CHARS) return { ok: false, problem: `At most ${REASON_MAX_CHARS} characters, please (this is ${text.length}).` };
  return { ok: true, text };
}

/** What the request owes after a click: its message showing the votes (and how it ended), an audit entry per vote and the gate's own. */
export function afterClickPlan(request: GateRequest, policy: ApprovalPolicyConfig, config: GuardianConfig, now: Date): Plan {
  const plan = planForRequest(request, policy, config, { now });
  const votes = request.votes.map((v) =>
    clickAudit(request, 'vote', { person: v.personId }, [v.decision === 'reject' ? `rejected: ${v.reason ?? 'no reason given'}` : 'approved'], new Date(v.at), `audit:${request.key}:vote:${v.personId}`),
  );
  return { ...plan, actions: [...plan.actions, ...votes] };
}
