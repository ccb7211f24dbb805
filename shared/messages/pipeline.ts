import type { ActionView, ExecutionView } from '../policies/execution-view.js';
import { isTerminal, latestFailure, overallState, pendingApprovals } from '../policies/execution-view.js';
import type { Field, MessageModel, ReplyModel, StageLine, Tone } from './model.js';
import { codeBuildLogsUrl, pipelineExecutionUrl, pipelineUrl } from './links.js';
import { formatDuration } from './text.js';

// Builds the neutral message for a pipeline execution from what we know of it.

const shortId = (id: string, n = 8) => id.slice(0, n);
const firstLine = (s: string) => s.split(/\r?\n/, 1)[0] ?? '';

function toneOf(view: ExecutionView): Tone {
  const state = overallState(view);
  if (state === 'SUCCEEDED') return 'success';
  if (state === 'FAILED') return 'failure';
  if (isTerminal(state) || state === 'STOPPING') return 'warning';
  return pendingApprovals(view).length > 0 ? 'warning' : 'progress';
}

function headline(view: ExecutionView): string {
  const state = overallState(view);
  if (state === 'IN_PROGRESS' || state === 'STARTED' || state === 'RESUMED') {
    return pendingApprovals(view).length > 0 ? 'waiting for approval' : 'in progress';
  }
  return state.toLowerCase();
}

const duration = (from?: string, to?: string): string | undefined =>
  from && to ? formatDuration(Math.max(0, Date.parse(to) - Date.parse(from))) : undefined;

function stageLines(view: ExecutionView): StageLine[] {
  return view.stageOrder.map((name) => {
    const s = view.stages[name];
    if (!s) {
      const started = Object.values(view.actions).some((a) => a.stage === name);
      return { name, state: started ? 'STARTED' : 'PENDING' };
    }
    return { name, state: s.state, duration: duration(s.startedAt, s.endedAt) };
  });
}

function logsUrlOf(view: ExecutionView, a: ActionView): string | undefined {
  const id = a.result?.externalId;
  if (a.provider === 'CodeBuild' && id) return codeBuildLogsUrl(view.region, view.account, id) ?? a.result?.externalUrl;
  return a.result?.externalUrl;
}

function revisionFields(view: ExecutionView): Field[] {
  const r = view.revision;
  const fields: Field[] = [];
  if (view.trigger?.type) fields.push({ label: 'Trigger', value: [view.trigger.type, view.trigger.detail].filter(Boolean).join(' · ') });
  if (!r) return fields;
  if (r.commitId) fields.push({ label: 'Revision', value: shortId(r.commitId, 7), url: r.url });
  if (r.message) fields.push({ label: 'Commit', value: firstLine(r.message) });
  if (r.author) fields.push({ label: 'Author', value: r.author });
  if (r.branch) fields.push({ label: 'Branch', value: r.repository ? `${r.repository}@${r.branch}` : r.branch });
  return fields;
}

export function describeExecution(view: ExecutionView): MessageModel {
  const executionUrl = pipelineExecutionUrl(view.region, view.pipeline, view.executionId);
  const failed = latestFailure(view);
  const approvals = pendingApprovals(view);
  const logsUrl = failed ? logsUrlOf(view, failed) : undefined;
  const model: MessageModel = {
    title: `${view.pipeline} ${headline(view)}`,
    tone: toneOf(view),
    fields: [
      { label: 'Pipeline', value: view.pipeline, url: pipelineUrl(view.region, view.pipeline) },
      { label: 'Execution', value: shortId(view.executionId), url: executionUrl },
      ...revisionFields(view),
    ],
    stages: stageLines(view),
    links: [{ label: 'Execution in console', url: executionUrl }, ...(logsUrl ? [{ label: 'Logs', url: logsUrl }] : [])],
    context: `${view.account} · ${view.region} · execution ${view.executionId}`,
  };
  if (failed) {
    model.summary = `Failed in ${failed.stage} / ${failed.action}`;
    model.failure = {
      stage: failed.stage,
      action: failed.action,
      errorCode: failed.result?.errorCode,
      summary: failed.result?.summary,
      logsUrl,
    };
  } else if (approvals.length > 0) {
    model.summary = `Waiting for approval: ${approvals.map((a) => `${a.stage} / ${a.action}`).join(', ')}`;
  }
  return model;
}

export function describeFailureReply(view: ExecutionView): ReplyModel {
  const failed = latestFailure(view);
  const where = failed ? ` in ${failed.stage} / ${failed.action}` : '';
  const why = failed?.result ? [failed.result.errorCode, failed.result.summary].filter(Boolean).join(': ') : '';
  const logsUrl = failed ? logsUrlOf(view, failed) : undefined;
  return {
    tone: 'failure',
    text: `${view.pipeline} failed${where}${why ? ` — ${why}` : ''}`,
    links: [
      { label: 'Execution', url: pipelineExecutionUrl(view.region, view.pipeline, view.executionId) },
      ...(logsUrl ? [{ label: 'Logs', url: logsUrl }] : []),
    ],
  };
}

export function describeStopReply(view: ExecutionView, state: string): ReplyModel {
  return {
    tone: 'warning',
    text: `${view.pipeline} execution ${shortId(view.executionId)} was ${state.toLowerCase()}`,
    links: [{ label: 'Execution', url: pipelineExecutionUrl(view.region, view.pipeline, view.executionId) }],
  };
}

export function describeApprovalReply(view: ExecutionView, approval: ActionView): ReplyModel {
  return {
    tone: 'warning',
    text: `Approval needed for ${view.pipeline}: ${approval.stage} / ${approval.action}`,
    links: [{ label: 'Review in console', url: pipelineExecutionUrl(view.region, view.pipeline, view.executionId) }],
  };
}
