import type { ActionView, BuildFailure, ExecutionView } from '../views/execution-view.js';
import { buildFailureFor, isTerminal, latestFailure, overallState, pendingApprovals, stageStatuses } from '../views/execution-view.js';
import type { FailureDetails, Field, Link, MessageModel, ReplyModel, StageLine, Tone } from './model.js';
import { accountName } from './model.js';
import { codeBuildLogsUrl, pipelineExecutionUrl, pipelineUrl } from './links.js';
import { failedPhaseText } from './build.js';
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
  return stageStatuses(view).map(({ name, state, timeline }) => (timeline ? { name, state, duration: duration(timeline.startedAt, timeline.endedAt) } : { name, state }));
}

/** Where to look next for a failed action, labelled by what the link opens. */
function failureLink(view: ExecutionView, a: ActionView, build: BuildFailure | undefined): Link | undefined {
  const id = a.result?.externalId;
  const url = a.result?.externalUrl;
  if (a.provider === 'CodeBuild') {
    const logs = build?.logsUrl ?? (id ? codeBuildLogsUrl(view.region, view.account, id) : undefined) ?? url;
    return logs ? { label: 'Build logs', url: logs } : undefined;
  }
  if (!url) return undefined;
  if (a.provider.startsWith('CodeDeploy')) return { label: 'CodeDeploy deployment', url };
  if (a.provider === 'ECS') return { label: 'ECS deployment', url };
  return { label: `${a.provider} details`, url };
}

/** The failed action and, for a CodeBuild action whose build is known, why the build failed instead of the action's "Build terminated". */
function failureDetails(view: ExecutionView, failed: ActionView): FailureDetails {
  const build = buildFailureFor(view, failed);
  return {
    stage: failed.stage,
    action: failed.action,
    phase: build ? failedPhaseText(build) : undefined,
    errorCode: build ? build.code : failed.result?.errorCode,
    summary: build?.message ?? failed.result?.summary,
    link: failureLink(view, failed, build),
  };
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
  else if (r.tag) fields.push({ label: 'Tag', value: r.repository ? `${r.tag} (${r.repository})` : r.tag });
  return fields;
}

export function describeExecution(view: ExecutionView, accountAlias?: string): MessageModel {
  const executionUrl = pipelineExecutionUrl(view.region, view.pipeline, view.executionId);
  const failed = latestFailure(view);
  const approvals = pendingApprovals(view);
  const model: MessageModel = {
    title: `${view.pipeline} ${headline(view)}`,
    tone: toneOf(view),
    fields: [
      { label: 'Pipeline', value: view.pipeline, url: pipelineUrl(view.region, view.pipeline) },
      { label: 'Execution', value: shortId(view.executionId), url: executionUrl },
      ...revisionFields(view),
    ],
    stages: stageLines(view),
    // The failure's own link is shown with the failure, once.
    links: [{ label: 'Execution in console', url: executionUrl }],
    context: `${accountName(view.account, accountAlias)} · ${view.region} · execution ${view.executionId}`,
  };
  // The failure block says where it failed; a summary line would say it twice.
  if (failed) model.failure = failureDetails(view, failed);
  else if (approvals.length > 0) model.summary = `Waiting for approval: ${approvals.map((a) => `${a.stage} / ${a.action}`).join(', ')}`;
  return model;
}

export function describeFailureReply(view: ExecutionView): ReplyModel {
  const failed = latestFailure(view);
  const details = failed ? failureDetails(view, failed) : undefined;
  const where = failed ? ` in ${failed.stage} / ${failed.action}` : '';
  const phase = details?.phase ? `phase ${details.phase}` : '';
  const why = details ? [phase, details.errorCode, details.summary].filter(Boolean).join(': ') : '';
  return {
    tone: 'failure',
    text: `${view.pipeline} failed${where}${why ? ` — ${why}` : ''}`,
    links: [{ label: 'Execution', url: pipelineExecutionUrl(view.region, view.pipeline, view.executionId) }, ...(details?.link ? [details.link] : [])],
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
