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

/** A SUCCEEDED, FAILED or ABANDONED approval action closes its request (someone decided in the console, it timed out, or the execution stopped). */
export function closedByEvent(request: GateRequest, state: string, at: string): GateRequest {
  if (request.status !== 'pending') return request;
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
