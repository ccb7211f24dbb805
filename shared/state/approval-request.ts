import { createHash } from 'node:crypto';
import type { ApprovalFacts, ApprovalSubject, Vote } from '../policies/approval.js';
import type { Delivery } from '../plan/delivery.js';

// An approval request: one item in the state table per manual approval action
// execution (pipeline execution, stage, action), keyed so that the interactions
// function finds it from a button's value and the gate from the event. Its view
// is the request (token, policy, facts shown, votes, status); its delivery record
// holds the Slack message that asks (channel id and ts, under REQUEST_MESSAGE).
// Items expire with the state table's retention (30 days), well after any
// approval's timeout (at most 7 days).

/** Where a manual approval waits, and in which execution. */
export interface ApprovalPlace extends ApprovalSubject {
  account: string;
  region: string;
  executionId: string;
}

export type RequestStatus =
  /** Waiting for votes in Slack. */
  | 'pending'
  | 'approved'
  | 'rejected'
  /** Decided in the console (or by someone else): the action's execution ended without us. */
  | 'closed'
  | 'expired'
  /** No token: nothing could be asked or decided. */
  | 'unactionable';

/** What the request shows and re-checks need (capped where free text enters). */
export interface FactsSummary {
  commitId?: string;
  commitMessage?: string;
  ref?: ApprovalFacts['source']['ref'];
  authorEmail?: string;
  startedBy?: string;
  /** Checks that could not be made, and reads that failed. */
  notes: string[];
}

export interface ApprovalRequest {
  key: string;
  place: ApprovalPlace;
  policy: string;
  /** The token read from GetPipelineState when the request was made (a click compares it with a fresh one). */
  token?: string;
  requestedAt: string;
  expiresAt: string;
  remindedAt?: string;
  facts: FactsSummary;
  votes: Vote[];
  status: RequestStatus;
  /** How it ended: who decided, why (shown in the message). */
  outcome?: { by: string[]; reason: string; at: string; automatic: boolean };
  /** The channel the request was asked in (as configured). */
  channel?: string;
  /**
   * Our PutApprovalResult, recorded before it is sent: it may have landed even when its answer never came
   * (cut short at the click's deadline), so CodePipeline's event or ApprovalAlreadyCompleted after it is our decision.
   */
  attempt?: DecisionAttempt;
}

/** A PutApprovalResult we sent (or were about to). */
export interface DecisionAttempt {
  status: 'Approved' | 'Rejected';
  token: string;
  at: string;
}

/** The delivery record's key of the Slack message that asks. */
export const REQUEST_MESSAGE = 'request';

/** "apr_" and 32 hex characters: opaque (a button's value), derived from where the approval waits, so every event of it finds the same item. */
export function approvalRequestKey(p: ApprovalPlace): string {
  const digest = createHash('sha256').update(JSON.stringify([p.account, p.region, p.pipeline, p.executionId, p.stage, p.action])).digest('hex');
  return `apr_${digest.slice(0, 32)}`;
}

/** Only keys approvalRequestKey makes are looked up (a button's value is untrusted input). */
export const isApprovalRequestKey = (value: string): boolean => /^apr_[0-9a-f]{32}$/.test(value);

export const approvalRequestPk = (key: string): string => `APPROVAL#${key}`;

/** The Slack message that asks, once posted. */
export const requestMessage = (delivery: Delivery): { channelId: string; ts: string } | undefined => delivery.messages[REQUEST_MESSAGE];

const MAX_VOTES = 30;
const MAX_NOTES = 10;
const NOTE_CHARS = 300;
const MESSAGE_CHARS = 500;
const REASON_CHARS = 500;
const cut = (text: string | undefined, max: number) => (text === undefined || text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function summarizeFacts(facts: ApprovalFacts, unverified: string[] = []): FactsSummary {
  const { source } = facts;
  return {
    ...(source.commitId ? { commitId: source.commitId.slice(0, 64) } : {}),
    ...(source.commitMessage !== undefined ? { commitMessage: cut(source.commitMessage, MESSAGE_CHARS) } : {}),
    ...(source.ref ? { ref: { kind: source.ref.kind, ...(source.ref.name ? { name: cut(source.ref.name, 255)! } : {}) } } : {}),
    ...(source.authorEmail ? { authorEmail: cut(source.authorEmail, 254) } : {}),
    ...(facts.startedBy ? { startedBy: cut(facts.startedBy, 512) } : {}),
    notes: [...unverified, ...facts.unreadable].slice(0, MAX_NOTES).map((n) => cut(n, NOTE_CHARS)!),
  };
}

/** The request, bounded: votes beyond MAX_VOTES (more than any policy requires) are dropped, newest first; free text capped. */
export function boundRequest(request: ApprovalRequest): ApprovalRequest {
  return {
    ...request,
    votes: request.votes.slice(0, MAX_VOTES).map((v) => ({ ...v, ...(v.reason !== undefined ? { reason: cut(v.reason, REASON_CHARS) } : {}) })),
    ...(request.outcome ? { outcome: { ...request.outcome, reason: cut(request.outcome.reason, REASON_CHARS)! } } : {}),
  };
}

/** A request closes once (a later event of the same execution never reopens or rewrites it). */
export function closeRequest(request: ApprovalRequest, status: Exclude<RequestStatus, 'pending'>, outcome: NonNullable<ApprovalRequest['outcome']>): ApprovalRequest {
  if (request.status !== 'pending') return request;
  return boundRequest({ ...request, status, outcome });
}

// --- The index of open requests: the reminder schedule reads it instead of scanning the table.

export const OPEN_REQUESTS_PK = 'APPROVALS#OPEN';
/** More open approvals than this at once is not a real estate; the oldest are dropped from reminders first. */
export const MAX_OPEN_REQUESTS = 500;

export interface OpenRequests {
  keys: string[];
}

export function withOpenRequest(index: OpenRequests | undefined, key: string): OpenRequests {
  const keys = index?.keys ?? [];
  if (keys.includes(key)) return index!;
  return { keys: [...keys, key].slice(-MAX_OPEN_REQUESTS) };
}

export function withoutOpenRequest(index: OpenRequests | undefined, key: string): OpenRequests {
  if (!index) return { keys: [] };
  if (!index.keys.includes(key)) return index;
  return { keys: index.keys.filter((k) => k !== key) };
}
