import type { ActionState, PipelineState, StageState } from './codepipeline.js';
import type { BuildStatus } from './codebuild.js';

/** What every normalized event carries from its EventBridge envelope. */
export interface EnvelopeFacts {
  eventId: string;
  /** ISO-8601 time of the event (second precision in practice). */
  time: string;
  account: string;
  region: string;
}

export interface ActionResult {
  externalUrl?: string;
  summary?: string;
  externalId?: string;
  errorCode?: string;
}

export interface Trigger {
  type?: string;
  detail?: string;
  commitId?: string;
  commitMessage?: string;
  author?: string;
  branch?: string;
  tag?: string;
  repository?: string;
}

interface PipelineCommon extends EnvelopeFacts {
  pipeline: string;
  executionId: string;
  trigger?: Trigger;
}

export interface PipelineExecutionEvent extends PipelineCommon {
  kind: 'pipeline';
  state: PipelineState;
}

export interface StageExecutionEvent extends PipelineCommon {
  kind: 'stage';
  stage: string;
  state: StageState;
}

export interface ActionExecutionEvent extends PipelineCommon {
  kind: 'action';
  stage: string;
  action: string;
  state: ActionState;
  category: string;
  provider: string;
  owner: string;
  result?: ActionResult;
}

export interface BuildEvent extends EnvelopeFacts {
  kind: 'build';
  project: string;
  buildArn: string;
  status: BuildStatus;
  /** "codepipeline/<name>" when a pipeline started the build. */
  initiator?: string;
  sourceVersion?: string;
  logsUrl?: string;
  /** The first failed phase and its context messages, when the build failed. */
  failedPhase?: { phase: string; status?: string; context: string[] };
}

export type PipelineEvent = PipelineExecutionEvent | StageExecutionEvent | ActionExecutionEvent;
export type CiEvent = PipelineEvent | BuildEvent;

export const isManualApproval = (e: ActionExecutionEvent): boolean =>
  e.category === 'Approval' && e.provider === 'Manual';
