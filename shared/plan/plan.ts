import type { MessageModel, ReplyModel } from '../messages/model.js';
import type { AuditEntry } from './audit.js';

// A Plan is what a decision function wants done: plain data, each action
// carrying everything its executor needs and a human-readable reason.
// Dry-run logs and returns it; otherwise executors perform it.

/** Post the subject's message to a channel, or update it in place if it was posted before. */
export interface SlackUpsertAction {
  type: 'slack.upsert';
  channel: string;
  /** Where the posted message is recorded; defaults to the channel (one message per subject and channel). */
  messageKey?: string;
  /** Post it in the thread of this message (another subject's, e.g. the execution's), then update it there. */
  thread?: { channelId: string; ts: string };
  message: MessageModel;
  /** Key of a change this notice reports: not sent if that change failed in the same run. */
  after?: string;
  reason: string;
}

/** Reply once in the thread of the subject's message in a channel, or of a message recorded elsewhere (`thread`). */
export interface SlackReplyAction {
  type: 'slack.reply';
  channel: string;
  /** A message another subject posted (e.g. the pipeline execution that deployed the service). */
  thread?: { channelId: string; ts: string };
  /** Delivery key: the reply is sent at most once per key. */
  key: string;
  reply: ReplyModel;
  /** Also show the reply in the channel (for failures people must see). */
  broadcast: boolean;
  /** Key of a change this notice reports: not sent if that change failed in the same run. */
  after?: string;
  reason: string;
}

/** Post one message through the incoming webhook (no bot token: no threads, no updates). */
export interface SlackWebhookAction {
  type: 'slack.webhook';
  key: string;
  message: MessageModel;
  /** Key of a change this notice reports: not sent if that change failed in the same run. */
  after?: string;
  reason: string;
}

/** Answer the user who clicked a button, privately (an ephemeral message through the interaction's response_url). */
export interface SlackRespondAction {
  type: 'slack.respond';
  /** Delivery key: answered at most once per key. */
  key: string;
  /** The interaction's response_url: only a Slack-hosted one is posted to. */
  responseUrl: string;
  text: string;
  reason: string;
}

/** Open a Slack modal for the user who clicked (views.open with the interaction's trigger_id, valid for 3 s). */
export interface SlackOpenModalAction {
  type: 'slack.openModal';
  /** Names the action in logs and outcomes (a modal is not recorded as delivered: its trigger_id is good once). */
  key: string;
  /** The interaction's trigger_id. */
  triggerId: string;
  /** The modal view, as Slack's views.open takes it. */
  view: Record<string, unknown>;
  reason: string;
}

/** Publish an email through SNS. */
export interface EmailAction {
  type: 'email.publish';
  key: string;
  /** undefined: the stack's own topic. */
  topicArn?: string;
  message: MessageModel;
  /** Key of a change this notice reports: not sent if that change failed in the same run. */
  after?: string;
  reason: string;
}

/** Stop an in-flight ECS deployment and let ECS roll it back (StopServiceDeployment, stopType ROLLBACK). */
export interface EcsStopDeploymentAction {
  type: 'ecs.stopDeployment';
  /** Per-service dry-run: performed against the recording sink (the call is shown, nothing changes, nothing is recorded). */
  rehearsal?: true;
  key: string;
  cluster: string;
  service: string;
  serviceDeploymentArn: string;
  reason: string;
}

/** Deploy a known-good task definition (UpdateService). */
export interface EcsUpdateServiceAction {
  type: 'ecs.updateService';
  /** Per-service dry-run: performed against the recording sink (the call is shown, nothing changes, nothing is recorded). */
  rehearsal?: true;
  key: string;
  cluster: string;
  service: string;
  taskDefinitionArn: string;
  reason: string;
}

/** Stop a CodeDeploy blue/green deployment with automatic rollback. */
export interface CodeDeployStopAction {
  type: 'codedeploy.stopDeployment';
  /** Per-service dry-run: performed against the recording sink (the call is shown, nothing changes, nothing is recorded). */
  rehearsal?: true;
  key: string;
  cluster: string;
  service: string;
  deploymentId: string;
  reason: string;
}

