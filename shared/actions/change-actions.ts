import type { ChangeModules } from './module.js';
import { ecsStopDeployment } from './ecs-stop-deployment.js';
import { ecsUpdateService } from './ecs-update-service.js';
import { codeDeployStopDeployment } from './codedeploy-stop-deployment.js';
import { codePipelineDisableTransition } from './codepipeline-disable-transition.js';
import { codePipelinePutApprovalResult } from './codepipeline-put-approval-result.js';
import { codePipelineEnableTransition } from './codepipeline-enable-transition.js';

/**
 * Changes to AWS, handed to the executor (Channels.changes) only by functions
 * that may make them: a function that only notifies does not bundle their SDK clients.
 */
export const CHANGE_ACTIONS = {
  'ecs.stopDeployment': ecsStopDeployment,
  'ecs.updateService': ecsUpdateService,
  'codedeploy.stopDeployment': codeDeployStopDeployment,
  'codepipeline.disableTransition': codePipelineDisableTransition,
  'codepipeline.enableTransition': codePipelineEnableTransition,
} satisfies ChangeModules;

/** The changes approvals make (the approval gate, Slack interactions): their own map, so rollback's role never gets PutApprovalResult. */
export const APPROVAL_ACTIONS = {
  'codepipeline.putApprovalResult': codePipelinePutApprovalResult,
} satisfies ChangeModules;
