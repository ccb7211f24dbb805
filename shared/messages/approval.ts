import type { Field, MessageModel, Tone } from './model.js';
import { consoleOrigin, pipelineExecutionUrl } from './links.js';

// The approval request and its later forms (approved, rejected, expired,
// decided automatically or in the console). Every string here is untrusted
// display text (commit messages, branch names, reasons): the renderers escape it.
// Buttons carry only the request's opaque key: the receiver looks it up and
// checks everything again.

export const APPROVE_BUTTON = 'approval.approve';
export const REJECT_BUTTON = 'approval.reject';

/** What the message says, from the request record (shared/state/approval-request.ts) and the people's names. */
export interface ApprovalStory {
  key: string;
  pipeline: string;
  stage: string;
  action: string;
  executionId: string;
  region: string;
  policy: string;
  status: 'pending' | 'approved' | 'rejected' | 'closed' | 'expired' | 'unactionable';
  required: number;
  /** Names of who may approve. */
  approvers: string[];
  approvedBy: string[];
  rejectedBy: string[];
  expiresAt: string;
  facts: { commitId?: string; commitMessage?: string; ref?: { kind: 'branch' | 'tag'; name?: string }; authorEmail?: string; startedBy?: string; notes: string[] };
  outcome?: { by: string[]; reason: string; at: string; automatic: boolean };
  /** A reminder: the request is about to time out. */
  reminder?: boolean;
}

const approvalConsoleUrl = (s: ApprovalStory) =>
  `${consoleOrigin(s.region)}/codesuite/codepipeline/pipelines/${encodeURIComponent(s.pipeline)}/view?region=${s.region}`;

const HEADLINES: Record<ApprovalStory['status'], [string, Tone]> = {
  pending: ['waits for approval', 'warning'],
  approved: ['approved', 'success'],
  rejected: ['rejected', 'failure'],
  closed: ['decided outside Slack', 'info'],
  expired: ['approval expired', 'info'],
  unactionable: ['approval cannot be decided here', 'warning'],
};

function outcomeLine(s: ApprovalStory): string | undefined {
  const o = s.outcome;
  if (!o) return undefined;
  if (o.automatic) return `${s.status === 'approved' ? 'Approved' : 'Rejected'} automatically by policy '${s.policy}': ${o.reason}`;
  if (s.status === 'approved') return `Approved by ${o.by.join(', ')} at ${o.at}`;
  if (s.status === 'rejected') return `Rejected by ${o.by.join(', ')} at ${o.at}: ${o.reason}`;
  return o.reason;
}

export function describeApproval(s: ApprovalStory): MessageModel {
  const [headline, tone] = HEADLINES[s.status];
  const pending = s.status === 'pending';
  const f = s.facts;
  const fields: Field[] = [
    { label: 'Approval', value: `${s.stage} / ${s.action}` },
    { label: 'Policy', value: s.policy },
    ...(f.ref ? [{ label: f.ref.kind === 'tag' ? 'Tag' : 'Branch', value: f.ref.name ?? 'name not recorded by the execution' }] : []),
    ...(f.commitId ? [{ label: 'Commit', value: f.commitId.slice(0, 12) }] : []),
    ...(f.authorEmail ? [{ label: 'Author', value: f.authorEmail }] : []),
    ...(f.startedBy ? [{ label: 'Started by', value: f.startedBy }] : []),
    { label: 'Approvals', value: `${s.approvedBy.length} of ${s.required}${s.approvedBy.length ? ` (${s.approvedBy.join(', ')})` : ''}` },
    ...(pending ? [{ label: 'May approve', value: s.approvers.join(', ') || 'nobody: see guardian.yml' }, { label: 'Expires', value: s.expiresAt }] : []),
  ];
  const lines = [
    s.reminder && pending ? `Reminder: this approval times out at ${s.expiresAt}.` : undefined,
    f.commitMessage ? `“${f.commitMessage.split('\n')[0]}”` : undefined,
    outcomeLine(s),
    ...(pending && f.notes.length ? [`Could not check: ${f.notes.join('; ')}`] : []),
  ].filter((l): l is string => Boolean(l));
  return {
    title: `${s.pipeline} ${headline}`,
    tone,
    summary: lines.join('\n'),
    fields,
    stages: [],
    links: [
      { label: 'Open the approval in the console', url: approvalConsoleUrl(s) },
      { label: 'Execution', url: pipelineExecutionUrl(s.region, s.pipeline, s.executionId) },
    ],
    context: `execution ${s.executionId}`,
    ...(pending
      ? {
          buttons: [
            { actionId: APPROVE_BUTTON, label: 'Approve', value: s.key, style: 'primary' as const },
            { actionId: REJECT_BUTTON, label: 'Reject', value: s.key, style: 'danger' as const },
          ],
        }
      : {}),
  };
}
