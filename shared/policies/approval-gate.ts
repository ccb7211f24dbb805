import type { ApprovalPolicyConfig, GuardianConfig } from '../config/schema.js';
import type { ActionExecutionEvent } from '../events/types.js';
import { describeApproval, type ApprovalStory } from '../messages/approval.js';
import type { AuditEntry } from '../plan/audit.js';
import type { Action, Plan } from '../plan/plan.js';
import { approversOf, expiresAt, personName, tally, type GateDecision } from './approval.js';
import { routesFor } from './routing.js';

// What the approval gate plans for a request, from its record alone (pure): the
// PutApprovalResult of an automatic decision, the Slack message that asks (or
// shows how it ended), its email, and an audit entry per decision.
// The request record's type lives in the state layer; the gate sees its shape.

/** The request as the gate decides from it (shared/state/approval-request.ts ApprovalRequest). */
export interface GateRequest {
  key: string;
  place: { account: string; region: string; pipeline: string; stage: string; action: string; executionId: string };
  policy: string;
  token?: string;
  requestedAt: string;
  expiresAt: string;
  remindedAt?: string;
  facts: ApprovalStory['facts'];
  votes: Parameters<typeof tally>[0];
  status: ApprovalStory['status'];
  outcome?: ApprovalStory['outcome'];
  channel?: string;
  /** Our PutApprovalResult, recorded before it was sent (shared/state/approval-request.ts DecisionAttempt). */
  attempt?: { status: 'Approved' | 'Rejected'; token: string; at: string };
}

export const isManualApproval = (e: Pick<ActionExecutionEvent, 'provider'>): boolean => e.provider === 'Manual';

/** Where the request is asked: the policy's channel, else the pipeline's first route with Slack. */
export function requestChannel(policy: ApprovalPolicyConfig, config: GuardianConfig, pipeline: string): string | undefined {
  return policy.slack?.channel ?? routesFor({ kind: 'pipeline', name: pipeline }, config).find((r) => r.slack)?.slack?.channel;
}

/** The request a STARTED approval opens, with the gate's decision already taken into it (an automatic one closes it). */
export function openedRequest(
  base: Omit<GateRequest, 'status' | 'votes' | 'requestedAt' | 'expiresAt'>,
  decision: GateDecision,
  policy: ApprovalPolicyConfig,
  now: Date,
): GateRequest {
  const request: GateRequest = { ...base, votes: [], status: 'pending', requestedAt: now.toISOString(), expiresAt: expiresAt(now, policy).toISOString() };
  const at = now.toISOString();
  if (decision.outcome === 'reject') return { ...request, status: 'rejected', outcome: { by: [], reason: decision.reasons.join('; '), at, automatic: true } };
  if (decision.outcome === 'approve') return { ...request, status: 'approved', outcome: { by: [], reason: decision.reasons.join('; '), at, automatic: true } };
  if (decision.outcome === 'unactionable') return { ...request, status: 'unactionable', outcome: { by: [], reason: decision.reason, at, automatic: true } };
  return request;
}

const nameIn = (config: GuardianConfig, id: string) => {
  const person = config.people.find((p) => p.id === id);
  return person ? personName(person) : id;
};

/** A decision the votes make in Slack: the result, the summary CodePipeline shows, why, and who decided with the reason the request closes with. */
export interface SlackDecision {
  status: 'Approved' | 'Rejected';
  summary: string;
  reason: string;
  by: string[];
  because: string;
}

/** What the votes decide, named; undefined while they decide nothing. */
export function slackDecision(request: Pick<GateRequest, 'votes'>, policy: ApprovalPolicyConfig, config: GuardianConfig): SlackDecision | undefined {
  const count = tally(request.votes, policy);
  if (count.outcome === 'pending') return undefined;
  if (count.outcome === 'rejected') {
    const rejections = request.votes.filter((v) => v.decision === 'reject');
    const why = rejections.map((v) => `${nameIn(config, v.personId)}: ${v.reason ?? 'no reason given'}`);
    return {
      status: 'Rejected',
      summary: `Rejected in Slack by ${why.join('; ')}`,
      reason: `${count.rejectedBy.length} of ${count.rejectsRequired} rejection(s) needed under policy '${policy.name}'`,
      by: rejections.map((v) => v.personId),
      because: rejections.map((v) => v.reason ?? 'no reason given').join('; '),
    };
  }
  const names = count.approvedBy.map((id) => nameIn(config, id));
  const summary = `Approved in Slack by ${names.join(', ')} (${count.approvedBy.length} of ${count.required} required, policy '${policy.name}')`;
  return { status: 'Approved', summary, reason: `the required ${count.required} approval(s) are in`, by: request.votes.filter((v) => v.decision === 'approve').map((v) => v.personId), because: summary };
}

/**
 * A SUCCEEDED, FAILED or ABANDONED approval action closes its request (someone decided in the console, it timed out, or the execution stopped).
 * An end that our own PutApprovalResult explains (recorded as the request's attempt before it was sent, and what the votes decide)
 * is the decision made in Slack, by the people who made it.
 */
