import { DisableStageTransitionCommand, CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { DisableTransitionAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange, stageTarget } from './change.js';

// Disables the inbound transition of a pipeline's deploy stage, so a bad revision is not deployed again.

/** CodePipeline's DisableStageTransition accepts 1-300 characters of [a-zA-Z0-9!@ ().*?-]. */
export function transitionReason(reason: string): string {
  const cleaned = reason
    .replace(/[^a-zA-Z0-9!@ ().*?-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300)
    .trim();
  return cleaned || 'Disabled by cicd-guardian after a rollback';
}

export const codePipelineDisableTransition: ActionModule<DisableTransitionAction> = {
  type: 'codepipeline.disableTransition',
  kind: 'change',
  order: 1,
  iam: [{ actions: ['codepipeline:DisableStageTransition'], resources: 'deployStages' }],
  target: stageTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      stageTarget(action),
      ctx,
      call(
        'codepipeline:DisableStageTransition',
        { pipelineName: action.pipeline, stageName: action.stage, transitionType: 'Inbound' as const, reason: transitionReason(action.reason) },
        (input) => clientFor(CodePipelineClient, ctx.channels.place).send(new DisableStageTransitionCommand(input)),
      ),
      () => undefined,
    ),
  describe: (action) => `disable the transition into ${stageTarget(action)}`,
};
