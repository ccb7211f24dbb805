import type { ChangeModules } from './module.js';
import { ecsStopDeployment } from './ecs-stop-deployment.js';
import { ecsUpdateService } from './ecs-update-service.js';
import { codeDeployStopDeployment } from './codedeploy-stop-deployment.js';
import { codePipelineDisableTransition } from './codepipeline-disable-transition.js';
import { codePipelineStopExecution } from './codepipeline-stop-execution.js';
import { cloudTrailStartLogging } from './cloudtrail-start-logging.js';
import { codePipelinePutApprovalResult } from './codepipeline-put-approval-result.js';
import { codePipelineEnableTransition } from './codepipeline-enable-transition.js';
import { ec2TagInstance } from './ec2-tag-instance.js';
import { ec2SnapshotVolumes } from './ec2-snapshot-volumes.js';
import { ec2ProtectInstance } from './ec2-protect-instance.js';
import { autoScalingDetachInstance } from './autoscaling-detach-instance.js';
import { ec2IsolateInstance } from './ec2-isolate-instance.js';
import { ec2StopInstance } from './ec2-stop-instance.js';
import { iamDeactivateAccessKey } from './iam-deactivate-access-key.js';
import { iamRevokeRoleSessions } from './iam-revoke-role-sessions.js';
import { s3BlockPublicAccess } from './s3-block-public-access.js';
import { ecsStopTask } from './ecs-stop-task.js';
import { ecsIsolateService } from './ecs-isolate-service.js';
import { ecsScaleService } from './ecs-scale-service.js';

/**
 * Changes to AWS, handed to the executor (Channels.changes) only by functions
 * that may make them: a function that only notifies does not bundle their SDK clients.
 * Each map is one function's changes, so its role grants only those.
 */
export const CHANGE_ACTIONS = {
  'ecs.stopDeployment': ecsStopDeployment,
  'ecs.updateService': ecsUpdateService,
  'codedeploy.stopDeployment': codeDeployStopDeployment,
  'codepipeline.disableTransition': codePipelineDisableTransition,
} satisfies ChangeModules;

/** The changes freeze scheduling makes: closing a governed stage's inbound transition while a freeze lasts, and opening it after. */
export const FREEZE_ACTIONS = {
  'codepipeline.disableTransition': codePipelineDisableTransition,
  'codepipeline.enableTransition': codePipelineEnableTransition,
} satisfies ChangeModules;

/** The tamper checks' enforcements; a revert of a bypass is the rollback's own UpdateService. */
export const TAMPER_CHANGE_ACTIONS = {
  'codepipeline.stopExecution': codePipelineStopExecution,
  'cloudtrail.startLogging': cloudTrailStartLogging,
  'ecs.updateService': ecsUpdateService,
} satisfies ChangeModules;

/** The changes approvals make (the approval gate, Slack interactions): their own map, so rollback's role never gets PutApprovalResult. */
export const APPROVAL_ACTIONS = {
  'codepipeline.putApprovalResult': codePipelinePutApprovalResult,
} satisfies ChangeModules;

/** GuardDuty remediation's changes, in its playbooks' order; an ECS service is rolled back by the rollback's own UpdateService, a trail restarted by tamper's StartLogging. */
export const REMEDIATION_ACTIONS = {
  'ec2.tagInstance': ec2TagInstance,
  'ec2.snapshotVolumes': ec2SnapshotVolumes,
  'ec2.protectInstance': ec2ProtectInstance,
  'autoscaling.detachInstance': autoScalingDetachInstance,
  'ec2.isolateInstance': ec2IsolateInstance,
  'ec2.stopInstance': ec2StopInstance,
  'iam.deactivateAccessKey': iamDeactivateAccessKey,
  'iam.revokeRoleSessions': iamRevokeRoleSessions,
  's3.blockPublicAccess': s3BlockPublicAccess,
  'ecs.stopTask': ecsStopTask,
  'ecs.updateService': ecsUpdateService,
  'ecs.isolateService': ecsIsolateService,
  'ecs.scaleService': ecsScaleService,
  'cloudtrail.startLogging': cloudTrailStartLogging,
} satisfies ChangeModules;