export function closedByEvent(request: GateRequest, state: string, at: string, policy: ApprovalPolicyConfig, config: GuardianConfig): GateRequest {
  if (request.status !== 'pending') return request;
  const ours = request.attempt && slackDecision(request, policy, config);
  const explained = ours && ours.status === request.attempt!.status && (state === 'SUCCEEDED' ? ours.status === 'Approved' : state === 'FAILED' && ours.status === 'Rejected');
  if (explained) return { ...request, status: ours.status === 'Approved' ? 'approved' : 'rejected', outcome: { by: ours.by, reason: ours.because, at, automatic: false } };
  const reason =
    state === 'SUCCEEDED' ? 'approved outside Slack (console or CLI)' : state === 'FAILED' ? 'rejected or timed out outside Slack' : 'the execution was stopped or superseded';
  return { ...request, status: state === 'FAILED' && Date.parse(at) >= Date.parse(request.expiresAt) ? 'expired' : 'closed', outcome: { by: [], reason, at, automatic: false } };
}

export function approvalStory(request: GateRequest, policy: ApprovalPolicyConfig, config: GuardianConfig, reminder = false): ApprovalStory {
  const t = tally(request.votes, policy);
  const nameOf = (id: string) => {
    const p = config.people.find((x) => x.id === id);
    return p ? personName(p) : id;
  };
  return {
    key: request.key,
    ...request.place,
    policy: request.policy,
    status: request.status,
    required: t.required,
    approvers: approversOf(policy, config).map(personName),
    approvedBy: t.approvedBy.map(nameOf),
    rejectedBy: t.rejectedBy.map(nameOf),
    expiresAt: request.expiresAt,
    facts: request.facts,
    ...(request.outcome ? { outcome: { ...request.outcome, by: request.outcome.by.map(nameOf) } } : {}),
    reminder,
  };
}

const AUDIT_DECISIONS: Record<GateRequest['status'], string> = {
  pending: 'requested',
  approved: 'approved',
  rejected: 'rejected',
  closed: 'closed',
  expired: 'expired',
  unactionable: 'unactionable',
};

/** What the request's record owes, given its status; `thread`: the execution's message to ask under, when there is one. */
export function planForRequest(
  request: GateRequest,
  policy: ApprovalPolicyConfig,
  config: GuardianConfig,
  options: { thread?: { channelId: string; ts: string }; reminder?: boolean; now: Date },
): Plan {
  const { place } = request;
  const subject = `approval ${place.pipeline}/${place.stage}/${place.action} execution ${place.executionId}`;
  const story = approvalStory(request, policy, config, options.reminder);
  const message = describeApproval(story);
  const why = request.outcome?.reason ?? `asks ${story.approvers.join(', ') || 'nobody'} (policy '${policy.name}')`;
  const actions: Action[] = [];
  const automatic = request.outcome?.automatic && (request.status === 'approved' || request.status === 'rejected');
  if (automatic && request.token) {
    actions.push({
      type: 'codepipeline.putApprovalResult',
      key: `approval:${request.key}:${request.status}`,
      ...place,
      token: request.token,
      status: request.status === 'approved' ? 'Approved' : 'Rejected',
      summary: `${request.status === 'approved' ? 'Approved' : 'Rejected'} by cicd-guardian (policy '${policy.name}'): ${request.outcome!.reason}`,
      reason: request.outcome!.reason,
    });
  }
  const after = automatic && request.token ? `approval:${request.key}:${request.status}` : undefined;
  if (request.channel) {
    actions.push({
      type: 'slack.upsert',
      channel: request.channel,
      messageKey: 'request',
      ...(options.thread ? { thread: options.thread } : {}),
      message,
      ...(after ? { after } : {}),
      reason: why,
    });
  }
  if (options.reminder && policy.remind?.escalateTo) {
    actions.push({ type: 'slack.upsert', channel: policy.remind.escalateTo, messageKey: 'escalation', message, reason: `reminder before ${request.expiresAt}: escalated` });
  }
  const emailed = request.status === 'pending' && !options.reminder;
  if (emailed) actions.push({ type: 'email.publish', key: `approval-email:${request.key}`, message, reason: why });
  const entry: AuditEntry = {
    capability: 'approval',
    decision: options.reminder ? 'reminded' : AUDIT_DECISIONS[request.status],
    at: options.now.toISOString(),
    account: place.account,
    region: place.region,
    pipeline: place.pipeline,
    stage: place.stage,
    action: place.action,
    executionId: place.executionId,
    by: { automatic: request.outcome?.automatic ?? true, ...(request.outcome?.by.length ? { person: request.outcome.by.join(',') } : {}) },
    reasons: request.outcome ? [request.outcome.reason] : request.facts.notes,
    policy: policy.name,
  };
  actions.push({ type: 'audit.record', key: `audit:${request.key}:${entry.decision}`, entry, ...(after ? { after } : {}), reason: `audit: ${entry.decision}` });
  return { subject, actions, skipped: request.channel ? [] : [`no Slack channel for ${place.pipeline}: set the policy's slack.channel or a route`] };
}
