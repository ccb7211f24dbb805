import { StopDeploymentCommand, CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { CodeDeployStopAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange, serviceTarget } from './change.js';

// Stops a CodeDeploy blue/green deployment with automatic rollback (CODE_DEPLOY
// controllers reject task-definition changes in UpdateService).

export const codeDeployStopDeployment: ActionModule<CodeDeployStopAction> = {
  type: 'codedeploy.stopDeployment',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['codedeploy:StopDeployment'], resources: 'deploymentGroups' }],
  target: serviceTarget,
  perform: (action, ctx) =>
    performChange(
      action,
      serviceTarget(action),
      ctx,
      call('codedeploy:StopDeployment', { deploymentId: action.deploymentId, autoRollbackEnabled: true }, (input) => clientFor(CodeDeployClient, ctx.channels.place).send(new StopDeploymentCommand(input))),
      (res) => res?.status,
    ),
  describe: (action) => `stop CodeDeploy deployment ${action.deploymentId} of ${serviceTarget(action)} with automatic rollback`,
};
