import type { ChangeModules } from './module.js';
import { ecsStopDeployment } from './ecs-stop-deployment.js';
import { ecsUpdateService } from './ecs-update-service.js';
import { codeDeployStopDeployment } from './codedeploy-stop-deployment.js';
import { codePipelineDisableTransition } from './codepipeline-disable-transition.js';
import { codePipelineStopExecution } from './codepipeline-stop-execution.js';
import { cloudTrailStartLogging } from './cloudtrail-start-logging.js';
import { codePipelinePutApprovalResult } from './codepipeline-put-approval-result.js';
import { codePipelineEnableTransition } from './codepipeline-enable-transition.js';

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
