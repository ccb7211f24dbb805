import { StopPipelineExecutionCommand, CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { StopExecutionAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange } from './change.js';

// Stops a pipeline execution that a change around the pipeline let through (an
// approval that broke the policy). abandon=false: actions already running finish
// (abandoning one can leave a deployment half done), and no later stage starts.

/** StopPipelineExecution's reason: at most 200 characters. */
const MAX_REASON = 200;

const executionTarget = (action: StopExecutionAction) => `${action.pipeline} execution ${action.executionId}`;

export const codePipelineStopExecution: ActionModule<StopExecutionAction> = {
  type: 'codepipeline.stopExecution',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['codepipeline:StopPipelineExecution'], resources: 'approvalPipelines', why: 'only an approval against an approval policy stops an execution' }],
  target: executionTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      executionTarget(action),
      ctx,
      call(
        'codepipeline:StopPipelineExecution',
        { pipelineName: action.pipeline, pipelineExecutionId: action.executionId, abandon: false, reason: action.reason.slice(0, MAX_REASON) },
        (input) => clientFor(CodePipelineClient, ctx.channels.place).send(new StopPipelineExecutionCommand(input)),
      ),
      (res) => res?.pipelineExecutionId,
    ),
  describe: (action) => `stop ${executionTarget(action)} (running actions finish, no later stage starts)`,
};
