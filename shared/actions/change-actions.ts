import type { ChangeModules } from './module.js';
import { ecsStopDeployment } from './ecs-stop-deployment.js';
import { ecsUpdateService } from './ecs-update-service.js';
import { codeDeployStopDeployment } from './codedeploy-stop-deployment.js';
import { codePipelineDisableTransition } from './codepipeline-disable-transition.js';
import { codePipelineEnableTransition } from './codepipeline-enable-transition.js';

/**
 * Changes to AWS, handed to the executor (Channels.changes) only by functions
 * that may make them: a function that only notifies does not bundle their SDK clients.
 */
export const CHANGE_ACTIONS: ChangeModules = {
  'ecs.stopDeployment': ecsStopDeployment,
  'ecs.updateService': ecsUpdateService,
  'codedeploy.stopDeployment': codeDeployStopDeployment,
  'codepipeline.disableTransition': codePipelineDisableTransition,
  'codepipeline.enableTransition': codePipelineEnableTransition,
};
