import type { Action } from '../plan/plan.js';
import type { ActionModule, ActionModules } from './module.js';
import { slackUpsert } from './slack-upsert.js';
import { slackReply } from './slack-reply.js';
import { slackWebhook } from './slack-webhook.js';
import { emailPublish } from './email-publish.js';
import { ecsStopDeployment } from './ecs-stop-deployment.js';
import { ecsUpdateService } from './ecs-update-service.js';
import { codeDeployStopDeployment } from './codedeploy-stop-deployment.js';
import { codePipelineDisableTransition } from './codepipeline-disable-transition.js';

/** Every kind of action, by type. A new member of the Action union fails to compile until it has its module here. */
export const ACTIONS: ActionModules = {
  'slack.upsert': slackUpsert,
  'slack.reply': slackReply,
  'slack.webhook': slackWebhook,
  'email.publish': emailPublish,
  'ecs.stopDeployment': ecsStopDeployment,
  'ecs.updateService': ecsUpdateService,
  'codedeploy.stopDeployment': codeDeployStopDeployment,
  'codepipeline.disableTransition': codePipelineDisableTransition,
};

/** The module of an action (one cast here, checked by ActionModules' mapping, instead of a switch per caller). */
export const moduleOf = <A extends Action>(action: A): ActionModule<A> => ACTIONS[action.type] as unknown as ActionModule<A>;