/** Disable the inbound transition of a pipeline stage so a bad revision is not deployed again. */
export interface DisableTransitionAction {
  type: 'codepipeline.disableTransition';
  /** Per-service dry-run: performed against the recording sink (the call is shown, nothing changes, nothing is recorded). */
  rehearsal?: true;
  key: string;
  pipeline: string;
  stage: string;
  reason: string;
}

/** Stop a pipeline execution (StopPipelineExecution, abandon=false: running actions finish). */
export interface StopExecutionAction {
  type: 'codepipeline.stopExecution';
  key: string;
  pipeline: string;
  executionId: string;
  reason: string;
}

/** Start a trail's logging again (StartLogging). */
export interface StartLoggingAction {
  type: 'cloudtrail.startLogging';
  /** Per-playbook dry-run (remediation): performed against the recording sink. */
  rehearsal?: true;
  key: string;
  /** The trail's name or ARN, as the StopLogging call named it. */
  trail: string;
  reason: string;
}

/** Approve or reject a manual approval action (PutApprovalResult) with the token read from GetPipelineState. */
export interface PutApprovalResultAction {
  type: 'codepipeline.putApprovalResult';
  key: string;
  pipeline: string;
  stage: string;
  action: string;
  token: string;
  status: 'Approved' | 'Rejected';
  /** Shown in the console: who approved, or why it was rejected (cut to CodePipeline's 512 characters). */
  summary: string;
  reason: string;
  /**
   * An earlier call of ours with this token and status may have landed (it was cut short after being sent):
   * CodePipeline's ApprovalAlreadyCompletedException then means it did, and counts as done.
   */
  resent?: boolean;
}

/** Enable the inbound transition of a pipeline stage again (a freeze that closed it has ended). */
export interface EnableTransitionAction {
  type: 'codepipeline.enableTransition';
  key: string;
  pipeline: string;
  stage: string;
  reason: string;
}

// --- GuardDuty remediation: one action per kind of change, in a playbook's order (evidence first).

interface RemediationChange {
  /** Per-playbook dry-run: performed against the recording sink (the call is shown, nothing changes, nothing is recorded). */
  rehearsal?: true;
  key: string;
  reason: string;
}

/** Tag an instance with the finding that concerns it (CreateTags). */
export interface Ec2TagInstanceAction extends RemediationChange {
  type: 'ec2.tagInstance';
  instanceId: string;
  tags: Record<string, string>;
}

/** Snapshot each EBS volume of an instance for forensics (CreateSnapshot, tagged with the finding). */
export interface Ec2SnapshotVolumesAction extends RemediationChange {
  type: 'ec2.snapshotVolumes';
  instanceId: string;
  volumeIds: string[];
  findingId: string;
}

/** Protect an instance from termination (ModifyInstanceAttribute DisableApiTermination), so the evidence is kept. */
export interface Ec2ProtectInstanceAction extends RemediationChange {
  type: 'ec2.protectInstance';
  instanceId: string;
}

/** Detach an instance from its Auto Scaling group without lowering capacity (a replacement is launched). */
export interface AutoScalingDetachInstanceAction extends RemediationChange {
  type: 'autoscaling.detachInstance';
  instanceId: string;
  group: string;
}

/** Replace the security groups of each network interface with the VPC's isolation group (created without rules if missing). */
export interface Ec2IsolateInstanceAction extends RemediationChange {
  type: 'ec2.isolateInstance';
  instanceId: string;
  vpcId: string;
  networkInterfaceIds: string[];
  /** The VPC's isolation group, when it exists; else it is created with this name. */
  groupId?: string;
  groupName: string;
}

/** Stop an instance (StopInstances), after its evidence is kept and it is isolated. */
export interface Ec2StopInstanceAction extends RemediationChange {
  type: 'ec2.stopInstance';
  instanceId: string;
}

