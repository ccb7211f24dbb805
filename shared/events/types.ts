import type { ActionState, PipelineState, StageState } from './codepipeline.js';
import type { BuildStatus } from './codebuild.js';
import type { EcsDeploymentEventName } from './ecs.js';
import type { AlarmState } from './cloudwatch.js';

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

/** By provider: AWS's own sample approval event has category Deploy. */
export const isManualApproval = (a: Pick<ActionExecutionEvent, 'provider' | 'category'>): boolean => a.provider === 'Manual';

/** The pipeline that started a build (initiator "codepipeline/<name>"), if one did. */
export const startingPipeline = (build: Pick<BuildEvent, 'initiator'>): string | undefined =>
  build.initiator?.startsWith('codepipeline/') ? build.initiator.slice('codepipeline/'.length) || undefined : undefined;

// ---- ECS auto-rollback inputs (ECS, CloudWatch alarms, manual requests) ----

/** `ECS Deployment State Change`: a rolling-update deployment of one service. */
export interface EcsDeploymentEvent extends EnvelopeFacts {
  kind: 'ecs-deployment';
  clusterArn: string;
  /** Cluster name, from the service ARN (the event's detail names no cluster). */
  cluster: string;
  serviceArn: string;
  service: string;
  eventName: EcsDeploymentEventName;
  /** "ecs-svc/<digits>"; also the `startedBy` of the tasks this deployment starts. */
  deploymentId: string;
  updatedAt: string;
  reason?: string;
  /** The deployment id ECS's own rollback returns to, read from a "rolling back to deploymentId X" reason. */
  nativeRollbackTo?: string;
}

/** `ECS Service Action`, e.g. SERVICE_TASK_START_IMPAIRED or SERVICE_STEADY_STATE (which repeats). */
export interface EcsServiceActionEvent extends EnvelopeFacts {
  kind: 'ecs-service-action';
  clusterArn: string;
  cluster: string;
  serviceArn: string;
  service: string;
  eventName: string;
  /** INFO, WARN or ERROR. */
  eventType?: string;
}

export interface EcsContainerState {
  name: string;
  exitCode?: number;
  reason?: string;
  lastStatus?: string;
  healthStatus?: string;
}

/** `ECS Task State Change`. */
export interface EcsTaskEvent extends EnvelopeFacts {
  kind: 'ecs-task';
  clusterArn: string;
  cluster: string;
  /** The service that runs the task, from `group` "service:NAME"; absent for standalone tasks. */
  service?: string;
  taskArn: string;
  taskDefinitionArn: string;
  /** For a service's task, the id ("ecs-svc/...") of the deployment that started it. */
  startedBy?: string;
  lastStatus: string;
  desiredStatus?: string;
  stopCode?: string;
  stoppedReason?: string;
  /** Increments with every change of the task: equal versions are duplicates, lower ones are stale. */
  version: number;
  createdAt?: string;
  startedAt?: string;
  stoppingAt?: string;
  stoppedAt?: string;
  containers: EcsContainerState[];
  healthStatus?: string;
}

/** `CloudWatch Alarm State Change`. */
export interface AlarmEvent extends EnvelopeFacts {
  kind: 'alarm';
  alarmName: string;
  /** The event's `resources[0]`. */
  alarmArn: string;
  state: AlarmState;
  previousState?: AlarmState;
  reason: string;
  /** As CloudWatch writes it, e.g. "2019-10-02T17:04:40.989+0000" (no colon in the offset). */
  stateTimestamp: string;
}

/** A rollback asked for by hand: `sls invoke -f rollback -d '{"cluster":..., "service":..., "reason":...}'`. */
export interface ManualRollbackRequest {
  kind: 'manual';
  cluster: string;
  service: string;
  reason: string;
  dryRun?: boolean;
  /** A random UUID: the request carries no id of its own. */
  eventId: string;
  /** When the request was parsed (ISO-8601). */
  time: string;
}

/** Every input of the rollback function, normalized. */
export type RollbackEvent =
  | EcsDeploymentEvent
  | EcsServiceActionEvent
  | EcsTaskEvent
  | AlarmEvent
  | ActionExecutionEvent
  | ManualRollbackRequest;

// ---- CloudTrail API calls (the tamper checks) ----

/** Who made an API call, as CloudTrail's userIdentity says. */
export interface Caller {
  /** AssumedRole, IAMUser, Root, AWSService, ... */
  type: string;
  /** The caller's ARN: for a role session, arn:aws:sts::<account>:assumed-role/<role>/<session>. */
  arn?: string;
  principalId?: string;
  /** For a role session, the role it was issued by: arn:aws:iam::<account>:role/<path/><name>. */
  issuerArn?: string;
  /** The AWS service that made the call on the caller's behalf. */
  invokedBy?: string;
}

/** `AWS API Call via CloudTrail`: one management event a trail recorded. */
export interface ApiCallEvent extends EnvelopeFacts {
  kind: 'api-call';
  /** eventSource, e.g. "codepipeline.amazonaws.com". */
  service: string;
  /** eventName, e.g. "UpdatePipeline". */
  operation: string;
  /** eventTime: when the call was made. */
  calledAt: string;
  /** eventID: CloudTrail's id of the record (the envelope's id is EventBridge's). */
  callId: string;
  caller: Caller;
  /** requestParameters ({} when the call had none). Untrusted: whoever called chose them. */
  request: Record<string, unknown>;
  /** responseElements ({} when AWS answered none). */
  response: Record<string, unknown>;
  /** Set when the call failed. */
  errorCode?: string;
  sourceIp?: string;
}
