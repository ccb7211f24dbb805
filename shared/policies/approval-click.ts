import type { ApprovalPolicyConfig, GuardianConfig } from '../config/schema.js';
import type { AuditEntry } from '../plan/audit.js';
import type { AuditRecordAction, Plan, PutApprovalResultAction } from '../plan/plan.js';
import { APPROVE_BUTTON, REJECT_BUTTON } from '../messages/approval.js';
import { checkVote, personBySlackId, personName, selfApprovalCaveat, tally, type ApprovalFacts, type Click, type Vote } from './approval.js';
import { planForRequest, type GateRequest } from './approval-gate.js';

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
  // A voter's click again finishes a decision their votes already made (its PutApprovalResult failed, or its decider died).
  const voter = personBySlackId(config, click.slackUserId);
  const earlier = voter && request.votes.find((v) => v.personId === voter.id);
  if (earlier && facts.token === request.token && tally(request.votes, policy).outcome !== 'pending') return { kind: 'vote', vote: earlier };
  const check = checkVote(click, { token: request.token, votes: request.votes }, facts, policy, config, now);
  if (!check.allowed) return { kind: 'refused', reason: check.reason };
  const vote: Vote = {
    personId: check.person.id,
    slackUserId: click.slackUserId,
    decision: click.decision,
    at: now.toISOString(),
    ...(click.decision === 'reject' ? { reason: click.reason ?? `rejected by ${personName(check.person)} in Slack` } : {}),
  };
  return { kind: 'vote', vote };
}

const nameOf = (config: GuardianConfig, id: string) => {
  const person = config.people.find((p) => p.id === id);
  return person ? personName(person) : id;
};

/** The PutApprovalResult the votes call for, with `token` (read at click time), or undefined while they decide nothing. */
export function approvalResult(request: ClickedRequest, token: string, policy: ApprovalPolicyConfig, config: GuardianConfig): PutApprovalResultAction | undefined {
  const count = tally(request.votes, policy);
  if (count.outcome === 'pending') return undefined;
  const { pipeline, stage, action } = request.place;
  const base = { type: 'codepipeline.putApprovalResult' as const, key: `approval:${request.key}`, pipeline, stage, action, token };
  if (count.outcome === 'rejected') {
    const why = request.votes.filter((v) => v.decision === 'reject').map((v) => `${nameOf(config, v.personId)}: ${v.reason ?? 'no reason given'}`);
    return { ...base, status: 'Rejected', summary: `Rejected in Slack by ${why.join('; ')}`, reason: `${count.rejectedBy.length} of ${count.rejectsRequired} rejection(s) needed under policy '${policy.name}'` };
  }
  const names = count.approvedBy.map((id) => nameOf(config, id));
  return { ...base, status: 'Approved', summary: `Approved in Slack by ${names.join(', ')} (${count.approvedBy.length} of ${count.required} required, policy '${policy.name}')${selfApprovalCaveat(request.facts?.notes ?? [])}`, reason: `the required ${count.required} approval(s) are in` };
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

/** A refused click: the private answer saying why, and its audit entry when the request is known. */
export function refusalPlan(click: { userId: string; responseUrl: string; value: string }, reason: string, now: Date, request?: ClickedRequest, person?: string): Plan {
  const key = `refused:${click.value.slice(0, 40)}:${click.userId}:${now.getTime()}`;
  return {
    subject: `click by ${click.userId} on ${request ? request.key : 'an unknown request'}`,
    actions: [
      { type: 'slack.respond', key: `respond:${key}`, responseUrl: click.responseUrl, text: `Your click was not counted: ${reason}`, reason },
      ...(request ? [clickAudit(request, 'refused', { person: person ?? click.userId }, [reason], now, `audit:${key}`)] : []),
    ],
    skipped: [],
  };
}

/** What the request owes after a click: its message showing the votes (and how it ended), an audit entry per vote and the gate's own. */
export function afterClickPlan(request: GateRequest, policy: ApprovalPolicyConfig, config: GuardianConfig, now: Date): Plan {
  const plan = planForRequest(request, policy, config, { now });
  const votes = request.votes.map((v) =>
    clickAudit(request, 'vote', { person: v.personId }, [v.decision === 'reject' ? `rejected: ${v.reason ?? 'no reason given'}` : 'approved'], new Date(v.at), `audit:${request.key}:vote:${v.personId}`),
  );
  return { ...plan, actions: [...plan.actions, ...votes] };
}