/** Deactivate the one access key a finding names (UpdateAccessKey Inactive); the user's other keys are left alone. */
export interface IamDeactivateAccessKeyAction extends RemediationChange {
  type: 'iam.deactivateAccessKey';
  userName: string;
  accessKeyId: string;
}

/** Revoke a role's sessions issued before an instant: an inline deny-all conditioned on aws:TokenIssueTime. */
export interface IamRevokeRoleSessionsAction extends RemediationChange {
  type: 'iam.revokeRoleSessions';
  roleName: string;
  /** ISO-8601: sessions issued before it are denied everything. */
  issuedBefore: string;
}

/** Turn all four Block Public Access settings of a bucket on (PutPublicAccessBlock). */
export interface S3BlockPublicAccessAction extends RemediationChange {
  type: 's3.blockPublicAccess';
  bucket: string;
}

/** Stop a standalone ECS task (StopTask); a service's tasks are acted on through the service. */
export interface EcsStopTaskAction extends RemediationChange {
  type: 'ecs.stopTask';
  cluster: string;
  task: string;
}

/** Give an ECS service's tasks only its VPC's isolation group (UpdateService networkConfiguration: its tasks are replaced by isolated ones). */
export interface EcsIsolateServiceAction extends RemediationChange {
  type: 'ecs.isolateService';
  cluster: string;
  service: string;
  vpcId: string;
  /** The VPC's isolation group, when it exists; else it is created with this name. */
  groupId?: string;
  groupName: string;
  /** The service's awsvpc configuration, kept but for its security groups (UpdateService needs its subnets again). */
  subnets: string[];
  assignPublicIp?: 'ENABLED' | 'DISABLED';
  /** Its security groups before (for the audit and for putting them back by hand). */
  previousGroups: string[];
}

/** Scale an ECS service to zero tasks (UpdateService desiredCount 0). */
export interface EcsScaleServiceAction extends RemediationChange {
  type: 'ecs.scaleService';
  cluster: string;
  service: string;
  desiredCount: number;
  /** Its desired count before (for the audit and for scaling it back by hand). */
  previousDesiredCount: number;
}

export type RemediationAction =
  | Ec2TagInstanceAction
  | Ec2SnapshotVolumesAction
  | Ec2ProtectInstanceAction
  | AutoScalingDetachInstanceAction
  | Ec2IsolateInstanceAction
  | Ec2StopInstanceAction
  | IamDeactivateAccessKeyAction
  | IamRevokeRoleSessionsAction
  | S3BlockPublicAccessAction
  | EcsStopTaskAction
  | EcsIsolateServiceAction
  | EcsScaleServiceAction;

/** Record a decision in the audit trail (the state table, kept for `audit.retentionDays`). */
export interface AuditRecordAction {
  type: 'audit.record';
  /** Delivery key: recorded at most once per key. */
  key: string;
  entry: AuditEntry;
  /** Key of a change this entry reports: not recorded as done if that change failed in the same run. */
  after?: string;
  reason: string;
}

/** A change to AWS (what the rollback, freeze-schedule, approval and tamper functions may make, each its own). */
export type ChangeAction = RollbackAction | DisableTransitionAction | EnableTransitionAction | PutApprovalResultAction | EnforcementAction | RemediationAction;
/** What the tamper checks enforce besides a revert (which is a rollback's UpdateService). */
export type EnforcementAction = StopExecutionAction | StartLoggingAction;
export type RollbackAction = EcsStopDeploymentAction | EcsUpdateServiceAction | CodeDeployStopAction;
export type Action =
  | SlackUpsertAction
  | SlackReplyAction
  | SlackWebhookAction
  | SlackRespondAction
  | SlackOpenModalAction
  | EmailAction
  | AuditRecordAction
  | RollbackAction
  | DisableTransitionAction
  | EnableTransitionAction
  | PutApprovalResultAction
  | EnforcementAction
  | RemediationAction;

export interface Plan {
  /** What the plan is about, e.g. "pipeline payments-api execution 1234". */
  subject: string;
  actions: Action[];
  /** Why nothing (more) is done, when that is the decision. */
  skipped: string[];
}
