import { CodePipelineClient, EnableStageTransitionCommand } from '@aws-sdk/client-codepipeline';
import type { EnableTransitionAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange, stageTarget } from './change.js';

// Enables the inbound transition of a pipeline stage again: a freeze that closed it has ended.

export const codePipelineEnableTransition: ActionModule<EnableTransitionAction> = {
  type: 'codepipeline.enableTransition',
  kind: 'change',
  order: 1,
  iam: [{ actions: ['codepipeline:EnableStageTransition'], resources: 'deployStages' }],
  target: stageTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      stageTarget(action),
      ctx,
      call('codepipeline:EnableStageTransition', { pipelineName: action.pipeline, stageName: action.stage, transitionType: 'Inbound' as const }, (input) =>
        clientFor(CodePipelineClient, ctx.channels.place).send(new EnableStageTransitionCommand(input)),
      ),
      () => undefined,
    ),
  describe: (action) => `enable the transition into ${stageTarget(action)}`,
};
